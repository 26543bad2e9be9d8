"""world_until: the world as served before a moment (make bench's incremental day)."""

from __future__ import annotations

import pandas as pd
import pytest

from pulse.sandbox.timecut import BIRTH, CHILDREN, last_day_start, world_until
from pulse.sandbox.world import generate_world


@pytest.fixture(scope="module")
def world():
    return generate_world(5, 300, 3)


def test_the_cut_keeps_what_was_born_before_and_nothing_after(world):
    cutoff = last_day_start(world)
    cut = world_until(world, cutoff)
    local_day = pd.Timestamp(cutoff).tz_localize("UTC").tz_convert(world.meta["timezone"]).date()
    dropped = 0
    for name, column in BIRTH.items():
        before, after = world[name], cut[name]
        values = after[column]
        if values.dtype == object:
            assert (pd.to_datetime(values).dt.date < local_day).all(), name
            expected = (pd.to_datetime(before[column]).dt.date < local_day).sum()
        else:
            assert (values.isna() | (values < cutoff)).all(), name
            expected = (before[column].isna() | (before[column] < cutoff)).sum()
        assert len(after) == expected, name
        dropped += len(before) - len(after)
    # the last day holds activity in the big streams: the incremental day has something to fetch
    for name in ("discourse_posts", "discord_messages", "youzan_trades"):
        assert len(cut[name]) < len(world[name]), name
    assert dropped > 0


def test_children_go_with_their_parent(world):
    cut = world_until(world, last_day_start(world))
    for name, (key, parent, parent_key) in CHILDREN.items():
        assert cut[name][key].isin(cut[parent][parent_key]).all(), name
        lost = set(world[parent][parent_key]) - set(cut[parent][parent_key])
        assert not cut[name][key].isin(lost).any(), name
        kept = world[name][key].isin(cut[parent][parent_key]).sum()
        assert len(cut[name]) == kept, name


def test_tables_without_a_birth_are_whole_and_the_original_is_untouched(world):
    rows = {name: len(frame) for name, frame in world.tables.items()}
    cut = world_until(world, last_day_start(world))
    assert {name: len(frame) for name, frame in world.tables.items()} == rows
    for name in set(world.tables) - set(BIRTH) - set(CHILDREN):
        assert len(cut[name]) == rows[name], name
    assert cut.meta["cut_at_utc"] == last_day_start(world).isoformat()
