"""Time and memory of identity resolution (int_identity__account_members) on a synthetic account graph.

    .venv/bin/python bench/identity_graph.py --members 2200000 --memory-limit 4GB
    .venv/bin/python bench/identity_graph.py --members 2200000 --model old.sql   # another version of the model

Why on its own: at bench L the model runs after half an hour of landing and loading; this builds a graph of the
same size in a minute and runs only the model, so a change to it can be measured before a whole L run. Each
member has 0 to 4 accounts (2.0 on average; L has ~4.4 M accounts for 1 M members) that share a hashed email,
a hashed phone or neither, plus one unionid each (~4.4 identifiers per member). The model's SQL is rendered with
plain Jinja (ref() -> the synthetic tables, var() -> its default), so it is the model file, not a copy.
Prints one JSON line: accounts, identifiers, members found, seconds, peak RSS, or the error.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import jinja2

MODEL = (
    Path(__file__).resolve().parent.parent
    / "dbt_project/models/intermediate/identity/int_identity__account_members.sql"
)


def build_graph(con: duckdb.DuckDBPyConnection, members: int) -> None:
    """The two tables the model reads, in the shapes of int_identity__accounts and ..._account_identifiers."""
    con.execute("create schema src")
    con.execute(f"""
        create table src.int_identity__accounts as
        select
            'platform' || (a % 7) || ':source:' || m || '-' || a as account_key,
            timestamp '2020-01-01' + to_seconds(hash(m, a) % 100000000) as created_at,
            m, a
        from range({members}) as t(m), range(4) as r(a)
        where hash(m) % 5 > a
    """)
    con.execute("""
        create table src.int_identity__account_identifiers as
        select account_key, 'email' as id_type, sha256('e' || m) as id_value
        from src.int_identity__accounts where a % 2 = 0
        union all
        select account_key, 'phone', sha256('p' || m) from src.int_identity__accounts where a >= 1
        union all
        select account_key, 'unionid', sha256('u' || m || a) from src.int_identity__accounts
    """)


def render(model: Path) -> str:
    env = jinja2.Environment(extensions=["jinja2.ext.do"])
    return env.from_string(model.read_text()).render(
        config=lambda **_: "", ref=lambda name: f"src.{name}", var=lambda _name, default=None: default
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=2_200_000)
    parser.add_argument("--memory-limit", default="4GB", help="DuckDB memory_limit (warehouse.memory_limit)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--model", type=Path, default=MODEL, help="the model file to run")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="pulse-identity-") as work:
        con = duckdb.connect(f"{work}/graph.duckdb")
        con.execute(f"set threads = {args.threads}; set preserve_insertion_order = false")
        con.execute(f"set temp_directory = '{work}/spill'")
        build_graph(con, args.members)
        accounts, identifiers = con.execute(
            "select (select count(*) from src.int_identity__accounts),"
            " (select count(*) from src.int_identity__account_identifiers)"
        ).fetchone()
        con.execute(f"set memory_limit = '{args.memory_limit}'")
        result = {
            "members": args.members,
            "accounts": accounts,
            "identifiers": identifiers,
            "memory_limit": args.memory_limit,
            "model": str(args.model),
        }
        started = time.perf_counter()
        try:
            con.execute(f"create table account_members as {render(args.model)}")
            found, converged = con.execute(
                "select count(distinct member_id), bool_and(is_converged) from account_members"
            ).fetchone()
            result |= {"members_found": found, "converged": converged}
        except duckdb.Error as error:
            result["error"] = str(error).splitlines()[0]
        result["seconds"] = round(time.perf_counter() - started, 1)
        result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    print(json.dumps(result))
    return 1 if "error" in result else 0


if __name__ == "__main__":
    sys.exit(main())
