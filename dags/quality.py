"""`quality`: the Great Expectations gate (expectations/) on the rebuilt working warehouse, then publish.

`gate` validates every raw table (keys, types, timestamp ranges, duplicate-rate ceiling), the marts (balances
never negative, stages, levels, tiers and segments in their sets, rates in [0, 1]), and reconciles member accounts
with staging and mart revenue with the raw orders (0.5 %), plus week-over-week row-count drift (a warning). Every
result lands in `audit.quality_results` (the report and `weekly_report` read it) and GX data docs are written to
<var_dir>/quality/data_docs/. A critical failure fails the task without retries, which alerts the data engineers
(naming each failed expectation) and stops `publish`: nothing downstream sees the numbers.
"""

from __future__ import annotations

from _common import DEFAULT_ARGS, MARTS, PUBLISHED, START, WAREHOUSE_POOL
from airflow.sdk import dag, task
from airflow.sdk.exceptions import AirflowFailException

from pulse import steps


@dag(
    schedule=[MARTS],
    start_date=START,
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["pulse", "quality", "great_expectations"],
    doc_md=__doc__,
)
def quality():
    @task(pool=WAREHOUSE_POOL)
    def gate() -> dict:
        try:
            summary = steps.quality(steps.configured())
        except steps.QualityGateFailed as e:
            raise AirflowFailException(str(e)) from e  # bad data does not get better by retrying
        return {k: summary[k] for k in ("passed", "warnings", "expectations", "tables", "docs", "seconds")}

    @task(pool=WAREHOUSE_POOL, outlets=[PUBLISHED])
    def publish(checked: dict) -> dict:
        return steps.publish(steps.configured())

    publish(gate())


quality()
