"""Reddit staging (`staging.reddit`) built on the sandbox world as the real connector lands it, scored against the
world that generated it; plus the recorded real listings (../shared/real-api-samples/reddit, when present) loaded
as a second source on DuckDB. Both adapters build the same rows."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from dbt_helpers import DbtRun
from dbt_raw_fixtures import SAMPLES
from sandbox_raw import build_duckdb, build_postgres, copy_of
from test_dbt_build import fetch, table_rows

SOURCE = "reddit"  # pulse.sandbox.sources names the sandbox's Reddit source after its type
SAMPLE_SOURCE = "sample_reddit"
MODELS = ("stg_reddit__authors", "stg_reddit__submissions", "stg_reddit__comments")
UNIT_TESTS = (
    "test_reddit_authors_staff_and_bots",
    "test_reddit_comments_deleted_removed_edited",
    "test_reddit_submissions_deleted_removed_and_links",
)
LISTING_CAP = 1000  # a listing holds the newest 1,000 items of a subreddit
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


def sample_children() -> dict[str, list[tuple[int, dict]]]:
    """The recorded listings' children per stream, with the page (interaction) each came from."""
    out: dict[str, list[tuple[int, dict]]] = {"submissions": [], "comments": []}
    folder = SAMPLES / "reddit"
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        for page, interaction in enumerate(json.loads(path.read_text())["interactions"]):
            try:
                body = json.loads(interaction["response"]["body"]["string"])
            except (KeyError, TypeError, ValueError):
                continue
            if isinstance(body, dict) and body.get("kind") == "Listing":
                for child in body["data"]["children"]:
                    stream = {"t3": "submissions", "t1": "comments"}[child["kind"]]
                    out[stream].append((page, child))
    return out


def add_samples(path: Path) -> dict[str, list[dict]]:
    """Load the recorded children into the raw tables of the DuckDB file `path` as the loader would: one batch per
    page, a version identical to one stored for the same key is not stored again. Returns the distinct records."""
    import duckdb

    kept: dict[str, dict[str, dict]] = {"submissions": {}, "comments": {}}
    con = duckdb.connect(str(path))
    try:
        for stream, children in sample_children().items():
            seen: set[tuple[str, str]] = set()
            for page, child in children:
                text = json.dumps(child, sort_keys=True)
                key = (child["data"]["name"], hashlib.md5(text.encode()).hexdigest())
                if key in seen:
                    continue
                seen.add(key)
                kept[stream][key[0]] = child
                con.execute(
                    f"insert into raw.reddit__{stream} values (?, ?, ?, ?, ?, ?)",
                    [
                        f"sample-{stream}-{page}",
                        SAMPLE_SOURCE,
                        dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
                        *key,
                        text,
                    ],
                )
    finally:
        con.close()
    return {stream: list(records.values()) for stream, records in kept.items()}


@dataclass
class Builds:
    duck: Built
    pg_run: DbtRun | None
    samples: dict[str, list[dict]]


def wants_postgres(request) -> bool:
    """Whether any Postgres test of this module is selected (`-m "not postgres"` must not start the server)."""
    return any(i.get_closest_marker("postgres") for i in request.session.items if i.module is request.module)


@pytest.fixture(scope="module")
def builds(request, sandbox_raw_data, tmp_path_factory) -> Builds:
    """`dbt build --select staging.reddit` on both adapters at once (most of a run is parsing the project): DuckDB
    into a copy of the sandbox raw file plus the recorded listings, Postgres into the session's sandbox database."""
    work = tmp_path_factory.mktemp("stg-reddit")
    path = copy_of(sandbox_raw_data.duckdb, work / "reddit.duckdb")
    samples = add_samples(path)
    db = None
    if wants_postgres(request):
        try:
            db = request.getfixturevalue("sandbox_pg")
        except pytest.skip.Exception:
            db = None  # the `pg` fixture skips with the reason
    args = ["--select", "staging.reddit"]
    with ThreadPoolExecutor(2) as pool:
        duck_run = pool.submit(build_duckdb, path, args, work / "duckdb")
        pg_run = pool.submit(build_postgres, db, args, work / "postgres") if db is not None else None
        duck = duck_run.result()
        assert duck.returncode == 0, duck.stdout[-5000:]
        return Builds(Built(path, duck), pg_run.result() if pg_run else None, samples)


@pytest.fixture(scope="module")
def duck(builds) -> Built:
    return builds.duck


@pytest.fixture(scope="module")
def samples(builds) -> dict[str, list[dict]]:
    return builds.samples


@pytest.fixture(scope="module")
def pg(request, builds):
    db = request.getfixturevalue("sandbox_pg")  # skips where Postgres is unavailable
    assert builds.pg_run is not None
    assert builds.pg_run.returncode == 0, builds.pg_run.stdout[-5000:]
    return db, builds.pg_run


# --- the world's truth -------------------------------------------------------------------------------------------


def frame(con, sql: str) -> pd.DataFrame:
    cur = con.cursor() if not hasattr(con, "sql") else con
    cur.execute(sql)
    columns = [d[0] for d in cur.description]
    return pd.DataFrame([tuple(r) for r in cur.fetchall()], columns=columns, dtype=object)


def listed(items: pd.DataFrame, id_column: str) -> pd.DataFrame:
    """What the listings expose: every item (deleted and removed ones stay), the newest 1,000 per subreddit."""
    items = items.assign(_num=[int(i, 36) for i in items[id_column].astype(str)])
    items = items.sort_values(["created_at", "_num"], ascending=False)
    return items.groupby("subreddit", group_keys=False).head(LISTING_CAP).drop(columns="_num")


def as_utc(value) -> dt.datetime | None:
    if value is None or pd.isna(value):
        return None
    ts = pd.Timestamp(value)
    return (ts.tz_convert("UTC") if ts.tzinfo else ts.tz_localize("UTC")).to_pydatetime()


def persona_of(world) -> dict[str, str]:
    accounts = world["truth_accounts"]
    accounts = accounts[accounts["platform"].astype(str) == "reddit"]
    persona = world["persons"].set_index("person_id")["persona"].astype(str)
    return dict(
        zip(accounts["account_id"].astype(str), persona.reindex(accounts["person_id"]).tolist(), strict=True)
    )


def shown_author(item: pd.Series, kind: str) -> str | None:
    """Deleted items hide their author; removed comments do too (removed submissions keep it)."""
    state = str(item["state"])
    if state == "deleted" or (kind == "comment" and state == "removed"):
        return None
    return str(item["author"])


class Truth:
    def __init__(self, world):
        self.submissions = listed(world["reddit_submissions"], "submission_id")
        self.comments = listed(world["reddit_comments"], "comment_id")
        users = world["reddit_users"]
        self.bots = set(users.loc[users["is_bot"].astype(bool), "username"].astype(str))
        self.persona = persona_of(world)
        shown = [
            (shown_author(r, kind), r["distinguished"])
            for kind, items in (("submission", self.submissions), ("comment", self.comments))
            for _, r in items.iterrows()
        ]
        # Reddit shows moderators only through the items they distinguish
        self.visible_mods = {a for a, d in shown if a is not None and d == "moderator" and a not in self.bots}
        self.authors = {a for a, _ in shown if a is not None}

    def is_staff(self, item: pd.Series, shown: str | None) -> bool:
        """The world's author is staff and Reddit shows it: the item is distinguished as moderator, or its shown
        author distinguished another item."""
        if self.persona.get(str(item["author"])) != "staff":
            return False
        return shown in self.visible_mods or item["distinguished"] == "moderator"


@pytest.fixture(scope="module")
def truth(sandbox_raw_data) -> Truth:
    return Truth(sandbox_raw_data.world)


# --- DuckDB --------------------------------------------------------------------------------------------------------


def test_build_passes_with_unit_tests(duck):
    assert not duck.run.failures(), duck.run.failures()
    for name in (*MODELS, *UNIT_TESTS):
        assert duck.run.status_of(name) in ("success", "pass"), f"{name}: {duck.run.status_of(name)}"


def test_rows_are_what_the_listings_expose(duck, truth):
    con = duck.connect()
    subs = {
        r[0]
        for r in fetch(
            con, f"select submission_id from staging.stg_reddit__submissions where source_name = '{SOURCE}'"
        )
    }
    comments = {
        r[0]
        for r in fetch(
            con, f"select comment_id from staging.stg_reddit__comments where source_name = '{SOURCE}'"
        )
    }
    assert subs == set(truth.submissions["submission_id"].astype(str))
    assert comments == set(truth.comments["comment_id"].astype(str))
    assert len(subs) > 0 and len(comments) > 0


def test_submission_fields_match_the_world(duck, truth):
    got = frame(
        duck.connect(), f"select * from staging.stg_reddit__submissions where source_name = '{SOURCE}'"
    )
    got = got.set_index("submission_id")
    for _, w in truth.submissions.iterrows():
        row = got.loc[str(w["submission_id"])]
        state = str(w["state"])
        author = shown_author(w, "submission")
        assert row["submission_key"] == f"{SOURCE}:{w['submission_id']}"
        assert row["fullname"] == f"t3_{w['submission_id']}"
        assert row["subreddit"] == w["subreddit"]
        assert row["author_username"] == author
        assert row["author_key"] == (f"{SOURCE}:{author}" if author else None)
        assert row["author_is_deleted"] == (author is None)
        assert row["is_deleted"] == (state != "active")
        assert row["is_removed"] == (state == "removed")
        assert row["is_edited"] == (not pd.isna(w["edited_at"]))
        assert row["edited_at"] == as_utc(w["edited_at"])
        assert row["created_at"] == as_utc(w["created_at"])
        assert row["author_is_bot"] == (author in truth.bots)
        assert row["author_is_staff"] == truth.is_staff(w, author)
        assert row["is_stickied"] == bool(w["stickied"])
        assert row["score"] == int(w["score"]) and row["num_comments"] == int(w["num_comments"])
        assert row["title"] == w["title"]
        text = None if state != "active" or pd.isna(w["selftext"]) or w["selftext"] == "" else w["selftext"]
        assert row["body"] == text
        assert row["is_self"] == pd.isna(w["url"])
        assert row["link_domain"] == (None if pd.isna(w["url"]) else str(w["url"]).split("/")[2])


def test_comment_fields_match_the_world(duck, truth):
    got = frame(duck.connect(), f"select * from staging.stg_reddit__comments where source_name = '{SOURCE}'")
    got = got.set_index("comment_id")
    for _, w in truth.comments.iterrows():
        row = got.loc[str(w["comment_id"])]
        state = str(w["state"])
        author = shown_author(w, "comment")
        parent = str(w["parent_id"])
        assert row["submission_key"] == f"{SOURCE}:{w['submission_id']}"
        assert row["parent_kind"] == {"t3_": "submission", "t1_": "comment"}[parent[:3]]
        assert row["parent_id"] == parent[3:]
        assert row["parent_comment_key"] == (f"{SOURCE}:{parent[3:]}" if parent.startswith("t1_") else None)
        assert row["is_top_level"] == parent.startswith("t3_")
        assert row["author_username"] == author
        assert row["is_deleted"] == (state != "active")
        assert row["is_removed"] == (state == "removed")
        assert row["is_edited"] == (not pd.isna(w["edited_at"]))
        assert row["edited_at"] == as_utc(w["edited_at"])
        assert row["created_at"] == as_utc(w["created_at"])
        assert row["author_is_bot"] == (author in truth.bots)
        assert row["author_is_staff"] == truth.is_staff(w, author)
        assert row["distinguished"] == (None if pd.isna(w["distinguished"]) else w["distinguished"])
        assert row["body"] == (w["body"] if state == "active" else None)


def test_authors_are_the_visible_accounts(duck, truth):
    got = frame(duck.connect(), f"select * from staging.stg_reddit__authors where source_name = '{SOURCE}'")
    assert set(got["username"]) == truth.authors
    for _, row in got.iterrows():
        assert row["is_bot"] == (row["username"] in truth.bots)
        assert row["is_staff"] == (
            row["username"] in truth.visible_mods and truth.persona.get(row["username"]) == "staff"
        )
        if truth.persona.get(row["username"]) != "staff":
            assert not row["is_staff"]


def test_no_contact_data_in_text(duck):
    con = duck.connect()
    columns = fetch(
        con,
        """select table_name, column_name from information_schema.columns
           where table_schema = 'staging' and table_name like 'stg_reddit%' and data_type = 'VARCHAR'""",
    )
    assert len(columns) > 10
    assert not [c for _, c in columns if "email" in c or "phone" in c]
    for table, column in columns:
        for (value,) in fetch(con, f'select "{column}" from staging.{table} where "{column}" is not null'):
            assert not EMAIL.search(value), f"{table}.{column}: {value}"
            assert not PHONE.search(value), f"{table}.{column}: {value}"


def test_recorded_listings(duck, samples):
    if not samples.get("submissions") and not samples.get("comments"):
        pytest.skip(f"no recorded Reddit listings under {SAMPLES}")
    con = duck.connect()
    for stream, model, key in (
        ("submissions", "stg_reddit__submissions", "submission_id"),
        ("comments", "stg_reddit__comments", "comment_id"),
    ):
        got = frame(con, f"select * from staging.{model} where source_name = '{SAMPLE_SOURCE}'").set_index(
            key
        )
        records = {c["data"]["id"]: c["data"] for c in samples[stream]}
        assert set(got.index) == set(records)
        for rid, data in records.items():
            row = got.loc[rid]
            assert row["created_at"] == dt.datetime.fromtimestamp(data["created_utc"], dt.UTC)
            assert row["author_username"] == data["author"]
            assert row["is_edited"] == bool(data["edited"])
            assert row["author_is_bot"] == (data["author"] == "AutoModerator")
            assert not row["author_is_staff"] or data.get("distinguished") == "moderator"
            text = data.get("body") if stream == "comments" else data.get("selftext")
            assert row["body"] == (text or None)
            if stream == "comments":
                assert row["parent_kind"] == {"t3_": "submission", "t1_": "comment"}[data["parent_id"][:3]]
                assert row["submission_id"] == data["link_id"][3:]
    automod = fetch(
        con,
        f"""select is_bot, is_staff, moderator_item_count from staging.stg_reddit__authors
            where source_name = '{SAMPLE_SOURCE}' and username = 'AutoModerator'""",
    )
    assert automod == [(True, False, 2)]


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
    where = f"(select * from {{}}.{model} where source_name = '{SOURCE}') as m"
    duck_rows = table_rows(duck.connect(), where.format("staging"))
    pg_rows = table_rows(db.connect(), where.format("staging_work"))
    assert duck_rows, f"{model} is empty"
    assert duck_rows == pg_rows
