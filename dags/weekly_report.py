"""`weekly_report`: every Monday 09:00 in the business time zone, the week that just ended.

`readiness` checks that the latest quality gate passed, that the published marts have the week and that every
source was loaded after the week ended. Ready: the report is rendered and sent (once per stakeholder and week).
Not ready: stakeholders get a short "report delayed" note (reporting/delayed.py, once per week) and
`alert_data_engineers` fails with the reasons (the failed expectations by name), which mails the data engineers.
Backfill or re-run any week: the run's logical date picks the week (or `week` in the run's conf); reports and notes
already sent are not sent again.
"""

from __future__ import annotations

from _common import DEFAULT_ARGS, REPORT, SETTINGS, START, WAREHOUSE_POOL, schedule
from airflow.sdk import dag, get_current_context, task
from airflow.sdk.exceptions import AirflowFailException

from pulse import steps


@dag(
    schedule=schedule(SETTINGS["report_schedule"]),
    start_date=START,
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["pulse", "report"],
    doc_md=__doc__,
)
def weekly_report():
    @task(pool=WAREHOUSE_POOL)
    def readiness() -> dict:
        context = get_current_context()
        config = steps.configured()
        conf = context["dag_run"].conf or {}
        when = context.get("logical_date") or context["dag_run"].run_after
        week = conf.get("week") or steps.report_week(config, when)
        return steps.report_readiness(config, week)

    @task.branch
    def decide(state: dict) -> str:
        return "send_report" if state["ready"] else "send_delay_note"

    @task(outlets=[REPORT])
    def send_report(state: dict) -> dict:
        result = steps.report(steps.configured(), state["week"], send=True)
        return {"week": result["week"], "sent": [r["status"] for r in result["sent"]]}

    @task
    def send_delay_note(state: dict) -> dict:
        result = steps.report_delayed(steps.configured(), state["week"], state["reasons"])
        return {"week": result["week"], "sent": [r["status"] for r in result["sent"]]}

    @task(retries=0)
    def alert_data_engineers(state: dict, noted: dict) -> None:
        raise AirflowFailException(f"weekly report {state['week']} delayed: " + "; ".join(state["reasons"]))

    state = readiness()
    note = send_delay_note(state)
    decide(state) >> [send_report(state), note]
    alert_data_engineers(state, note)


weekly_report()
