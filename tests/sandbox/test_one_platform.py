"""`make bench SCALE=L` serves one platform at a time: a million members' world does not fit in memory whole.
A platform served from its own tables alone (PlatformSpec.tables) must send exactly what it sends from the whole
world, and a world written table by table (write_world) must be the world generate_world makes."""

from __future__ import annotations

import datetime as dt
import gzip
import json
from collections import Counter
from pathlib import Path

import pytest
import yaml

from pulse.cli import DEMO_ENV, sandbox_credentials
from pulse.sandbox import filedrops
from pulse.sandbox.platforms import discover
from pulse.sandbox.server import make_server
from pulse.sandbox.tables import TRUTH_TABLES, World
from pulse.sandbox.world import generate_world, write_world
from pulse.testing.demo import demo_config

END = dt.date(2026, 1, 5)
MEMBERS, WEEKS, SEED = 400, 3, 7


@pytest.fixture(scope="module")
def world_dir(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("world")
    write_world(path, SEED, MEMBERS, WEEKS, END)
    return path


def test_write_world_writes_the_world_generate_world_makes(world_dir, tmp_path):
    made = generate_world(SEED, MEMBERS, WEEKS, END)
    made.write(tmp_path)
    streamed, whole = (json.loads((p / "world.json").read_text()) for p in (world_dir, tmp_path))
    for meta in (streamed, whole):
        meta.pop("generation_seconds")
    assert streamed == whole
    read = World.read(world_dir)
    assert list(read.tables) == list(made.tables)
    for name, frame in made.tables.items():
        assert read[name].equals(frame), name


def test_every_served_table_belongs_to_exactly_one_platform(world_dir):
    names = json.loads((world_dir / "world.json").read_text())["rows"]
    owners = {n: [s.name for s in discover() if n in s.tables(names)] for n in names}
    assert {n: o for n, o in owners.items() if len(o) > 1} == {}
    unserved = {n for n, o in owners.items() if not o}
    assert unserved == (set(TRUTH_TABLES) | set(filedrops.TABLES)) & set(names)


def _landed(landing: Path) -> dict[tuple[str, str], Counter]:
    """Every landed record's line, by (source, stream); batch ids and times are left out."""
    out: dict[tuple[str, str], Counter] = {}
    for records in landing.rglob("records.jsonl.gz"):
        meta = json.loads((records.parent / "_batch.json").read_text())
        key = (meta["source"], meta["stream"])
        out.setdefault(key, Counter()).update(gzip.decompress(records.read_bytes()).splitlines())
    return out


def _land(world: World, config_path: Path, sources: list[str]) -> None:
    """Land `sources` of the config from a sandbox serving `world`."""
    from pulse import steps
    from pulse.config import load_config

    config = load_config(config_path)
    server = make_server(world, rate_limits=False, credentials=sandbox_credentials(config))
    server.start()
    try:
        config.resolve_sandbox(server.url)
        steps.ingest(config, sources)
    finally:
        server.stop()


def test_one_platform_served_alone_sends_what_the_whole_world_sends(world_dir, tmp_path, monkeypatch):
    for k, v in DEMO_ENV.items():
        monkeypatch.setenv(k, v)
    names = json.loads((world_dir / "world.json").read_text())["rows"]
    specs = {s.name: s for s in discover()}
    landed = {}
    for label in ("whole", "alone"):
        data = demo_config(tmp_path / label, members=MEMBERS, weeks=WEEKS, end_date=END, seed=SEED)
        data["sources"] = [s for s in data["sources"] if s["base_url"] != "sandbox:files"]
        path = tmp_path / f"{label}.yml"
        path.write_text(yaml.safe_dump(data, allow_unicode=True))
        if label == "whole":
            _land(World.read(world_dir), path, [s["name"] for s in data["sources"]])
        else:
            by_platform: dict[str, list[str]] = {}
            for s in data["sources"]:
                by_platform.setdefault(str(s["base_url"]).split(":", 1)[1], []).append(s["name"])
            for platform, sources in by_platform.items():
                _land(World.read(world_dir, specs[platform].tables(names)), path, sources)
        landed[label] = _landed(tmp_path / label / "var" / "landing")
    assert len(landed["whole"]) >= 20  # every platform's streams landed something
    assert landed["alone"] == landed["whole"]
