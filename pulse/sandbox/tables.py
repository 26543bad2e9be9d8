"""The `World` container: named pandas tables, written to and read from Parquet.

Kept apart from the generator so that the server and the tests can build small worlds by hand
without pulling in the generator's machinery.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import duckdb
import numpy as np
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
        """Write one Parquet file per table and `world.json`; replaces what was there (see TableWriter)."""
        with TableWriter(path) as writer:
            for name, frame in self.tables.items():
                writer.write(name, frame)
            writer.finish(self.meta)

    @classmethod
    def read(cls, path: Path, names: tuple[str, ...] | None = None) -> World:
        path = Path(path)
        meta = json.loads((path / "world.json").read_text())
        wanted = names or tuple(meta["rows"])
        dtypes = meta.get("dtypes", {})
        con = duckdb.connect()
        try:
            tables = {}
            for n in wanted:
                file = f"'{path / (n + '.parquet')}'"
                kinds = {row[0]: row[1] for row in con.execute(f"describe select * from {file}").fetchall()}
                text = [
                    f'cast("{c}" as varchar) as "{c}"' for c, k in kinds.items() if k.startswith("DECIMAL")
                ]
                select = (
                    f"select * replace ({', '.join(text)}) from {file}" if text else f"select * from {file}"
                )
                frame = con.execute(select).df()
                for c, k in kinds.items():
                    want = dtypes.get(n, {}).get(c)
                    if k.startswith("DECIMAL"):
                        frame[c] = _decimals(frame[c])
                    elif k == "DATE" and want in (None, "object"):
                        frame[c] = _dates(frame[c])
                    elif want and str(frame[c].dtype) != want:
                        frame[c] = frame[c].astype(want)
                tables[n] = frame
        finally:
            con.close()
        return cls(tables=tables, meta=meta)


class TableWriter:
    """Writes a world table by table, so that a generator can drop each one once written (World.write, and
    pulse.sandbox.world.write_world for worlds too big to hold).

    Decimal columns are stored as DECIMAL(12,2); `world.json` records each column's pandas dtype so that
    `World.read` gives back the same frames (Decimal, date, nullable int and `str` columns included).
    """

    def __init__(self, path: Path):
        self.path = Path(path)
        self.rows: dict[str, int] = {}
        self.dtypes: dict[str, dict[str, str]] = {}
        self.con = None

    def __enter__(self) -> TableWriter:
        self.path.mkdir(parents=True, exist_ok=True)
        self.con = duckdb.connect()
        return self

    def __exit__(self, *exc) -> None:
        self.con.close()

    def write(self, name: str, frame: pd.DataFrame) -> None:
        money = [c for c in frame.columns if _is_decimal(frame[c])]
        # as text: DuckDB would infer a Decimal column's width from a sample of its values
        self.con.register("t", frame.assign(**{c: _by_unique(frame[c], str, key=str) for c in money}))
        casts = [f'cast("{c}" as decimal(12,2)) as "{c}"' for c in money]
        select = f"select * replace ({', '.join(casts)}) from t" if casts else "select * from t"
        target = self.path / (name + ".parquet")
        self.con.execute(f"copy ({select}) to '{target}' (format parquet, compression zstd)")
        self.con.unregister("t")
        self.rows[name] = len(frame)
        self.dtypes[name] = {c: str(frame[c].dtype) for c in frame.columns}

    def finish(self, meta: dict, order: tuple[str, ...] = ()) -> dict:
        """Write `world.json` (meta, rows and dtypes per table, tables named in `order` first); returns it."""
        names = [n for n in order if n in self.rows] + [n for n in self.rows if n not in order]
        full = {
            **meta,
            "rows": {n: self.rows[n] for n in names},
            "dtypes": {n: self.dtypes[n] for n in names},
        }
        (self.path / "world.json").write_text(json.dumps(full, indent=2, default=str, ensure_ascii=False))
        return full


def _is_decimal(col: pd.Series) -> bool:
    if col.dtype != object:
        return False
    first = col.first_valid_index()
    return first is not None and isinstance(col[first], Decimal)


def _by_unique(col: pd.Series, make, key=None) -> pd.Series:
    """Convert each distinct non-null value once (money and dates repeat a lot); `key` maps values to
    something sortable first."""
    values = col.to_numpy(dtype=object)
    null = pd.isna(col).to_numpy()
    out = np.empty(len(values), dtype=object)
    if (~null).any():
        present = values[~null]
        uniq, inv = np.unique(
            present if key is None else np.array([key(v) for v in present]), return_inverse=True
        )
        out[~null] = np.array([make(u) for u in uniq.tolist()], dtype=object)[inv]
    out[null] = None
    return pd.Series(out, index=col.index, dtype=object)


def _decimals(col: pd.Series) -> pd.Series:
    return _by_unique(col, Decimal, key=str)


def _dates(col: pd.Series) -> pd.Series:
    return _by_unique(col, lambda s: dt.date.fromisoformat(s[:10]), key=str)
