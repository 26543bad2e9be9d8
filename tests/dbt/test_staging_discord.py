"""Discord staging (`staging.discord`) built on the sandbox world as the real connector lands it (two guilds, one
source each), scored against the world that generated it: what the API shows (members who left and the hidden
staff room are not), staff and bots, threads, replies, edits and reactions. Both adapters build the same rows."""

from __future__ import annotations

import datetime as dt
import json
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from dbt_helpers import DbtRun
from sandbox_raw import build_duckdb, build_postgres, copy_of
from test_dbt_build import fetch, table_rows

MODELS = (
    "stg_discord__channel_permission_overwrites",
    "stg_discord__channels",
    "stg_discord__member_roles",
    "stg_discord__members",
    "stg_discord__threads",
    "stg_discord__message_reactions",
    "stg_discord__messages",
)
UNIT_TESTS = (
    "test_discord_staff_roles_from_hidden_channels",
    "test_discord_staff_roles_from_the_var",
    "test_discord_overwrites_view_channel_bits",
    "test_discord_messages_threads_reactions_and_flags",
    "test_discord_threads_created_at_falls_back_to_the_snowflake",
)
TEXT_TYPES = (0, 5)  # the connector reads text and announcement channels (and their threads)
EMAIL = re.compile(r"[\w.%+-]+@[\w-]+(\.[\w-]+)*\.[A-Za-z]{2,}")
PHONE = re.compile(r"\+\d[\d ()-]{6,}\d|(?<![\d@#&:/=_.-])1[3-9]\d(?:[ -]?\d{4}){2}(?!\d)")


@dataclass
class Built:
    path: Path
    run: DbtRun

    def connect(self):
        import duckdb

        con = duckdb.connect(str(self.path), read_only=True)
        con.execute("set TimeZone = 'UTC'")
        return con


@dataclass
class Builds:
    duck: Built
    pg_run: DbtRun | None


def wants_postgres(request) -> bool:
    """Whether any Postgres test of this module is selected (`-m "not postgres"` must not start the server)."""
    return any(i.get_closest_marker("postgres") for i in request.session.items if i.module is request.module)


@pytest.fixture(scope="module")
def builds(request, sandbox_raw_data, tmp_path_factory) -> Builds:
    """`dbt build --select staging.discord` on both adapters at once (most of a run is parsing the project):
    DuckDB into a copy of the sandbox raw file, Postgres into the session's sandbox database."""
    work = tmp_path_factory.mktemp("stg-discord")
    path = copy_of(sandbox_raw_data.duckdb, work / "discord.duckdb")
    db = None
    if wants_postgres(request):
        try:
            db = request.getfixturevalue("sandbox_pg")
        except pytest.skip.Exception:
            db = None  # the `pg` fixture skips with the reason
    args = ["--select", "staging.discord"]
    with ThreadPoolExecutor(2) as pool:
        duck_run = pool.submit(build_duckdb, path, args, work / "duckdb")
        pg_run = pool.submit(build_postgres, db, args, work / "postgres") if db is not None else None
        duck = duck_run.result()
        assert duck.returncode == 0, duck.stdout[-5000:]
        return Builds(Built(path, duck), pg_run.result() if pg_run else None)


@pytest.fixture(scope="module")
def duck(builds) -> Built:
    return builds.duck


@pytest.fixture(scope="module")
def pg(request, builds):
    db = request.getfixturevalue("sandbox_pg")  # skips where Postgres is unavailable
    assert builds.pg_run is not None
    assert builds.pg_run.returncode == 0, builds.pg_run.stdout[-5000:]
    return db, builds.pg_run


def frame(con, sql: str) -> pd.DataFrame:
    cur = con.cursor() if not hasattr(con, "sql") else con
    cur.execute(sql)
    columns = [d[0] for d in cur.description]
    return pd.DataFrame([tuple(r) for r in cur.fetchall()], columns=columns, dtype=object)


def as_utc(value) -> dt.datetime | None:
    if value is None or pd.isna(value):
        return None
    ts = pd.Timestamp(value)
    return (ts.tz_convert("UTC") if ts.tzinfo else ts.tz_localize("UTC")).to_pydatetime()


def text(value) -> str | None:
    return None if value is None or pd.isna(value) else str(value)


def reactions_of(value) -> list[tuple[str, int]]:
    return [] if text(value) is None else [(e, int(c)) for e, c in json.loads(value)]


# --- the world's truth -------------------------------------------------------------------------------------------


class Truth:
    """What Discord's API shows the collector's bot of the world's `discord_*` tables."""

    def __init__(self, world, source_of_guild: dict[str, str]):
        self.source_of = source_of_guild
        channels = world["discord_channels"].astype({"channel_id": str, "guild_id": str})
        self.channels = channels
        private = dict(zip(channels["channel_id"], channels["private"].astype(bool), strict=True))
        readable = {
            c
            for c, t, p in zip(channels["channel_id"], channels["type"], channels["private"], strict=True)
            if int(t) in TEXT_TYPES and not p
        }
        members = world["discord_members"].astype({"guild_id": str, "user_id": str})
        self.members = members[members["left_at"].isna()]
        accounts = world["truth_accounts"]
        accounts = accounts[accounts["platform"].astype(str) == "discord"]
        persona = world["persons"].set_index("person_id")["persona"].astype(str)
        self.persona = dict(
            zip(
                accounts["account_id"].astype(str),
                persona.reindex(accounts["person_id"]).tolist(),
                strict=True,
            )
        )
        self.bots = set(members.loc[members["bot"].astype(bool), "user_id"])
        self.listed = set(zip(self.members["guild_id"], self.members["user_id"], strict=True))
        threads = world["discord_threads"].astype({"thread_id": str, "parent_id": str, "guild_id": str})
        # active threads come guild-wide; archived ones only from the channels the bot reads
        shown = ~threads["archived"].astype(bool) | threads["parent_id"].isin(readable)
        self.threads = threads[shown]
        self.all_thread_ids = set(threads["thread_id"])
        parent = dict(zip(self.threads["thread_id"], self.threads["parent_id"], strict=True))
        messages = world["discord_messages"].astype({"message_id": str, "channel_id": str, "guild_id": str})
        in_thread = messages["channel_id"].isin(parent)
        messages = messages.assign(
            thread_id=messages["channel_id"].where(in_thread, None),
            parent_channel_id=messages["channel_id"].map(lambda c: parent.get(c, c)),
        )
        visible = messages["parent_channel_id"].map(lambda c: c in readable) & (
            in_thread | ~messages["channel_id"].isin(self.all_thread_ids)
        )
        assert not any(private.get(c) for c in messages.loc[visible, "parent_channel_id"])
        self.messages = messages[visible]

    def is_staff(self, guild_id: str, user_id: str) -> bool:
        """Staff persona and listed (the member list tells roles; a member who left is not staff any more)."""
        return self.persona.get(user_id) == "staff" and (guild_id, user_id) in self.listed


@pytest.fixture(scope="module")
def truth(duck, sandbox_raw_data) -> Truth:
    pairs = fetch(
        duck.connect(),
        "select distinct source_name, cast(guild_id as varchar) from staging.stg_discord__channels",
    )
    sources = dict(pairs)
    assert len(sources) == len(pairs) == 2, pairs  # one guild per source
    return Truth(sandbox_raw_data.world, {g: s for s, g in pairs})


# --- DuckDB --------------------------------------------------------------------------------------------------------


def test_build_passes_with_unit_tests(duck):
    assert not duck.run.failures(), duck.run.failures()
    for name in (*MODELS, *UNIT_TESTS):
        assert duck.run.status_of(name) in ("success", "pass"), f"{name}: {duck.run.status_of(name)}"


def test_members_are_the_listed_ones_with_staff_and_bots(duck, truth):
    got = frame(duck.connect(), "select * from staging.stg_discord__members")
    got = got.set_index(["source_name", got["user_id"].astype(str)])
    expected = truth.members
    assert len(got) == len(expected) and got.index.is_unique
    assert got["is_staff"].sum() > 0 and got["is_bot"].sum() > 0
    for _, w in expected.iterrows():
        source = truth.source_of[w["guild_id"]]
        row = got.loc[(source, w["user_id"])]
        assert row["member_key"] == f"{source}:{w['user_id']}"
        assert row["username"] == w["username"]
        assert row["is_bot"] == bool(w["bot"])
        assert row["is_staff"] == truth.is_staff(w["guild_id"], w["user_id"]), w["username"]
        roles = sorted(str(w["roles"] or "").split(), key=int)
        assert row["role_ids"] == (" ".join(roles) or None)
        assert row["role_count"] == len(roles)
        assert row["joined_at"] == as_utc(w["joined_at"])
        assert row["premium_since"] == as_utc(w["premium_since"])
    # no personal names: display names and nicknames are not kept
    assert not {"global_name", "nick", "nickname", "display_name"} & set(got.columns)


def test_channels_are_every_guild_channel(duck, truth):
    got = frame(duck.connect(), "select * from staging.stg_discord__channels")
    got = got.set_index(got["channel_id"].astype(str))
    assert set(got.index) == set(truth.channels["channel_id"])
    for _, w in truth.channels.iterrows():
        row = got.loc[w["channel_id"]]
        assert row["source_name"] == truth.source_of[w["guild_id"]]
        assert row["channel_name"] == w["name"]
        assert row["channel_type"] == int(w["type"])
        assert row["is_hidden"] == bool(w["private"])
        assert text(row["parent_id"]) == text(w["parent_id"])
        assert row["channel_position"] == int(w["position"])


def test_threads_are_active_and_readable_archived_ones(duck, truth):
    got = frame(duck.connect(), "select * from staging.stg_discord__threads")
    got = got.set_index(got["thread_id"].astype(str))
    assert set(got.index) == set(truth.threads["thread_id"]) and len(got) > 0
    for _, w in truth.threads.iterrows():
        row = got.loc[w["thread_id"]]
        assert row["source_name"] == truth.source_of[w["guild_id"]]
        assert str(row["parent_channel_id"]) == w["parent_id"]
        assert str(row["owner_id"]) == str(w["owner_id"])
        assert row["is_archived"] == bool(w["archived"])
        assert row["archived_at"] == (as_utc(w["archive_at"]) if w["archived"] else None)
        assert row["created_at"] == as_utc(w["created_at"])
        assert row["message_count"] == int(w["message_count"])


def test_messages_are_the_readable_ones_with_their_flags(duck, truth):
    got = frame(duck.connect(), "select * from staging.stg_discord__messages")
    got = got.set_index(got["message_id"].astype(str))
    expected = truth.messages
    assert set(got.index) == set(expected["message_id"])
    assert got["author_is_staff"].sum() > 0 and got["author_is_bot"].sum() > 0 and got["is_edited"].sum() > 0
    for _, w in expected.iterrows():
        row = got.loc[w["message_id"]]
        source = truth.source_of[w["guild_id"]]
        author = str(w["author_id"])
        assert row["message_key"] == f"{source}:{w['message_id']}"
        assert str(row["channel_id"]) == w["parent_channel_id"]
        assert row["channel_key"] == f"{source}:{w['parent_channel_id']}"
        assert text(row["thread_id"]) == text(w["thread_id"])
        assert str(row["author_id"]) == author
        assert row["author_is_bot"] == (author in truth.bots)
        assert row["author_is_staff"] == truth.is_staff(w["guild_id"], author)
        assert row["message_type"] == int(w["type"])
        assert row["is_reply"] == (int(w["type"]) == 19)
        assert row["is_system_message"] == (int(w["type"]) == 7)
        assert text(row["referenced_message_id"]) == text(w["referenced_message_id"])
        assert row["starts_thread"] == (w["message_id"] in truth.all_thread_ids)
        assert row["is_edited"] == (not pd.isna(w["edited_at"]))
        assert row["edited_at"] == as_utc(w["edited_at"])
        assert row["created_at"] == as_utc(w["created_at"])
        assert row["is_pinned"] == bool(w["pinned"])
        assert not row["is_deleted"]
        assert row["body"] == (text(w["content"]) or None)
        reactions = reactions_of(w["reactions"])
        assert row["reaction_count"] == sum(c for _, c in reactions)
        assert row["reaction_emoji_count"] == len(reactions)


def test_message_reactions_one_row_per_emoji(duck, truth):
    got = fetch(
        duck.connect(),
        "select cast(message_id as varchar), emoji_key, reaction_count from staging.stg_discord__message_reactions",
    )
    expected = [
        (m, emoji, count)
        for m, value in zip(truth.messages["message_id"], truth.messages["reactions"], strict=True)
        for emoji, count in reactions_of(value)
    ]
    assert sorted(got) == sorted(expected) and expected


def test_no_contact_data_in_text(duck):
    con = duck.connect()
    columns = fetch(
        con,
        """select table_name, column_name from information_schema.columns
           where table_schema = 'staging' and table_name like 'stg_discord%' and data_type = 'VARCHAR'""",
    )
    assert len(columns) > 10
    assert not [c for _, c in columns if "email" in c or "phone" in c]
    for table, column in columns:
        for (value,) in fetch(con, f'select "{column}" from staging.{table} where "{column}" is not null'):
            assert not EMAIL.search(value), f"{table}.{column}: {value}"
            assert not PHONE.search(value), f"{table}.{column}: {value}"


# --- Postgres ------------------------------------------------------------------------------------------------------


@pytest.mark.postgres
def test_postgres_build_passes_with_unit_tests(pg):
    _, run = pg
    assert not run.failures(), run.failures()
    for name in (*MODELS, *UNIT_TESTS):
        assert run.status_of(name) in ("success", "pass"), f"{name}: {run.status_of(name)}"


@pytest.mark.postgres
@pytest.mark.parametrize("model", MODELS)
def test_adapters_build_identical_rows(duck, pg, model):
    db, _ = pg
    duck_rows = table_rows(duck.connect(), f"staging.{model}")
    pg_rows = table_rows(db.connect(), f"staging_work.{model}")
    assert duck_rows, f"{model} is empty"
    assert duck_rows == pg_rows
