"""Kill the ingest+load process with SIGKILL at random points, ten times, then finish: nothing is lost and nothing
is duplicated. Uses the real CLI in a subprocess, the real sandbox server and a real DuckDB file."""

from __future__ import annotations

import datetime as dt
import os
import random
import signal
import subprocess
import sys
import time

import duckdb
import yaml

from pulse.sandbox.server import make_server
from pulse.sandbox.world import generate_world
from pulse.testing.paths import REPO

KEY, TOKEN = "kill-test-key", "shpat_kill_test"


def write_config(tmp_path, url: str):
    cfg = {
        "warehouse": {"type": "duckdb", "path": str(tmp_path / "var" / "warehouse" / "pulse.duckdb")},
        "var_dir": str(tmp_path / "var"),
        "hash_salt": "env:PULSE_HASH_SALT",
        "communities": [{"name": "brand", "channels": ["forum", "shop"]}],
        "sources": [
            {
                "name": "forum",
                "type": "discourse",
                "base_url": f"{url}/discourse",
                "start_date": "2024-01-01",
                "credentials": {"api_key": KEY, "api_username": "system"},
                "requests_per_second": 400,
            },
            {
                "name": "shop",
                "type": "shopify",
                "base_url": f"{url}/shopify",
                "start_date": "2024-01-01",
                "credentials": {"access_token": TOKEN},
                "requests_per_second": 400,
                "page_size": 50,
            },
        ],
    }
    path = tmp_path / "pulse.yml"
    path.write_text(yaml.safe_dump(cfg))
    return path


def pulse(config, *args, kill_when=None) -> int | None:
    """Run the CLI; with `kill_when`, SIGKILL it as soon as that condition holds (polled every 2 ms)."""
    env = {**os.environ, "PULSE_HASH_SALT": "kill-test"}
    cmd = [sys.executable, "-m", "pulse.cli", "--config", str(config), *args]
    proc = subprocess.Popen(cmd, env=env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if kill_when is None:
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err.decode()
        return 0
    while proc.poll() is None and not kill_when():
        time.sleep(0.002)
    if proc.poll() is None:
        proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=60)
    return proc.returncode


def requests_served(server) -> int:
    return int(server.stats_snapshot()["total"])


def test_sigkill_anywhere_loses_nothing_and_duplicates_nothing(tmp_path):
    world = generate_world(seed=5, members=600, weeks=4, end_date=dt.date(2026, 6, 1))
    rng = random.Random(20261123)
    server = make_server(
        world,
        rate_limits=False,
        credentials={"discourse": {"api_key": KEY}, "shopify": {"access_token": TOKEN}},
    )
    server.start()
    try:
        config = write_config(tmp_path, server.url)
        killed = {"ingest": 0, "load": 0}
        for i in range(15):
            if i % 3:  # ingest, killed after a random number of requests: mid-page, mid-batch, mid-cursor
                before, n = requests_served(server), rng.randint(1, 12)
                rc = pulse(config, "ingest", kill_when=lambda at=before + n: requests_served(server) >= at)
                killed["ingest"] += rc == -signal.SIGKILL
            else:  # load, killed at a random moment of its run
                deadline = time.monotonic() + rng.uniform(0.2, 0.7)
                rc = pulse(config, "load", kill_when=lambda at=deadline: time.monotonic() >= at)
                killed["load"] += rc == -signal.SIGKILL
        assert killed["ingest"] + killed["load"] >= 10 and killed["load"] >= 1, killed
        pulse(config, "ingest")
        pulse(config, "load")
    finally:
        server.stop()
    topics = world["discourse_topics"]
    public = set(topics[topics["archetype"] != "private_message"]["topic_id"])
    posts = world["discourse_posts"]
    expected = {
        "raw.discourse__posts": set(posts[posts["topic_id"].isin(public)]["post_id"]),
        "raw.discourse__users": set(world["discourse_users"]["user_id"]),
        "raw.shopify__orders": set(world["shopify_orders"]["order_id"]),
        "raw.shopify__customers": set(world["shopify_customers"]["customer_id"]),
    }
    work = tmp_path / "var" / "warehouse" / "work" / "pulse.duckdb"
    with duckdb.connect(str(work), read_only=True) as con:
        for table, ids in expected.items():
            rows = con.execute(f"select _pk, count(*) from {table} group by _pk").fetchall()
            assert {int(pk) for pk, _ in rows} == {int(i) for i in ids}, table
            assert max(n for _, n in rows) == 1, f"{table}: a record was stored twice"
        batches = con.execute("select count(*), count(distinct batch_id) from raw._batches").fetchone()
        assert batches[0] == batches[1]
