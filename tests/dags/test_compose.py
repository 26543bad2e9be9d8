"""docker-compose.yml cannot run here (no Docker engine), so it is checked as far as it can be: the official
Airflow 3 Celery layout, every variable it references documented in .env.example, every image pinned, and the real
docker-compose (Debian's package) validates it offline."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from importlib.metadata import version

import pytest
import yaml

from pulse.testing.paths import REPO

COMPOSE = REPO / "docker-compose.yml"
ENV_EXAMPLE = REPO / ".env.example"
DOCKERFILE = REPO / "Dockerfile"
REFERENCE = re.compile(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}")
AIRFLOW_SERVICES = {
    "airflow-apiserver": "api-server",
    "airflow-scheduler": "scheduler",
    "airflow-dag-processor": "dag-processor",
    "airflow-worker": "celery worker",
    "airflow-triggerer": "triggerer",
}


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def documented() -> dict[str, str]:
    """NAME -> the comment block above it in .env.example (`NAME=...`, or commented out `# NAME=`). Consecutive
    variables share the comment above the first of them."""
    out: dict[str, str] = {}
    comment: list[str] = []
    after_variable = False
    for line in ENV_EXAMPLE.read_text().splitlines():
        m = re.match(r"^#?\s*([A-Z_][A-Z0-9_]*)=", line)
        if m:
            out[m.group(1)] = " ".join(comment)
            after_variable = True
        elif line.startswith("#"):
            if after_variable:
                comment, after_variable = [], False
            comment.append(line)
        else:
            comment, after_variable = [], False
    return out


def test_the_official_airflow_3_celery_layout(compose):
    services = compose["services"]
    assert set(AIRFLOW_SERVICES) | {"airflow-init", "postgres", "redis", "warehouse", "mailpit"} <= set(
        services
    )
    for name, command in AIRFLOW_SERVICES.items():
        assert services[name]["command"] == command, name
        assert services[name]["image"] == compose["x-airflow-common"]["image"], name
        assert services[name]["depends_on"]["airflow-init"]["condition"] == "service_completed_successfully"
        assert "healthcheck" in services[name], name
    env = compose["x-airflow-common"]["environment"]
    assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].startswith("postgresql+psycopg2://airflow:")
    assert "@postgres/airflow" in env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
    assert (
        env["AIRFLOW__CELERY__BROKER_URL"].startswith("redis://")
        and "@redis:6379" in env["AIRFLOW__CELERY__BROKER_URL"]
    )
    assert env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == "http://airflow-apiserver:8080/execution/"
    assert "mailpit" in env["AIRFLOW_CONN_SMTP_DEFAULT"]
    assert env["PULSE_PG_HOST"] == "warehouse"
    init = " ".join(services["airflow-init"]["command"])
    assert "airflow db migrate" in init and "airflow pools set" in init
    assert services["warehouse"]["image"].startswith("postgres:")
    volumes = compose["x-airflow-common"]["volumes"]
    assert any(v.endswith(":/opt/airflow/dags") for v in volumes)


def test_every_referenced_variable_is_documented(compose):
    referenced = {m.group(1) for m in REFERENCE.finditer(COMPOSE.read_text())}
    docs = documented()
    assert referenced, "the compose file references no variables?"
    missing = sorted(referenced - set(docs))
    assert not missing, f"not in .env.example: {missing}"
    undocumented = sorted(v for v in referenced if len(docs[v]) < 20)
    assert not undocumented, f"no comment above them in .env.example: {undocumented}"
    # and the example documents nothing the compose file (or pulse.example.yml's env:NAME) does not use
    used_by_config = set(re.findall(r"env:([A-Z_][A-Z0-9_]*)", (REPO / "pulse.example.yml").read_text()))
    assert set(docs) <= referenced | used_by_config, sorted(set(docs) - referenced - used_by_config)


def _default(image: str) -> str:
    m = REFERENCE.fullmatch(image.strip())
    return m.group(2) if m else image


def test_every_image_is_pinned(compose):
    images = {name: _default(s["image"]) for name, s in compose["services"].items() if "image" in s}
    images["x-airflow-common"] = _default(compose["x-airflow-common"]["image"])
    for name, image in images.items():
        repo, _, tag = image.rpartition(":")
        assert repo and tag and tag != "latest" and re.search(r"\d+\.\d+", tag), (
            f"{name}: {image} is not pinned"
        )
    base = DOCKERFILE.read_text()
    pinned = re.search(r"^ARG AIRFLOW_VERSION=(\S+)$", base, re.M)
    assert pinned and re.search(r"^FROM apache/airflow:\$\{AIRFLOW_VERSION\}-python3\.11$", base, re.M)
    assert pinned.group(1) == version("apache-airflow")  # the image runs the Airflow the tests run
    assert compose["x-airflow-common"]["build"]["args"]["AIRFLOW_VERSION"] == version("apache-airflow")


def test_docker_compose_validates_it(tmp_path):
    exe = shutil.which("docker-compose")
    assert exe, "docker-compose is missing: apt-get install docker-compose (.ci/run installs it)"
    env = {**os.environ, "ENV_FILE_PATH": str(ENV_EXAMPLE)}
    proc = subprocess.run(
        [exe, "--env-file", str(ENV_EXAMPLE), "-f", str(COMPOSE), "config"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    resolved = yaml.safe_load(proc.stdout)
    assert (
        resolved["services"]["airflow-worker"]["environment"]["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    )
    assert "is not set" not in proc.stderr, proc.stderr  # every variable has a value in the example
