"""`pulse demo` over a var folder left by a demo of another world shape (or one older than the shape marker)
starts its landing and warehouse afresh; the same shape (any end date) keeps them."""

from __future__ import annotations

from pulse.cli import DEMO_ENV, _forget_another_world
from pulse.config import load_config
from pulse.testing.demo import small_config


def test_a_changed_world_shape_clears_the_demos_data(tmp_path, capsys):
    config = load_config(small_config(tmp_path), dict(DEMO_ENV))
    kept = [config.landing_dir / "batch.jsonl.gz", config.state_dir / "cursor.json", config.warehouse_path]
    for path in kept:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x")
    _forget_another_world(config)  # data of a demo older than the marker: forgotten
    assert not any(p.exists() for p in kept) and "unknown ->" in capsys.readouterr().out
    for path in kept:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x")
    config.data["sandbox"]["end_date"] = None  # another week: the same shape
    _forget_another_world(config)
    assert all(p.exists() for p in kept) and capsys.readouterr().out == ""
    config.data["sandbox"]["variant_b_lift"] = 2.0
    _forget_another_world(config)
    assert not any(p.exists() for p in kept)
    assert "the demo world changed" in capsys.readouterr().out
    assert (config.var_dir / "demo-world").read_text().strip().endswith("-ab2")
