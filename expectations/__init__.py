"""The quality gate: Great Expectations suites over the marts and raw tables, run on pandas frames.

`great_expectations` takes seconds to import, so nothing here imports it at module level; `run_gate` does.
"""

from __future__ import annotations

from expectations.suites import SUITES, tables_needed

__all__ = ["SUITES", "tables_needed"]
