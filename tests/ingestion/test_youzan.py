"""Youzan connector against the sandbox's Youzan: trades, customers and points land and load exactly once (also with
HTTP faults, in-band gateway errors and tokens that expire mid-run), incremental runs re-read only the lookback in
Shanghai time, a spent quota stops cleanly, and neither the client secret nor any access token reaches landing
files or errors. No recorded Youzan responses exist (../shared/real-api-samples has none); the quirks follow the
Open API documentation and are pinned here."""

from __future__ import annotations

import datetime as dt
import gzip
import json

import pytest

from ingestion.landing import committed_batches
from ingestion.load import load_landing
from ingestion.runner import ingest_source, parse_ts
from ingestion.runtime.errors import (
    QuotaExhaustedError,
    RetryableError,
    SourceRequestError,
    TokenExpiredError,
)
from ingestion.youzan import SOURCE_TYPE, check_body, local_time
from pulse.config import Config
from pulse.sandbox.server import make_server
from pulse.sandbox.world import generate_world
from pulse.warehouse import DuckDBWarehouse

FAULTS = (
    "429=0.02,500=0.03,502=0.02,slow=0.01,truncate=0.02,truncate_close=0.01,reset=0.01,"
    "seed=3,slow_seconds=0.6,retry_after=0.01..0.05"
)
STREAMS = ["trades", "customers", "points"]


@pytest.fixture(scope="module")
def world():
    return generate_world(13, 400, 4)


def source(url: str, creds: dict, **extra) -> dict:
    return {
        "name": "yz",
        "type": "youzan",
        "base_url": f"{url}/youzan",
        "credentials": dict(creds),
        "streams": list(STREAMS),
        "start_date": dt.date(2020, 1, 1),
        "lookback": dt.timedelta(days=2),
        "page_size": 20,
        "timeout_seconds": 0.4,
        "max_retries": 10,
        "requests_per_second": 1000.0,
        **extra,
    }


def warehouse(tmp_path) -> DuckDBWarehouse:
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


def raw_keys(wh, table: str) -> list[str]:
    with wh.writer() as con:
        return sorted(str(r[0]) for r in con.execute(f"select _pk from {table}").fetchall())


def expected(world) -> dict[str, list[str]]:
    return {
        "raw.youzan__trades": sorted(world["youzan_trades"]["tid"].astype(str)),
        "raw.youzan__customers": sorted(world["youzan_customers"]["yz_open_id"].astype(str)),
        "raw.youzan__points": sorted(world["youzan_points"]["log_id"].astype(str)),
    }


def youzan(server):
    return server.platforms["/youzan"]


@pytest.mark.parametrize("faults", [None, FAULTS], ids=["clean", "faults"])
def test_every_record_lands_and_loads_exactly_once(tmp_path, world, faults):
    landing = tmp_path / "landing"
    with make_server(world, rate_limits=False, faults=faults) as server:
        if faults:
            youzan(server).token_uses = 9  # tokens also expire mid-run: 4202, refresh, retry
        results = ingest_source(source(server.url, server.credentials["youzan"]), landing, tmp_path / "state")
        stats, yz = server.stats_snapshot(), dict(youzan(server).stats)
    assert [r.stream for r in results] == STREAMS and not any(r.error for r in results)
    wh = warehouse(tmp_path)
    assert load_landing(wh, landing, []).quarantined == 0
    for table, keys in expected(world).items():
        assert raw_keys(wh, table) == keys, table
    if faults:
        assert {"429", "500"} & set(stats["faults"]), stats  # in-band 4301 / 5001 answers
        assert sum(stats["faults"].values()) >= 4, stats
        assert yz["token_rejected"] >= 1 and yz["tokens_issued"] >= 2, yz
    else:
        assert yz["tokens_issued"] == 1  # one token for the whole run


def test_values_land_as_sent(tmp_path, world):
    """Strings that look like booleans and nulls, JSON inside strings, empty times: all kept verbatim."""
    landing = tmp_path / "landing"
    with make_server(world, rate_limits=False) as server:
        ingest_source(source(server.url, server.credentials["youzan"]), landing, tmp_path / "state")
    recs = {}
    for f in landing.glob("*/*/*/records.jsonl.gz"):
        recs.setdefault(f.parent.parent.name, []).extend(
            json.loads(x) for x in gzip.open(f).read().splitlines()
        )
    trades = [t["full_order_info"] for t in recs["trades"]]
    assert {t["order_info"]["order_tags"]["is_member"] for t in trades} <= {"true", "false"}
    assert all(isinstance(json.loads(t["order_info"]["order_extra"]), dict) for t in trades)
    assert all(isinstance(json.loads(o["sku_properties_name"]), list) for t in trades for o in t["orders"])
    assert any(t["order_info"]["consign_time"] == "" for t in trades)
    assert all(isinstance(t["pay_info"]["payment"], str) for t in trades)
    customers = recs["customers"]
    assert "null" in {c["union_id"] for c in customers} and "null" in {c["member_level"] for c in customers}
    assert {c["is_member"] for c in customers} == {"true", "false"}
    assert any(p["biz_value"] == "null" for p in recs["points"])
    # offset-less Shanghai times: the cursor reads them in that zone
    ts = parse_ts(trades[0]["order_info"]["update_time"], "Asia/Shanghai")
    assert ts.utcoffset() == dt.timedelta(hours=8)


def test_incremental_run_lands_only_the_lookback_in_shanghai_time(tmp_path, world):
    landing = tmp_path / "landing"
    with make_server(world, rate_limits=False) as server:
        s = source(server.url, server.credentials["youzan"], streams=["trades"])
        first = ingest_source(s, landing, tmp_path / "state")
        second = ingest_source(s, landing, tmp_path / "state")
    trades = world["youzan_trades"]
    newest = trades["update_time"].max()
    in_lookback = int((trades["update_time"] >= newest - dt.timedelta(days=2)).sum())
    assert first[0].records == len(trades)
    assert second[0].records == in_lookback < len(trades)
    # the saved cursor is the newest update_time, read as Shanghai time (not UTC: 8 hours later)
    assert parse_ts(first[0].cursor) == newest.tz_localize("UTC").to_pydatetime()
    meta = sorted(committed_batches(landing), key=lambda b: b.batch_id)[-1].meta
    assert meta["cursor_before"] == first[0].cursor
    wh = warehouse(tmp_path)
    load_landing(wh, landing, [])
    assert raw_keys(wh, "raw.youzan__trades") == sorted(trades["tid"].astype(str))


def test_spent_quota_stops_cleanly_and_resumes(tmp_path, world):
    landing, state = tmp_path / "landing", tmp_path / "state"
    with make_server(world, rate_limits=False) as server:
        youzan(server).quota_left = 3  # three pages, then 4302
        s = source(server.url, server.credentials["youzan"], streams=["trades", "customers"])
        stopped = ingest_source(s, landing, state)
        youzan(server).quota_left = None  # the next day
        resumed = ingest_source(s, landing, state)
    assert stopped[0].error and "4302" in stopped[0].error and len(stopped) == 1  # the other stream not tried
    assert stopped[0].records == 3 * 20 and stopped[0].cursor is None  # landed, cursor kept
    assert [r.error for r in resumed] == [None, None]
    wh = warehouse(tmp_path)
    load_landing(wh, landing, [])
    assert raw_keys(wh, "raw.youzan__trades") == sorted(world["youzan_trades"]["tid"].astype(str))


def test_rate_limit_answered_in_band_is_waited_out(tmp_path, world):
    """20 calls a second per app; over it, HTTP 200 with gw_err_resp 4301: the connector backs off."""
    with make_server(world, rate_limits=True, rate_scale=1.0) as server:
        s = source(server.url, server.credentials["youzan"], streams=["points"], page_size=10)
        (res,) = ingest_source(s, tmp_path / "landing", tmp_path / "state")
        throttled = youzan(server).stats["throttled"]
    assert throttled >= 1
    assert res.records == len(world["youzan_points"])


def test_wrong_secret_fails_clearly_and_secrets_stay_out(tmp_path, world):
    landing, state = tmp_path / "landing", tmp_path / "state"
    with make_server(world, rate_limits=False) as server:
        creds = server.credentials["youzan"]
        ingest_source(source(server.url, creds, streams=["customers"]), landing, state)
        tokens = list(youzan(server)._tokens)
        bad = dict(creds, client_secret="not-the-secret-42")
        with pytest.raises(SourceRequestError) as err:
            ingest_source(source(server.url, bad, streams=["trades"]), landing, state)
    assert "4001" in str(err.value) and "not-the-secret-42" not in str(err.value)
    assert tokens
    metas = [b.meta for b in committed_batches(landing)]
    assert [m["stream"] for m in metas] == ["customers"]
    assert all("access_token=***" in p["path"] for m in metas for p in m["pages"])
    for f in [*landing.rglob("*"), *state.rglob("*")]:
        if f.is_file():
            text = gzip.decompress(f.read_bytes()) if f.suffix == ".gz" else f.read_bytes()
            for secret in [creds["client_secret"], *tokens]:
                assert secret.encode() not in text, f


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"success": False, "gw_err_resp": {"err_code": 4201, "err_msg": "x"}}, TokenExpiredError),
        ({"success": False, "gw_err_resp": {"err_code": "4202", "err_msg": "x"}}, TokenExpiredError),
        ({"gw_err_resp": {"err_code": 4203, "err_msg": "x"}}, TokenExpiredError),
        ({"success": False, "gw_err_resp": {"err_code": 4301, "err_msg": "x"}}, RetryableError),
        ({"success": False, "gw_err_resp": {"err_code": 5001, "err_msg": "x"}}, RetryableError),
        ({"success": False, "gw_err_resp": {"err_code": 4302, "err_msg": "x"}}, QuotaExhaustedError),
        ({"success": False, "gw_err_resp": {"err_code": 4004, "err_msg": "x"}}, SourceRequestError),
        ({"success": False, "code": 40010, "message": "page_size"}, SourceRequestError),
        ({"success": "false", "code": 40010, "message": "page_size"}, SourceRequestError),
        ({"success": True, "code": 200, "data": {}}, None),
    ],
)
def test_in_band_errors_are_matched_on_codes(body, error):
    if error is None:
        check_body(body)
    else:
        with pytest.raises(error):
            check_body(body)


def test_stream_declarations():
    trades = SOURCE_TYPE.streams["trades"]
    assert trades.method == "POST" and trades.primary_key == "full_order_info.order_info.tid"
    assert trades.cursor_timezone == "Asia/Shanghai" and trades.cursor_param == "start_update"
    assert local_time("2026-01-05T04:00:00+00:00") == "2026-01-05 12:00:00"
