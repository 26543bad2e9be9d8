"""Airflow for the DAG tests: a throwaway AIRFLOW_HOME (SQLite metadata) set before anything imports airflow, a real
SMTP server (aiosmtpd) both the report and Airflow's SmtpNotifier send to, and a small sandbox deployment (the demo
config on a small world) that the DAG files are generated from."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import yaml

from pulse.cli import DEMO_ENV
from pulse.testing.demo import demo_config
from pulse.testing.paths import REPO

DAGS = REPO / "dags"
HOME = Path(tempfile.mkdtemp(prefix="pulse-airflow-"))
CONFIG = HOME / "pulse.yml"
ALERTS = "data-eng@example.com"
END = dt.date(2026, 11, 2)  # the world's data ends Sunday 2026-11-01 (2026-W44)

AIRFLOW_ENV = {
    "AIRFLOW_HOME": str(HOME),
    "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS),
    "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
    "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{HOME}/airflow.db",
    "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False",
    "PULSE_CONFIG": str(CONFIG),
    **DEMO_ENV,
}
os.environ.update(AIRFLOW_ENV)  # before airflow is imported anywhere in this session


@pytest.fixture(scope="session")
def smtp():
    """A real SMTP server on loopback for the session: (port, handler)."""
    from pulse.testing.servers import smtp_server

    with smtp_server() as (port, handler):
        os.environ["AIRFLOW_CONN_SMTP_DEFAULT"] = json.dumps(
            {
                "conn_type": "smtp",
                "host": "127.0.0.1",
                "port": port,
                "extra": {"disable_tls": True, "disable_ssl": True, "from_email": "airflow@example.com"},
            }
        )
        yield port, handler


@pytest.fixture(scope="session")
def pulse_config(smtp) -> Path:
    """The demo config on a small world (300 members, 4 weeks to 2026-11-01), every artefact under HOME/var, mail to
    the test's SMTP server, failure alerts to ALERTS. The DAG files are generated from it (PULSE_CONFIG)."""
    port, _ = smtp
    data = demo_config(HOME, members=300, weeks=4, end_date=END)
    data["smtp"] = {"host": "127.0.0.1", "port": port, "security": "plain", "sender": "pulse@example.com"}
    data["orchestration"] = {"alert_emails": [ALERTS], "retries": 2}
    CONFIG.write_text(yaml.safe_dump(data, allow_unicode=True))
    return CONFIG


@pytest.fixture(scope="session")
def airflow_db(pulse_config) -> Path:
    """Airflow's metadata database, migrated (SQLite under HOME)."""
    proc = subprocess.run(
        [str(Path(sys.executable).with_name("airflow")), "db", "migrate"],
        env={**os.environ, **AIRFLOW_ENV},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    return HOME / "airflow.db"


@pytest.fixture(scope="session")
def dagbag(pulse_config):
    """Every DAG of dags/, parsed as the DAG processor does (the bundle folder on sys.path)."""
    from airflow.dag_processing.dagbag import BundleDagBag

    return BundleDagBag(dag_folder=str(DAGS), bundle_path=DAGS)
