"""Reddit connector: recorded PRAW cassettes parse through the stream declarations; against the sandbox, every
submission and comment lands and loads exactly once (also with faults), re-runs land only the lookback, the
1,000-item listing cap is what a backfill can reach, and secrets stay out of landing and errors."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import logging
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from requests.structures import CaseInsensitiveDict

from ingestion.landing import committed_batches
from ingestion.load import load_landing
from ingestion.reddit import SOURCE_TYPE as REDDIT
from ingestion.reddit import TOKEN_URL, RedditAuth, token_url
from ingestion.runner import ingest_source, parse_ts
from ingestion.runtime.errors import SourceRequestError
from ingestion.runtime.http import Page, _retry_after
from ingestion.runtime.paginate import dig, records_of
from pulse.config import Config
from pulse.sandbox.platforms.reddit import _Window
from pulse.sandbox.server import make_server
from pulse.sandbox.tables import World
from pulse.sandbox.world import generate_world
from pulse.testing.paths import SAMPLES
from pulse.warehouse import DuckDBWarehouse

CREDS = {"client_id": "test-reddit-client", "client_secret": "test-reddit-secret-5f3a"}
SUBREDDITS = ["LumoTea", "LumoTeaDeals"]
CASSETTES = SAMPLES / "reddit"
FAULTS = (
    "429=0.03,500=0.02,503=0.02,slow=0.02,truncate=0.02,truncate_close=0.01,reset=0.01,"
    "seed=5,slow_seconds=0.6,retry_after=0.01..0.05"
)


# --------------------------------------------------------------------------------------------------- samples


def _interactions(name: str) -> list[dict]:
    path = CASSETTES / name
    if not path.exists():
        pytest.skip(f"{path} not present")
    return json.loads(path.read_text())["interactions"]


def _page(interaction: dict) -> Page:
    resp = interaction["response"]
    body = resp["body"]["string"].encode()
    headers = CaseInsensitiveDict({k: v[0] for k, v in resp["headers"].items()})
    return Page(resp["status"]["code"], headers, body, json.loads(body), interaction["request"]["uri"])


SAMPLE_CASES = [
    (
        "TestSubredditListings.test_new.json",
        "submissions",
        "t3_",
        ["title", "selftext", "num_comments", "score"],
    ),
    (
        "TestSubredditListings.test_comments.json",
        "comments",
        "t1_",
        ["body", "link_id", "parent_id", "score"],
    ),
    (
        "TestSubredditStreams.test_comments__with_continue_after_id.json",
        "comments",
        "t1_",
        ["body", "link_id", "parent_id", "author_fullname"],
    ),
]


@pytest.mark.parametrize(
    ("file", "stream", "prefix", "fields"), SAMPLE_CASES, ids=[c[0] for c in SAMPLE_CASES]
)
def test_recorded_listings_parse_with_fields_we_rely_on(file, stream, prefix, fields):
    spec = REDDIT.streams[stream]
    listings = [i for i in _interactions(file) if i["request"]["method"] == "GET"]
    assert listings
    for interaction in listings:
        page = _page(interaction)
        records = records_of(page, spec)
        assert records, file
        names = [dig(r, spec.primary_key) for r in records]
        assert all(n.startswith(prefix) for n in names) and len(set(names)) == len(names)
        created = [parse_ts(dig(r, spec.cursor_field)) for r in records]
        assert all(c is not None and c.tzinfo is not None for c in created)  # epoch floats
        assert created == sorted(created, reverse=True)  # newest first: the "stop" cursor applies
        for r in records:
            d = r["data"]
            assert r["kind"] == prefix[:2] and d["name"] == f"{prefix}{d['id']}" and d["subreddit"]
            assert d["edited"] is False or isinstance(d["edited"], float)
            for f in fields:
                assert f in d, f"{file}: {d['name']} lacks {f}"
            if stream == "comments":
                assert d["replies"] == ""  # not a listing when empty
        nxt = dig(page.data, spec.paginator.next_path)
        assert nxt is None or nxt == names[-1]  # `after` is the last child's fullname, null on the last page


def test_recorded_cursor_is_null_on_the_last_page_and_pages_overlap():
    listings = [
        _page(i)
        for i in _interactions("TestSubredditStreams.test_comments__with_continue_after_id.json")
        if i["request"]["method"] == "GET"
    ]
    first, last = listings
    assert dig(first.data, "data.after").startswith("t1_") and dig(last.data, "data.after") is None
    spec = REDDIT.streams["comments"]
    a = {dig(r, "data.name") for r in records_of(first, spec)}
    b = {dig(r, "data.name") for r in records_of(last, spec)}
    assert a & b  # the same comment on two pages: the runner deduplicates by the fullname


def test_recorded_rate_limit_headers_and_token():
    interactions = _interactions("TestSubredditStreams.test_comments__with_continue_after_id.json")
    token_call, listing = interactions[0], interactions[1]
    assert token_call["request"]["method"] == "POST" and token_call["request"]["uri"] == TOKEN_URL
    assert token_call["request"]["headers"]["Authorization"][0].startswith("Basic ")
    assert listing["request"]["uri"].startswith("https://oauth.reddit.com/")
    assert token_url("https://oauth.reddit.com") == TOKEN_URL
    assert token_url("http://127.0.0.1:8080/reddit") == "http://127.0.0.1:8080/reddit/api/v1/access_token"
    page = _page(listing)
    assert page.headers["x-ratelimit-remaining"] == "599.0"  # a float string
    assert (
        _retry_after(page.headers) == float(page.headers["x-ratelimit-reset"]) == 525.0
    )  # seconds, not epoch

    class FakeClient:
        base_url = "https://oauth.reddit.com/"
        source = "r"
        calls: list = []

        def request(self, method, url, **kw):
            self.calls.append((method, url, kw))
            return _page(token_call)

    client = FakeClient()
    token, lifetime = RedditAuth(CREDS)._fetch(client)
    assert (token, lifetime) == ("<ACCESS_TOKEN>", 86400.0)
    method, url, kw = client.calls[0]
    assert (method, url, kw["form"], kw["auth"]) == (
        "POST",
        TOKEN_URL,
        {"grant_type": "client_credentials"},
        False,
    )
    assert kw["headers"]["Authorization"].startswith("Basic ") and "User-Agent" in kw["headers"]


# --------------------------------------------------------------------------------------------------- sandbox


@pytest.fixture(scope="module")
def world():
    return generate_world(11, 500, 4)


def source(url: str, **extra) -> dict:
    return {
        "name": "rd",
        "type": "reddit",
        "base_url": f"{url}/reddit",
        "credentials": dict(CREDS),
        "streams": ["submissions", "comments"],
        "options": {"subreddits": list(SUBREDDITS)},
        "start_date": dt.date(2024, 1, 1),
        "lookback": dt.timedelta(days=2),
        "page_size": 5,
        "timeout_seconds": 0.5,
        "max_retries": 10,
        "requests_per_second": 1000.0,
        **extra,
    }


def server(world: World, **kw):
    return make_server(world, credentials={"reddit": CREDS}, **{"rate_limits": False, **kw})


def _warehouse(tmp_path: Path) -> DuckDBWarehouse:
    data = {
        "warehouse": {
            "type": "duckdb",
            "path": str(tmp_path / "wh" / "pulse.duckdb"),
            "memory_limit": "1GB",
            "threads": 1,
            "postgres": {},
        }
    }
    return DuckDBWarehouse(Config(data=data, file=tmp_path / "p.yml", root=tmp_path))


def _loaded(tmp_path: Path, landing: Path, streams=("submissions", "comments")) -> dict[str, list[str]]:
    wh = _warehouse(tmp_path)
    report = load_landing(wh, landing, [])
    assert report.quarantined == 0
    with wh.writer() as con:
        return {
            t: sorted(r[0] for r in con.execute(f"select _pk from raw.reddit__{t}").fetchall())
            for t in streams
        }


def _expected(world: World, cap: int = 1000) -> dict[str, list[str]]:
    """What the listings can reach: the newest `cap` items of each subreddit."""
    out = {}
    for stream, table, key, prefix in (
        ("submissions", "reddit_submissions", "submission_id", "t3_"),
        ("comments", "reddit_comments", "comment_id", "t1_"),
    ):
        t = world[table].assign(num=lambda d, k=key: d[k].astype(object).map(lambda s: int(s, 36)))
        t = t.sort_values(["created_at", "num"], ascending=False).groupby("subreddit").head(cap)
        out[stream] = sorted(prefix + t[key].astype(object))
    return out


@pytest.mark.parametrize("faults", [None, FAULTS], ids=["clean", "faults"])
def test_every_item_lands_and_loads_exactly_once(tmp_path, world, faults):
    landing = tmp_path / "landing"
    with server(world, faults=faults) as srv:
        results = ingest_source(source(srv.url), landing, tmp_path / "state")
        stats = srv.stats_snapshot()
    expected = _expected(world)
    assert _loaded(tmp_path, landing) == expected
    assert [r.records for r in results] == [len(expected["submissions"]), len(expected["comments"])]
    assert all(r.records > 5 for r in results)  # several pages each
    if faults:
        assert sum(stats["faults"].values()) > 0 and set(stats["by_status"]) - {"200"}, stats
    newest = world["reddit_comments"]["created_at"].max()
    assert parse_ts(results[1].cursor) == newest.tz_localize("UTC")


def test_incremental_run_lands_only_the_lookback(tmp_path, world):
    landing = tmp_path / "landing"
    with server(world) as srv:
        first = ingest_source(source(srv.url), landing, tmp_path / "state")
        second = ingest_source(source(srv.url), landing, tmp_path / "state")
    for res0, res1, table in zip(first, second, ("reddit_submissions", "reddit_comments"), strict=True):
        created = world[table]["created_at"]
        in_lookback = int((created >= created.max() - dt.timedelta(days=2)).sum())
        assert res1.records == in_lookback < res0.records, table
    assert _loaded(tmp_path, landing) == _expected(world)  # the re-fetched versions add no raw rows
    assert len(committed_batches(landing)) == 4


def test_backfill_reaches_only_the_newest_1000_items(tmp_path, world, caplog):
    base = world["reddit_comments"].iloc[0]
    n = 1234
    start = pd.Timestamp(world.meta["window_start_utc"])
    many = pd.DataFrame(
        {
            "comment_id": pd.Series([np.base_repr(36**6 + i, 36).lower() for i in range(n)], dtype="str"),
            "submission_id": pd.Series([base["submission_id"]] * n, dtype="str"),
            "parent_id": pd.Series([f"t3_{base['submission_id']}"] * n, dtype="str"),
            "subreddit": pd.Series(["LumoTea"] * n, dtype="str"),
            "author": pd.Series(["AutoModerator"] * n, dtype="str"),
            "body": pd.Series(["spam & eggs"] * n, dtype="str"),
            "created_at": (start + pd.to_timedelta(np.arange(n) * 120, unit="s")).astype("datetime64[us]"),
            "edited_at": pd.Series([pd.NaT] * n, dtype="datetime64[us]"),
            "score": np.ones(n, dtype=np.int32),
            "stickied": np.zeros(n, dtype=bool),
            "distinguished": pd.Series([None] * n, dtype="str"),
            "state": pd.Series(["active"] * n, dtype="str"),
        }
    )
    big = World({**world.tables, "reddit_comments": many}, world.meta)
    with server(big) as srv, caplog.at_level(logging.WARNING, "pulse.ingestion.reddit"):
        (res,) = ingest_source(
            source(srv.url, streams=["comments"], page_size=100), tmp_path / "landing", tmp_path / "s"
        )
    assert res.records == 1000 and res.pages == 10 + 1  # r/LumoTea, then r/LumoTeaDeals
    assert _loaded(tmp_path, tmp_path / "landing", ["comments"])["comments"] == _expected(big)["comments"]
    assert any(
        "listing cap" in r.getMessage() and "r/LumoTea/comments" in r.getMessage() for r in caplog.records
    )


def test_rate_limited_source_waits_for_the_window(tmp_path, world):
    """The window is shrunk to 4 requests per half second: the connector's 429s (no Retry-After, only
    x-ratelimit-reset) are waited out and everything lands."""
    with server(world, rate_limits=True) as srv:
        srv.platforms["/reddit"].window = _Window(0.5, 4)
        results = ingest_source(source(srv.url), tmp_path / "landing", tmp_path / "s")
        stats = srv.stats_snapshot()
    assert stats["by_status"].get("429", 0) > 0, stats
    expected = _expected(world)
    assert [r.records for r in results] == [len(expected["submissions"]), len(expected["comments"])]


def test_secrets_never_reach_landing_or_errors(tmp_path, world):
    landing = tmp_path / "landing"
    with server(world) as srv:
        ingest_source(source(srv.url), landing, tmp_path / "s")
        tokens = list(srv.platforms["/reddit"]._tokens)
        bad = source(srv.url, name="rd_bad")
        bad["credentials"]["client_secret"] = "wrong-secret-9c1d"
        with pytest.raises(SourceRequestError) as err:
            ingest_source(bad, landing, tmp_path / "s")
    assert tokens and "401" in str(err.value)
    for secret in [CREDS["client_secret"], "wrong-secret-9c1d", *tokens]:
        assert secret not in str(err.value)
        for f in landing.rglob("*"):
            if f.is_file():
                text = f.read_bytes()
                if f.suffix == ".gz":
                    text = gzip.decompress(text)
                assert secret.encode() not in text, f
    meta = json.loads(next(landing.rglob("_batch.json")).read_text())
    assert all("/reddit/r/" in p["path"] and "raw_json=1" in p["path"] for p in meta["pages"])


def test_options_are_validated():
    from pulse.schema import ConfigError

    assert REDDIT.options.clean({"subreddits": ["LumoTea"]}, "o", {}) == {"subreddits": ["LumoTea"]}
    for bad in ({}, {"subreddits": []}, {"subreddits": ["r/LumoTea"]}, {"subreddit": ["x"]}):
        with pytest.raises(ConfigError):
            REDDIT.options.clean(bad, "sources[0].options", {})
