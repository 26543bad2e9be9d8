# Community Pulse. Every target bootstraps .venv from requirements.lock on first use.
#   make demo   run the whole pipeline on the local sandbox and the embedded DuckDB warehouse
#   make test   the test suite (starts its own sandbox, Postgres and SMTP servers)
#   make airflow  Airflow standalone on the demo: every DAG loaded, http://localhost:8080, no login
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | cksum | cut -d' ' -f1)
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export DO_NOT_TRACK := 1
export AIRFLOW__COSMOS__ENABLE_TELEMETRY := False

.PHONY: demo test lint format lock bench bench-parts clean venv airflow

venv: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install -q --disable-pip-version-check uv==0.13.9
	$(BIN)/uv pip sync -q --python $(BIN)/python requirements.lock
	$(BIN)/uv pip install -q --python $(BIN)/python --no-deps -e .
	@rm -f $(VENV)/.installed-* && touch $@

demo: $(STAMP)
	$(BIN)/pulse demo

# Two worker processes (pytest-xdist): the modules sharing a minutes-long session fixture run on one worker, the
# costliest first (tests/conftest.py). TEST_WORKERS=0 runs the suite in this process.
TEST_WORKERS ?= 2
test: $(STAMP)
	$(BIN)/pytest -n $(TEST_WORKERS)

# Airflow standalone (LocalExecutor, SQLite metadata, logs and mail under var/airflow/) on the demo: the demo config
# with mail to a local SMTP server that files every message under var/airflow/mailbox/ (Maildir), the sandbox serving
# the demo's platforms, the one-slot warehouse pool, every DAG of dags/ loaded, no login (everyone is admin).
# Ctrl-C stops Airflow, the sandbox and the mail server. Running and operating the DAGs: docs/operations.md.
AIRFLOW_LOCAL := $(CURDIR)/var/airflow
AIRFLOW_SMTP_PORT ?= 8025
airflow: $(STAMP)
	@mkdir -p $(AIRFLOW_LOCAL)/mailbox
	@$(BIN)/python -c 'import sys, yaml; d = yaml.safe_load(open("demo/pulse.yml")); \
	  d.update(var_dir="$(CURDIR)/var", smtp={"host": "127.0.0.1", "port": $(AIRFLOW_SMTP_PORT), "security": "plain", \
	  "sender": "pulse@example.com"}, orchestration={"alert_emails": ["data-eng@example.com"]}); \
	  d["warehouse"]["path"] = "$(CURDIR)/var/warehouse/pulse.duckdb"; \
	  yaml.safe_dump(d, open("$(AIRFLOW_LOCAL)/pulse.yml", "w"), allow_unicode=True)'
	@set -euo pipefail; \
	export $$($(BIN)/python -c 'from pulse.cli import DEMO_ENV; print(" ".join(f"{k}={v}" for k, v in DEMO_ENV.items()))'); \
	export PATH=$(CURDIR)/$(BIN):$$PATH AIRFLOW_HOME=$(AIRFLOW_LOCAL) AIRFLOW__CORE__DAGS_FOLDER=$(CURDIR)/dags AIRFLOW__CORE__LOAD_EXAMPLES=False \
	  AIRFLOW__CORE__EXECUTOR=LocalExecutor AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=sqlite:///$(AIRFLOW_LOCAL)/airflow.db \
	  AIRFLOW__CORE__AUTH_MANAGER=airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager \
	  AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS=True PULSE_CONFIG=$(AIRFLOW_LOCAL)/pulse.yml \
	  AIRFLOW_CONN_SMTP_DEFAULT='smtp://127.0.0.1:$(AIRFLOW_SMTP_PORT)?disable_tls=true&disable_ssl=true&from_email=airflow%40example.com'; \
	$(BIN)/airflow db migrate >/dev/null; \
	$(BIN)/airflow pools set pulse_warehouse 1 "Community Pulse: one task at a time opens the warehouse" >/dev/null; \
	$(BIN)/python -m aiosmtpd -n -l 127.0.0.1:$(AIRFLOW_SMTP_PORT) -c aiosmtpd.handlers.Mailbox $(AIRFLOW_LOCAL)/mailbox & \
	smtp=$$!; \
	$(BIN)/pulse --config $(AIRFLOW_LOCAL)/pulse.yml sandbox serve & \
	sandbox=$$!; \
	trap 'kill $$sandbox $$smtp 2>/dev/null || true' EXIT; \
	$(BIN)/airflow standalone

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	cd dbt_project && ../$(BIN)/sqlfluff lint models --processes 2

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Re-pin every dependency after editing pyproject.toml.
lock:
	uv pip compile pyproject.toml --extra dev --python-version 3.11 -o requirements.lock

# The whole pipeline at a scale (S: the tests' world, minutes; M: 100,000 members; L: 1,000,000 members x 52 weeks):
# time and peak memory of every stage and of an incremental day, into bench/results/scale-$(SCALE).json and the
# table of docs/benchmarks.md. `make bench-parts` times the parts on their own (world, HTTP client, landing and
# loading, report). Figures and the machine they were measured on: docs/benchmarks.md
SCALE ?= S
WAREHOUSE ?= duckdb
bench: $(STAMP)
	$(BIN)/python bench/scale.py --scale $(SCALE) --warehouse $(WAREHOUSE)

bench-parts: $(STAMP)
	$(BIN)/python bench/world.py --members 100000 --weeks 52
	$(BIN)/python bench/http_client.py --pages 1000
	$(BIN)/python bench/ingest.py --members 110000 --weeks 52
	$(BIN)/python bench/report.py --stakeholders 20

clean:
	rm -rf var dbt_project/target dbt_project/logs
