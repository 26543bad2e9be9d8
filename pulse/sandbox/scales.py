"""The named sizes of the sandbox world that `make bench SCALE=...` and the tests share.

S is the world the dbt tests build on DuckDB and Postgres (tests/dbt/sandbox_raw.py), so the Postgres parity test
in `make test` and `make bench SCALE=S` measure the same data. M is a tenth of L; L is a large brand: a million
members over a year (issue #8 asks for 50 M engagement events and 5 M orders; the world's activity per member gives
what `bench/scale.py` reports in its `world` section).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Scale:
    name: str
    seed: int
    members: int
    weeks: int


SCALES = {
    "S": Scale("S", seed=21, members=600, weeks=4),
    "M": Scale("M", seed=7, members=100_000, weeks=52),
    "L": Scale("L", seed=7, members=1_000_000, weeks=52),
}
