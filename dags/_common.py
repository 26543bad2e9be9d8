"""What every Community Pulse DAG shares (not a DAG file itself: .airflowignore keeps the processor off it).

The deployment's plan comes from the config file alone (`pulse.config.dag_plan`: `$PULSE_CONFIG`, no secrets, no
connector run), so parsing stays well under a second. Tasks load the full config when they run
(`pulse.steps.configured`).
"""

from __future__ import annotations

import copy

import pendulum
from airflow.providers.smtp.notifications.smtp import SmtpNotifier
from airflow.sdk import Asset
from airflow.sdk.definitions.timetables.trigger import CronTriggerTimetable

from pulse.config import dag_plan

PLAN = dag_plan()
TIMEZONE = PLAN["timezone"]
SETTINGS = PLAN["orchestration"]
# Every task that opens the warehouse runs in this pool of one slot: DuckDB allows one writer per file, and a
# reader of the working file blocks a writer. `make airflow` and docker-compose create it.
WAREHOUSE_POOL = SETTINGS["warehouse_pool"]
START = pendulum.datetime(2026, 1, 5, tz=TIMEZONE)

MARTS = Asset("marts")  # the working warehouse was rebuilt (dbt build + CLV)
PUBLISHED = Asset("marts/published")  # the gate passed and the marts were published
REPORT = Asset("report")  # the week's report went out


def raw_asset(source: str) -> Asset:
    """`raw/<source>`: new batches of the source are loaded into its raw tables."""
    return Asset(f"raw/{source}")


ALERT_SUBJECT = "[Community Pulse] {{ ti.dag_id }}.{{ ti.task_id }} failed"
ALERT_HTML = (
    "<p>Task <b>{{ ti.task_id }}</b> of DAG <b>{{ ti.dag_id }}</b> failed "
    "(run {{ ti.run_id }}, try {{ ti.try_number }}).</p>"
    "<pre>{{ exception | string | e }}</pre>"
    "<p>Runbook: docs/operations.md</p>"
)


class PulseAlert(SmtpNotifier):
    """SmtpNotifier, rendered on a copy per call: the notifier renders its templates in place, so one instance shared
    by the tasks of a long-lived process (dag.test, a reused worker) would send every alert with the first one's
    subject and text."""

    def __call__(self, *args) -> None:
        return SmtpNotifier.__call__(copy.copy(self), *args)


def failure_alerts() -> list:
    """Failure mail to the data engineers (`orchestration.alert_emails`) through the Airflow SMTP connection
    `orchestration.smtp_conn_id`; none when no address is configured."""
    if not SETTINGS["alert_emails"]:
        return []
    return [
        PulseAlert(
            to=SETTINGS["alert_emails"],
            smtp_conn_id=SETTINGS["smtp_conn_id"],
            subject=ALERT_SUBJECT,
            html_content=ALERT_HTML,
        )
    ]


DEFAULT_ARGS = {
    "owner": SETTINGS["owner"],
    "retries": SETTINGS["retries"],
    "retry_delay": SETTINGS["retry_delay"],
    "retry_exponential_backoff": 2.0,
    "max_retry_delay": SETTINGS["max_retry_delay"],
    "on_failure_callback": failure_alerts(),
}


def schedule(expression: str):
    """A preset (`@hourly`) as is; a cron expression in the business time zone."""
    if expression.startswith("@"):
        return expression
    return CronTriggerTimetable(expression, timezone=TIMEZONE)
