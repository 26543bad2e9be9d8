# The Airflow image docker-compose.yml runs: the official Airflow 3 image plus Community Pulse's pinned dependencies.
# The repository itself is mounted at /opt/pulse (PYTHONPATH), so DAG and pipeline changes need no rebuild.
ARG AIRFLOW_VERSION=3.3.2
FROM apache/airflow:${AIRFLOW_VERSION}-python3.11
COPY --chown=airflow:0 requirements.lock /opt/pulse-requirements.lock
RUN pip install --no-cache-dir -r /opt/pulse-requirements.lock
