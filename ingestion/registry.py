"""Every source type Community Pulse can ingest, by the `type` a config gives it.

Each platform module in `ingestion/` that exposes `SOURCE_TYPE` is one; they are discovered, so adding a platform
touches no shared file.
"""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

from ingestion.runtime.spec import SourceType


def _discover() -> dict[str, SourceType]:
    found: dict[str, SourceType] = {}
    for info in sorted(pkgutil.iter_modules([str(Path(__file__).parent)]), key=lambda i: i.name):
        if info.ispkg or info.name in ("registry", "runner", "load", "landing"):
            continue
        module = importlib.import_module(f"ingestion.{info.name}")
        stype = getattr(module, "SOURCE_TYPE", None)
        if isinstance(stype, SourceType):
            found[stype.name] = stype
    return found


SOURCE_TYPES: dict[str, SourceType] = _discover()
