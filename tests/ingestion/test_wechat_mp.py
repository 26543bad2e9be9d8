"""WeChat Official Account: the recorded samples through the stream declarations, then the connector against the
sandbox: followers, profiles and datacube figures land and load exactly once (also through faults, errcodes in
200s and expiring tokens), datacube re-runs read only the lookback, a spent daily quota (45009) stops cleanly
and the next run resumes from the same next_openid / date window, and no secret or token is ever written."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import logging
from pathlib import Path

import pytest

from ingestion import wechat_mp
from ingestion.landing import committed_batches
from ingestion.load import load_landing
from ingestion.runner import ingest_source
from ingestion.runtime.errors import (
    QuotaExhaustedError,
    RetryableError,
    SourceRequestError,
    TokenExpiredError,
)
from ingestion.runtime.http import Page, redact
from ingestion.runtime.paginate import dig
from ingestion.wechat_mp import SOURCE_TYPE
from pulse.config import Config
from pulse.sandbox.ratelimit import SlidingWindowLimiter
from pulse.sandbox.server import make_server
from pulse.sandbox.world import generate_world
from pulse.testing.paths import SAMPLES
from pulse.warehouse import DuckDBWarehouse

CREDS = {"app_id": "wx7e3f0a9b1c2d4e5f", "app_secret": "mp-AppSecret-4b2a-do-not-leak"}
# The world's data ends Sunday 2026-01-04; the sandbox and the connector both live on the Tuesday after, so the
# datacube's "up to yesterday" holds two days past the world's window (which have no rows).
TODAY = dt.date(2026, 1, 6)
YESTERDAY = TODAY - dt.timedelta(days=1)
STREAMS = ["followers", "user_info", "user_summary", "user_cumulate", "article_summary"]
FAULTS = (
    "429=0.03,500=0.02,503=0.01,slow=0.01,truncate=0.01,truncate_close=0.01,reset=0.01,"
    "seed=9,slow_seconds=0.8,retry_after=0.01..0.05"
)
WECHAT = SAMPLES / "wechat"


@pytest.fixture(autouse=True)
def pinned_today(monkeypatch):
    monkeypatch.setattr(wechat_mp, "today", lambda timezone: TODAY)


def sample(name: str):
    if not WECHAT.exists():
        pytest.skip("real API samples not present")
    return json.loads((WECHAT / name).read_text())


class FakeClient:
    """Answers requests with recorded bodies in turn, after the source's in-band check, as the client would."""

    def __init__(self, *bodies):
        self.bodies, self.calls = list(bodies), []

    def request(self, method, path, params=None, json_body=None, **kw):
        self.calls.append((method, path, params, json_body))
        data = self.bodies.pop(0) if len(self.bodies) > 1 else self.bodies[0]
        SOURCE_TYPE.check_body(data)
        return Page(200, {}, json.dumps(data).encode(), data, path)


def run_hook(stream: str, client, cursor=None, **source):
    s = SOURCE_TYPE.streams[stream]
    src = {"start_date": YESTERDAY, "lookback": None, **source}
    gen = s.fetch(client, src, s, {}, cursor)
    out = []
    try:
        while True:
            out.append(next(gen))
    except StopIteration as stop:
        return out, stop.value


# --------------------------------------------------------------------------------------------------- contracts


def test_user_get_sample_openids_become_records_and_the_pass_ends_on_the_empty_page():
    first = sample("user_get.json")
    last = {"total": 2, "count": 0, "next_openid": ""}  # present even on the last page, with no data
    client = FakeClient(first, last)
    pages, cursor = run_hook("followers", client)
    records = [r for _, recs in pages for r in recs]
    assert records == [{"openid": "OPENID1"}, {"openid": "OPENID2"}]
    assert all(dig(r, SOURCE_TYPE.streams["followers"].primary_key) for r in records)
    assert [c[2] for c in client.calls] == [None, {"next_openid": "OPENID2"}]
    assert cursor == {"next_openid": None}  # the pass is complete: the next one starts from the top


def test_datacube_samples_get_their_keys():
    for stream, name, key in (
        ("user_summary", "datacube_getusersummary.json", "2014-12-07:0"),
        ("user_cumulate", "datacube_getusercumulate.json", None),
        ("article_summary", "datacube_getarticlesummary.json", "2014-12-08:10000050_1"),
    ):
        body = sample(name)
        (page, records), *_ = run_hook(stream, FakeClient(body), start_date=YESTERDAY)[0]
        (r,) = records
        pk = SOURCE_TYPE.streams[stream].primary_key
        assert dig(r, pk) == (key or r["ref_date"]), stream
        assert {k: v for k, v in r.items() if k != "_key"} == body["list"][0]  # otherwise as sent
    summary = sample("datacube_getusersummary.json")["list"][0]
    assert {"ref_date", "user_source", "new_user", "cancel_user"} <= set(summary)


def test_datacube_windows_respect_the_limits_and_stop_at_yesterday():
    start = YESTERDAY - dt.timedelta(days=15)
    client = FakeClient({"list": []})
    _, cursor = run_hook("user_summary", client, start_date=start)
    windows = [(c[3]["begin_date"], c[3]["end_date"]) for c in client.calls]
    assert windows[0][0] == start.isoformat() and windows[-1][1] == YESTERDAY.isoformat()
    for b, e in windows:
        assert 1 <= (dt.date.fromisoformat(e) - dt.date.fromisoformat(b)).days + 1 <= 7
    assert cursor == YESTERDAY.isoformat()
    client = FakeClient({"list": []})
    run_hook("article_summary", client, start_date=start)
    assert all(c[3]["begin_date"] == c[3]["end_date"] for c in client.calls) and len(client.calls) == 16
    client = FakeClient({"list": []})  # resuming: from the last window landed, minus the lookback
    run_hook(
        "article_summary", client, cursor=(YESTERDAY - dt.timedelta(days=5)).isoformat(), start_date=start
    )
    assert client.calls[0][3]["begin_date"] == (YESTERDAY - dt.timedelta(days=7)).isoformat()


def test_errcodes_map_to_runtime_errors():
    check = SOURCE_TYPE.check_body
    check({"total": 2, "count": 2, "data": {"openid": ["a"]}, "next_openid": "a"})
    check({"errcode": 0, "errmsg": "ok"})
    for code in (40001, 40014, 42001):
        with pytest.raises(TokenExpiredError):
            check({"errcode": code, "errmsg": "x rid: 1"})
    for code in (45011, -1):
        with pytest.raises(RetryableError):
            check({"errcode": code, "errmsg": "x"})
    with pytest.raises(QuotaExhaustedError):
        check({"errcode": 45009, "errmsg": "reach max api daily quota limit rid: 1"})
    with pytest.raises(SourceRequestError, match="errcode 61501"):
        check({"errcode": 61501, "errmsg": "date range error"})
    with pytest.raises(SourceRequestError):
        check({"errcode": 84061, "errmsg": "not external contact"})  # a WeCom answer, an error here


# --------------------------------------------------------------------------------------------------- sandbox


@pytest.fixture(scope="module")
def world():
    return generate_world(17, 500, 4)


def running(world, **kw):
    kw.setdefault("rate_limits", False)
    server = make_server(world, credentials={"wechat_mp": CREDS}, **kw)
    server.platforms["/wechat_mp"].today = TODAY
    return server


def source(url: str, world, **extra) -> dict:
    return {
        "name": "oa",
        "type": "wechat_mp",
        "base_url": f"{url}/wechat_mp",
        "credentials": dict(CREDS),
        "streams": list(STREAMS),
        "start_date": dt.date.fromisoformat(world.meta["window_start_local"]),
        "lookback": dt.timedelta(days=2),
        "page_size": None,
        "timeout_seconds": 1.0,
        "max_retries": 10,
        "requests_per_second": 1000.0,
        "options": {},
        **extra,
    }


def warehouse(tmp_path: Path) -> DuckDBWarehouse:
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


def pks(con, stream: str) -> list[str]:
    return sorted(r[0] for r in con.execute(f"select _pk from raw.wechat_mp__{stream}").fetchall())


def following(world) -> list[str]:
    f = world["wechat_mp_followers"]
    return f.loc[f["unsubscribe_time"].isna() | f["resubscribe_time"].notna(), "openid"].tolist()


def expected(world) -> dict[str, list[str]]:
    s, c, a = world["wechat_mp_user_summary"], world["wechat_mp_user_cumulate"], world["wechat_mp_articles"]
    return {
        "followers": sorted(following(world)),
        "user_info": sorted(following(world)),
        "user_summary": sorted(
            f"{d.isoformat()}:{u}" for d, u in zip(s["ref_date"], s["user_source"], strict=True)
        ),
        "user_cumulate": sorted(d.isoformat() for d in c["ref_date"]),
        "article_summary": sorted(
            f"{d.isoformat()}:{m}" for d, m in zip(a["ref_date"], a["msgid"], strict=True)
        ),
    }


@pytest.mark.parametrize("faults", [None, FAULTS])
def test_every_record_lands_exactly_once(tmp_path, world, faults):
    with running(world, faults=faults) as server:
        platform = server.platforms["/wechat_mp"]
        platform.page_size = 25  # several user/get pages
        if faults:  # and WeChat's own: superseded and expired tokens, mid-run
            platform.inband = {40001: 0.01, 42001: 0.01}
            platform.token_max_uses = 20
        s = source(server.url, world, timeout_seconds=0.6 if faults else 1.0)
        results = ingest_source(s, tmp_path / "landing", tmp_path / "state")
        injected, answered, issued = (
            dict(server.injector.injected),
            dict(platform.gate.counts),
            platform.gate.issued,
        )
    assert [r.stream for r in results] == STREAMS and not any(r.error for r in results)
    wh = warehouse(tmp_path)
    report = load_landing(wh, tmp_path / "landing", [])
    assert report.quarantined == 0
    with wh.writer() as con:
        for stream, want in expected(world).items():
            assert pks(con, stream) == want, stream
        info = {
            json.loads(r)["openid"]: json.loads(r)
            for (r,) in con.execute("select _record from raw.wechat_mp__user_info").fetchall()
        }
    f = world["wechat_mp_followers"].set_index("openid")
    assert all(info[o]["unionid"] == f.loc[o, "unionid"] and info[o]["subscribe"] == 1 for o in info)
    if faults:
        assert injected and issued > 2, (injected, issued)
        assert answered.get(45011) and answered.get(-1) and (answered.get(40001) or answered.get(42001)), (
            answered
        )


def test_datacube_rerun_reads_only_the_lookback_and_snapshots_add_nothing(tmp_path, world):
    landing, state = tmp_path / "landing", tmp_path / "state"
    wh = warehouse(tmp_path)
    with running(world) as server:
        s = source(server.url, world)
        first = {r.stream: r for r in ingest_source(s, landing, state)}
        load_landing(wh, landing, [])
        calls = len(server.platforms["/wechat_mp"].requests)
        second = {r.stream: r for r in ingest_source(s, landing, state)}
        again = server.platforms["/wechat_mp"].requests[calls:]
    assert first["user_cumulate"].cursor == YESTERDAY.isoformat() == second["user_cumulate"].cursor
    # lookback 2 days: yesterday and the day before, one window each, and nothing older
    lookback = {(YESTERDAY - dt.timedelta(days=1)).isoformat(), YESTERDAY.isoformat()}
    for path, body in again:
        assert {body["begin_date"], body["end_date"]} <= lookback, (path, body)
    c = world["wechat_mp_user_cumulate"]
    assert second["user_cumulate"].records == sum(d.isoformat() in lookback for d in c["ref_date"])
    a = world["wechat_mp_articles"]
    assert second["article_summary"].records == sum(d.isoformat() in lookback for d in a["ref_date"])
    assert second["followers"].records == first["followers"].records == len(following(world))
    report = load_landing(wh, landing, [])
    assert report.records == 0 and report.batches == len(STREAMS)  # identical versions: no new rows


def test_quota_stops_cleanly_and_the_next_run_resumes_from_the_same_next_openid(tmp_path, world):
    landing, state = tmp_path / "landing", tmp_path / "state"
    every = following(world)
    with running(world) as server:
        platform = server.platforms["/wechat_mp"]
        platform.page_size = 10
        platform.quota = 3
        s = source(server.url, world, streams=["followers", "user_summary"])
        results = ingest_source(s, landing, state)
        assert len(results) == 1  # the quota is the account's: the datacube stream is not tried
        (stopped,) = results
        assert stopped.error and "45009" in stopped.error
        assert stopped.records == 30 and stopped.cursor == {"next_openid": every[29]}
        batch = {b.batch_id: b for b in committed_batches(landing)}[stopped.batch_id]  # committed
        assert batch.meta["records"] == 30 and batch.meta["cursor_after"] == {"next_openid": every[29]}
        platform.reset_quota()
        platform.quota = None
        resumed = ingest_source(s, landing, state)
    assert [r.error for r in resumed] == [None, None]
    assert resumed[0].records == len(every) - 30 and resumed[0].cursor == {"next_openid": None}
    first_page = {b.batch_id: b for b in committed_batches(landing)}[resumed[0].batch_id].meta["pages"][0]
    assert f"next_openid={every[29]}" in first_page["path"]
    wh = warehouse(tmp_path)
    load_landing(wh, landing, [])
    with wh.writer() as con:
        assert pks(con, "followers") == sorted(every)  # every follower, once, over the two runs
        assert con.execute("select count(*) from raw.wechat_mp__followers").fetchone()[0] == len(every)


def test_quota_on_date_windows_resumes_from_the_last_window_landed(tmp_path, world):
    landing, state = tmp_path / "landing", tmp_path / "state"
    start = dt.date.fromisoformat(world.meta["window_start_local"])
    with running(world) as server:
        platform = server.platforms["/wechat_mp"]
        platform.quota = 5
        s = source(server.url, world, streams=["article_summary"])
        (stopped,) = ingest_source(s, landing, state)
        assert stopped.error and stopped.cursor == (start + dt.timedelta(days=4)).isoformat()
        platform.quota = None
        seen = len(platform.requests)
        (done,) = ingest_source(s, landing, state)
        resumed_at = platform.requests[seen][1]["begin_date"]
    assert resumed_at == (start + dt.timedelta(days=3)).isoformat()  # the day after, minus 2 days of lookback
    assert done.error is None and done.cursor == YESTERDAY.isoformat()
    wh = warehouse(tmp_path)
    load_landing(wh, landing, [])
    with wh.writer() as con:
        assert pks(con, "article_summary") == expected(world)["article_summary"]


def test_user_info_quota_resumes_with_the_page_it_stopped_in(tmp_path, world):
    landing, state = tmp_path / "landing", tmp_path / "state"
    every = following(world)
    assert len(every) > 50
    with running(world) as server:
        platform = server.platforms["/wechat_mp"]
        platform.page_size = 25
        platform.quota = 3  # user/get, batchget, user/get: the second page's profiles are refused
        s = source(server.url, world, streams=["user_info"])
        (stopped,) = ingest_source(s, landing, state)
        assert stopped.error and stopped.records == 25
        assert stopped.cursor == {"next_openid": every[24]}  # the second page, asked for again
        platform.quota = None
        (done,) = ingest_source(s, landing, state)
    assert done.error is None and done.records == len(every) - 25
    wh = warehouse(tmp_path)
    load_landing(wh, landing, [])
    with wh.writer() as con:
        assert pks(con, "user_info") == sorted(every)


def test_rate_limit_errcodes_are_waited_out(tmp_path, world):
    with running(world, rate_limits=True) as server:
        platform = server.platforms["/wechat_mp"]
        platform.gate.limiter = SlidingWindowLimiter(40, 0.2)
        platform.page_size = 20
        results = ingest_source(source(server.url, world), tmp_path / "landing", tmp_path / "state")
        answered = dict(platform.gate.counts)
    assert answered.get(45011, 0) > 0 and not any(r.error for r in results)
    wh = warehouse(tmp_path)
    load_landing(wh, tmp_path / "landing", [])
    with wh.writer() as con:
        for stream, want in expected(world).items():
            assert pks(con, stream) == want, stream


def test_no_secret_or_token_in_landing_state_logs_or_errors(tmp_path, world, caplog):
    caplog.set_level(logging.DEBUG)
    shown = redact("/cgi-bin/token?grant_type=client_credential&appid=wx1&secret=s3cr3t")
    assert shown == "/cgi-bin/token?grant_type=client_credential&appid=***&secret=***"
    landing, state = tmp_path / "landing", tmp_path / "state"
    with running(world, faults="500=0.05,503=0.03,seed=4") as server:  # retries log their (redacted) paths
        platform = server.platforms["/wechat_mp"]
        platform.token_max_uses = 8
        platform.page_size = 20
        ingest_source(source(server.url, world), landing, state)
        tokens = list(platform.gate.tokens)
        server.set_faults(None)
        bad = source(server.url, world, name="oa2")
        bad["credentials"]["app_secret"] = "wrong-AppSecret-31337"
        with pytest.raises(SourceRequestError) as err:
            ingest_source(bad, tmp_path / "l2", tmp_path / "s2")
    assert len(tokens) > 3 and "retry" in caplog.text and "cgi-bin/token" in caplog.text
    assert "40125" in str(err.value) and "wrong-AppSecret-31337" not in str(err.value)
    assert not committed_batches(tmp_path / "l2")
    text = "\n".join(
        gzip.open(p).read().decode() if p.suffix == ".gz" else p.read_text()
        for p in [*landing.rglob("*"), *state.rglob("*")]
        if p.is_file()
    )
    assert "access_token=***" in text
    for secret in (CREDS["app_secret"], CREDS["app_id"], *tokens):
        assert secret not in text and secret not in caplog.text
