"""`ingest_<source>`: one DAG per enabled source of the config, on the source's own `schedule`.

`land` fetches every stream of the source into the landing folder (it never opens the warehouse, so the sources'
DAGs land in parallel); `load` then loads every committed batch into the raw tables, exactly once, through the
one-slot warehouse pool, and emits the Asset `raw/<source>` that `transform` is scheduled on. Re-running a run is
safe: landing is append-only with cursors, loading skips batches already in `raw._batches`.
"""

from __future__ import annotations

from _common import DEFAULT_ARGS, PLAN, START, WAREHOUSE_POOL, raw_asset, schedule
from airflow.sdk import dag, task

from pulse import steps


def ingest_dag(source: dict):
    name = source["name"]

    @dag(
        dag_id=f"ingest_{name}",
        schedule=schedule(source["schedule"]),
        start_date=START,
        catchup=False,
        max_active_runs=1,
        default_args=DEFAULT_ARGS,
        tags=["pulse", "ingest", source["type"]],
        doc_md=__doc__,
    )
    def ingest():
        @task
        def land() -> dict:
            results = steps.ingest(steps.configured(), [name])
            return {"batches": len(results), "records": sum(r["records"] for r in results)}

        @task(pool=WAREHOUSE_POOL, outlets=[raw_asset(name)])
        def load(landed: dict) -> dict:
            report = steps.load(steps.configured())
            return {k: report[k] for k in ("batches", "records", "quarantined", "skipped")} | landed

        load(land())

    return ingest()


for _source in PLAN["sources"]:
    globals()[f"ingest_{_source['name']}"] = ingest_dag(_source)
