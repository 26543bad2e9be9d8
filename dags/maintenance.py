"""`maintenance`: retention, daily. Landing batches already loaded and older than `retention.landing`, and archived
report weeks older than `retention.reports`, are deleted (pulse.yml `retention`). A batch never loaded is kept,
whatever its age. Idempotent: a second run finds nothing more to delete.
"""

from __future__ import annotations

from _common import DEFAULT_ARGS, SETTINGS, START, WAREHOUSE_POOL, schedule
from airflow.sdk import dag, task

from pulse import steps


@dag(
    schedule=schedule(SETTINGS["maintenance_schedule"]),
    start_date=START,
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["pulse", "maintenance"],
    doc_md=__doc__,
)
def maintenance():
    @task(pool=WAREHOUSE_POOL)
    def retention() -> dict:
        return steps.maintenance(steps.configured())

    retention()


maintenance()
