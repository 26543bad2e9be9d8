"""Suite metadata and the pandas pre-checks, without importing Great Expectations."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd

from expectations import SUITES, tables_needed
from expectations.suites import ALL_ACTIVE, prepare_frame

REPO = Path(__file__).resolve().parents[2]


def test_tables_needed_and_no_gx_import_at_module_level():
    assert tables_needed() == ["marts.community_health_weekly", "raw.discourse__posts", "raw.shopify__orders"]
    assert SUITES["marts.community_health_weekly"].required
    assert not SUITES["raw.discourse__posts"].required
    probe = "import sys, expectations.gate, expectations.suites; print('great_expectations' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_prepare_frame_adds_the_all_members_of_the_week():
    df = pd.DataFrame(
        {
            "week_start": ["2026-11-09", "2026-11-09", "2026-11-16", "2026-11-16"],
            "community": ["all", "brand_cn", "brand_cn", "brand_global"],
            "active_members": [100, 60, 70, 20],
            "revenue": ["1.50", "2.00", "-1", None],
        }
    )
    out = prepare_frame("marts.community_health_weekly", df)
    assert list(out[ALL_ACTIVE].iloc[:2]) == [100.0, 100.0]
    assert out[ALL_ACTIVE].iloc[2:].isna().all()  # no 'all' row that week
    assert out["revenue"].dtype.kind == "f"
    assert ALL_ACTIVE not in df.columns  # the caller's frame is untouched
