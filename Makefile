# Community Pulse. Every target bootstraps .venv from requirements.lock on first use.
#   make demo   run the whole pipeline on the local sandbox and the embedded DuckDB warehouse
#   make test   the test suite (starts its own sandbox, Postgres and SMTP servers)
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | cksum | cut -d' ' -f1)
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export DO_NOT_TRACK := 1
export AIRFLOW__COSMOS__ENABLE_TELEMETRY := False

.PHONY: demo test lint format lock bench clean venv

venv: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install -q --disable-pip-version-check uv==0.13.9
	$(BIN)/uv pip sync -q --python $(BIN)/python requirements.lock
	$(BIN)/uv pip install -q --python $(BIN)/python --no-deps -e .
	@rm -f $(VENV)/.installed-* && touch $@

demo: $(STAMP)
	$(BIN)/pulse demo

test: $(STAMP)
	$(BIN)/pytest

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

# Figures and the machine they were measured on: docs/benchmarks.md
bench: $(STAMP)
	$(BIN)/python bench/world.py --members 100000 --weeks 52
	$(BIN)/python bench/http_client.py --pages 1000
	$(BIN)/python bench/ingest.py --members 110000 --weeks 52

clean:
	rm -rf var dbt_project/target dbt_project/logs
