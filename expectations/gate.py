"""Run the quality gate on pandas frames with Great Expectations 1.x.

GX cannot validate DuckDB through its SQL data source, so the caller reads each table (the columns of the marts of
`tables_needed()` their suites read, a bounded sample of every raw table, the derived check frames of
expectations/checks.py: expectations/inputs.py) into a DataFrame and passes them here, or a function returning it,
called when the table's turn comes so that one table's frame is held at a time. One ephemeral context, one pandas
data source, one dataframe asset, suite and validation definition per table. `passed` is False when any critical
expectation fails. With `docs_dir`, GX data docs (HTML: every suite and this run's validation results) are written
there.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from expectations.suites import (
    CRITICAL,
    SUITES,
    WARNING,
    QualitySettings,
    build_suite,
    prepare_frame,
    spec_for,
    tables_needed,
)

if TYPE_CHECKING:
    import pandas as pd

    Frame = pd.DataFrame | Callable[[], pd.DataFrame | None] | None

__all__ = ["GateResult", "run_gate", "tables_needed", "SUITES", "QualitySettings"]

log = logging.getLogger("pulse.expectations")

RESULT_FORMAT = {"result_format": "SUMMARY", "partial_unexpected_count": 5}


@dataclass
class GateResult:
    """passed: no critical failure. results: one dict per expectation (see `run_gate`). docs: the data docs' index
    page, when written."""

    passed: bool
    results: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0
    docs: Path | None = None

    @property
    def failures(self) -> list[dict[str, Any]]:
        return [r for r in self.results if not r["success"]]


def run_gate(
    frames: Mapping[str, Frame],
    *,
    communities: Iterable[str] | None = None,
    tiers: Iterable[str] | None = None,
    settings: QualitySettings | None = None,
    docs_dir: Path | None = None,
    total_rows: Mapping[str, int] | None = None,
) -> GateResult:
    """Validate every frame of `frames` (keyed `schema.table`: the marts of `tables_needed()`, `raw.<type>__<stream>`,
    `checks.*`). A value is the DataFrame or a function returning it (called once, when the table is validated).

    total_rows: the whole table's rows, for frames that are a sample of their table: each of their results says
    so in its details ("on a sample of 100000 of 812345 rows"). communities: the configured community names; with
    them, the mart's `community` must be one of them or 'all' (without them that expectation is skipped). tiers:
    the configured tier names, likewise for member_tier_history. settings: thresholds (duplicate-rate ceiling,
    revenue tolerance, row-count drift bounds). Each result dict has: suite, table, expectation (GX type, e.g.
    `expect_column_values_to_be_between`), column, severity ('critical'|'warning'), success, observed,
    unexpected_count, element_count, details (one line naming the table, expectation, column and what was found;
    for checks.raw_integrity the failing raw tables).
    """
    started = time.perf_counter()
    communities = list(communities) if communities is not None else None
    tiers = list(tiers) if tiers is not None else None
    results: list[dict[str, Any]] = []
    for table, spec in SUITES.items():
        if spec.kind == "mart" and (table not in frames or frames[table] is None):
            severity = CRITICAL if spec.required else WARNING
            results.append(
                {
                    "suite": spec.name,
                    "table": table,
                    "expectation": "table_is_present",
                    "column": None,
                    "severity": severity,
                    "success": False,
                    "observed": None,
                    "unexpected_count": None,
                    "element_count": None,
                    "details": f"{table}: table_is_present failed: no frame was given for it",
                }
            )
    present = {t: df for t, df in frames.items() if spec_for(t) is not None and df is not None}
    unknown = sorted(t for t in frames if spec_for(t) is None)
    if unknown:
        log.warning("quality gate: no suite for %s; ignored", ", ".join(unknown))
    docs = None
    if present:
        rows, docs = _validate(
            present, communities, tiers, settings or QualitySettings(), docs_dir, total_rows or {}
        )
        results.extend(rows)
    passed = not any(r["severity"] == CRITICAL and not r["success"] for r in results)
    seconds = round(time.perf_counter() - started, 3)
    log.info(
        "quality gate passed=%s expectations=%d failed=%d seconds=%.2f",
        passed,
        len(results),
        sum(not r["success"] for r in results),
        seconds,
    )
    return GateResult(passed=passed, results=results, seconds=seconds, docs=docs)


def _context():
    gx_log = logging.getLogger("great_expectations")
    if gx_log.level == logging.NOTSET:  # its import logs dozens of INFO lines about docs decorators
        gx_log.setLevel(logging.WARNING)
    level = gx_log.level
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    # The import sets some of its own loggers to INFO (one line per ephemeral temp dir); quiet them like the parent.
    gx_log.setLevel(level)
    for name, child in list(logging.root.manager.loggerDict.items()):
        if (
            name.startswith("great_expectations.")
            and isinstance(child, logging.Logger)
            and child.level == logging.INFO
        ):
            child.setLevel(logging.NOTSET)

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    return context


def _validate(
    frames: Mapping[str, Frame],
    communities: list[str] | None,
    tiers: list[str] | None,
    settings: QualitySettings,
    docs_dir: Path | None,
    total_rows: Mapping[str, int],
) -> tuple[list[dict[str, Any]], Path | None]:
    import great_expectations as gx

    context = _context()
    if docs_dir is not None:
        context.add_data_docs_site(
            site_name="pulse",
            site_config={
                "class_name": "SiteBuilder",
                "store_backend": {
                    "class_name": "TupleFilesystemStoreBackend",
                    "base_directory": str(Path(docs_dir).resolve()),
                },
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            },
        )
    source = context.data_sources.add_pandas("pulse")
    out: list[dict[str, Any]] = []
    for table, frame in frames.items():
        spec = spec_for(table)
        df = frame() if callable(frame) else frame
        if df is None:  # a reader that found nothing after all: validated as absent, like a frame never given
            continue
        scope = ""
        if total_rows.get(table, 0) > len(df):
            scope = f" on a sample of {len(df)} of {total_rows[table]} rows"
        prepared = prepare_frame(table, df)
        del df
        suite = context.suites.add(
            build_suite(table, prepared.columns, communities, tiers=tiers, settings=settings)
        )
        batch_definition = source.add_dataframe_asset(name=table).add_batch_definition_whole_dataframe(
            "whole"
        )
        definition = context.validation_definitions.add(
            gx.ValidationDefinition(name=table, data=batch_definition, suite=suite)
        )
        result_format = RESULT_FORMAT
        if spec.index:  # name the failing rows (a check frame's raw table) by these columns
            result_format = {**RESULT_FORMAT, "unexpected_index_column_names": list(spec.index)}
        validation = definition.run(batch_parameters={"dataframe": prepared}, result_format=result_format)
        del prepared
        _release_batches(source)
        for r in validation.results:
            out.append(_result_row(spec.name, table, r, scope))
    index = None
    if docs_dir is not None:
        try:
            context.build_data_docs(site_names=["pulse"])
            index = Path(docs_dir).resolve() / "index.html"
        except Exception as e:  # noqa: BLE001 - docs are a by-product: the gate's verdict stands without them
            log.warning("quality gate: data docs not written to %s: %s", docs_dir, e)
    return out, index


def _release_batches(source: Any) -> None:
    """GX's pandas engine keeps every validated batch's DataFrame in its batch manager's caches for the context's
    life: drop them once a table's results are in, so the gate holds one table's frame at a time (the results and
    the data docs need no batch)."""
    try:
        manager = source.get_execution_engine().batch_manager
        manager.reset_batch_cache()
        manager.batch_data_cache.clear()
    except AttributeError as e:  # another GX layout: the gate still runs, only with more memory
        log.debug("quality gate: GX batches not released: %s", e)


def _column(kwargs: dict, meta: dict) -> str | None:
    if meta.get("column"):
        return meta["column"]
    if kwargs.get("column"):
        return kwargs["column"]
    if kwargs.get("column_list"):
        return ", ".join(kwargs["column_list"])
    if kwargs.get("column_A"):
        return f"{kwargs['column_A']}, {kwargs['column_B']}"
    return None


def _exception_message(info: Any) -> str | None:
    if not isinstance(info, dict):
        return None
    if info.get("raised_exception"):
        return str(info.get("exception_message"))
    for v in info.values():  # suite results key exception info by metric
        if isinstance(v, dict) and v.get("raised_exception"):
            return str(v.get("exception_message"))
    return None


def _plain(value: Any) -> Any:
    """numpy scalars, dates and nested containers as plain, readable values."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        try:
            return value.item()
        except (TypeError, ValueError):
            return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _short(value: Any, limit: int = 160) -> str:
    text = repr(_plain(value))
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _failing_rows(res: dict) -> str:
    """`raw.a (3), raw.b (1)`: the index columns of the failing rows (GX's partial_unexpected_index_list), with the
    value found."""
    names = res.get("unexpected_index_column_names") or []
    parts = []
    for row in res.get("partial_unexpected_index_list") or []:
        if not isinstance(row, dict):
            continue
        label = " ".join(str(row.get(n)) for n in names)
        values = [v for k, v in row.items() if k not in names]
        parts.append(f"{label} ({_short(values[0], 40)})" if values else label)
    return ", ".join(parts)


def _result_row(suite: str, table: str, r: Any, scope: str = "") -> dict[str, Any]:
    config = r.expectation_config
    kwargs = dict(config.kwargs)
    meta = dict(config.meta or {})
    res = dict(r.result or {})
    column = _column(kwargs, meta)
    severity = meta.get("severity", CRITICAL)
    error = _exception_message(r.exception_info)
    success = bool(r.success) and error is None
    unexpected = res.get("unexpected_count")
    elements = res.get("element_count")
    observed = _plain(res.get("observed_value"))
    if observed is None and unexpected is not None:
        observed = res.get("unexpected_percent")
    where = f"{table}: {config.type}" + (f" on {column}" if column else "")
    check = meta.get("check", "")
    if success:
        details = f"{where} passed ({check})"
    elif error:
        details = f"{where} could not run ({check}): {error}"
    elif unexpected is not None:
        sample = res.get("partial_unexpected_list") or []
        details = f"{where} failed ({check}): {unexpected} of {elements} rows unexpected"
        rows = _failing_rows(res)
        if rows:
            details += f": {rows}"
        elif sample:
            details += f", e.g. {_short(sample[:3])}"
    else:
        details = f"{where} failed ({check}): observed {_short(observed)}"
    details += scope
    return {
        "suite": suite,
        "table": table,
        "expectation": config.type,
        "column": column,
        "severity": severity,
        "success": success,
        "observed": observed,
        "unexpected_count": unexpected,
        "element_count": elements,
        "details": details,
    }
