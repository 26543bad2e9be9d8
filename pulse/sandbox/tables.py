"""The `World` container: named pandas tables, written to and read from Parquet.

Kept apart from the generator so that the server and the tests can build small worlds by hand
without pulling in the generator's machinery.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

SERVED_TABLES = (
    "discourse_users",
    "discourse_categories",
    "discourse_topics",
    "discourse_posts",
    "shopify_customers",
    "shopify_orders",
    "shopify_order_lines",
    "shopify_refunds",
    "shopify_discount_codes",
)
TRUTH_TABLES = ("persons", "truth_accounts", "campaigns", "truth_future", "truth_feedback")


@dataclass
class World:
    """A generated (or hand-made) world: served tables plus ground truth, and how it was made."""

    tables: dict[str, pd.DataFrame]
    meta: dict = field(default_factory=dict)

    def __getitem__(self, name: str) -> pd.DataFrame:
        return self.tables[name]

    def record_count(self) -> int:
        return int(sum(len(t) for t in self.tables.values()))

    def write(self, path: Path) -> None:
        """Write one Parquet file per table and `world.json`; replaces what was there."""
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect()
        try:
            for name, frame in self.tables.items():
                con.register("t", frame)
                con.execute(f"copy t to '{path / (name + '.parquet')}' (format parquet, compression zstd)")
                con.unregister("t")
        finally:
            con.close()
        meta = {**self.meta, "rows": {n: len(t) for n, t in self.tables.items()}}
        (path / "world.json").write_text(json.dumps(meta, indent=2, default=str))

    @classmethod
    def read(cls, path: Path, names: tuple[str, ...] | None = None) -> World:
        path = Path(path)
        meta = json.loads((path / "world.json").read_text())
        wanted = names or tuple(meta["rows"])
        con = duckdb.connect()
        try:
            tables = {n: con.execute(f"select * from '{path / (n + '.parquet')}'").df() for n in wanted}
        finally:
            con.close()
        return cls(tables=tables, meta=meta)
