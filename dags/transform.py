"""`transform`: rebuild the working warehouse when every source has loaded new data (the `raw/<source>` Assets).

One `dbt build` (models and their data tests, unit tests skipped) then the CLV fit, both through the one-slot
warehouse pool; emits `marts`, which `quality` is scheduled on. One task rather than a Cosmos task per model: on
this project it measured faster (docs/operations.md), and `pulse transform` runs the same thing.
"""

from __future__ import annotations

from _common import DEFAULT_ARGS, MARTS, PLAN, START, WAREHOUSE_POOL, raw_asset
from airflow.sdk import dag, task

from pulse import steps


@dag(
    schedule=[raw_asset(s["name"]) for s in PLAN["sources"]],
    start_date=START,
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["pulse", "transform", "dbt"],
    doc_md=__doc__,
)
def transform():
    @task(pool=WAREHOUSE_POOL)
    def dbt_build() -> dict:
        return steps.transform(steps.configured())

    @task(pool=WAREHOUSE_POOL, outlets=[MARTS])
    def fit_clv(built: dict) -> dict:
        result = steps.clv(steps.configured())
        return {"dbt_seconds": built["seconds"], "clv": {k: v for k, v in result.items() if k != "models"}}

    fit_clv(dbt_build())


transform()
