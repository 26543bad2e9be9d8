"""A source's streams land side by side (each is a chain of requests waiting for one another; two chains keep
both the platform and our core busy), except on platforms with a daily quota per account, where they land one
after another so that a spent quota stops one stream cleanly."""

from __future__ import annotations

import datetime as dt
import threading

import pytest

from ingestion import runner
from ingestion.runner import StreamResult, ingest_source
from pulse.sandbox.server import DEFAULT_CREDENTIALS


def _source(kind: str, streams: list[str]) -> dict:
    return {
        "name": f"{kind}_src",
        "type": kind,
        "base_url": "http://127.0.0.1:9/",  # never called: run_stream is replaced below
        "credentials": dict(DEFAULT_CREDENTIALS[kind]),
        "streams": streams,
        "start_date": dt.date(2024, 1, 1),
        "lookback": dt.timedelta(days=2),
        "page_size": None,
        "timeout_seconds": 1.0,
        "max_retries": 1,
        "requests_per_second": None,
    }


def _recording(monkeypatch, meet: threading.Barrier | None = None) -> list[int]:
    """Replace run_stream by one that records how many streams were landing at once (and, with `meet`, waits
    for the others to arrive: only streams landing at the same time get past it)."""
    landing, most, lock = [0], [], threading.Lock()

    def run_stream(client, stype, stream, source, landing_dir, cursors):
        with lock:
            landing[0] += 1
            most.append(landing[0])
        try:
            if meet is not None:
                meet.wait()
            else:
                threading.Event().wait(0.05)
        finally:
            with lock:
                landing[0] -= 1
        return StreamResult(source["name"], stream.name, None, 0, 0, 0.0, None)

    monkeypatch.setattr(runner, "run_stream", run_stream)
    return most


def test_streams_of_a_source_land_at_the_same_time(monkeypatch, tmp_path):
    streams = ["users", "topics", "posts"]
    _recording(monkeypatch, threading.Barrier(len(streams), timeout=10))
    results = ingest_source(_source("discourse", streams), tmp_path / "landing", tmp_path / "state")
    assert [r.stream for r in results] == streams  # in the order asked for


@pytest.mark.parametrize(
    "kind,streams",
    [("youzan", ["trades", "customers", "points"]), ("wechat_mp", ["followers", "user_summary"])],
)
def test_a_daily_quota_lands_one_stream_at_a_time(monkeypatch, tmp_path, kind, streams):
    most = _recording(monkeypatch)
    results = ingest_source(_source(kind, streams), tmp_path / "landing", tmp_path / "state")
    assert [r.stream for r in results] == streams and max(most) == 1


def test_a_failing_stream_fails_the_source_after_the_others_end(monkeypatch, tmp_path):
    ended = []

    def run_stream(client, stype, stream, source, landing_dir, cursors):
        if stream.name == "topics":
            threading.Event().wait(0.05)  # the others have started
            raise RuntimeError("topics: boom")
        threading.Event().wait(0.1)
        ended.append(stream.name)
        return StreamResult(source["name"], stream.name, None, 0, 0, 0.0, None)

    monkeypatch.setattr(runner, "run_stream", run_stream)
    with pytest.raises(RuntimeError, match="topics: boom"):
        ingest_source(
            _source("discourse", ["users", "topics", "posts"]), tmp_path / "landing", tmp_path / "state"
        )
    assert sorted(ended) == ["posts", "users"]  # started beside it: they finish and stay landed
