"""Where the tests find the repository and the shared material beside it (real API samples, datasets)."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"
SAMPLES = SHARED / "real-api-samples"
DATASETS = SHARED / "datasets"
