"""Write a rendered report to disk: the HTML, the text, the KPI CSV, the chart PNGs and the full MIME message.

Layout: `<reports_dir>/<week>/<language>/` for the report without a recipient (the default renderings), and
`<reports_dir>/<week>/<language>/<recipient>/` for a stakeholder's copy, so two stakeholders with the same
language never overwrite each other's files. Each file is written to a temporary name and renamed into place:
re-running overwrites the same files, and a reader never sees half a file.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

from reporting.mailer import build_message
from reporting.render import Rendered

ARCHIVE_SENDER = "community-pulse@localhost"


def _safe(name: str) -> str:
    cleaned = re.sub(r"[^a-z0-9@._+-]", "_", name.strip().lower()).strip(".")
    return cleaned or "recipient"


def _write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def report_dir(reports_dir: Path, week: str, language: str, recipient: str | None = None) -> Path:
    folder = Path(reports_dir) / week / language
    return folder / _safe(recipient) if recipient else folder


def archive(
    rendered: Rendered, reports_dir: Path, recipient: str | None, sender: str | None = None
) -> dict[str, Path]:
    """Write the report's files; returns {'html', 'text', 'csv', 'eml', 'image:<name>' ...: path}.

    sender: the From address of the archived `report.eml` (default: community-pulse@localhost)."""
    folder = report_dir(reports_dir, rendered.week, rendered.language, recipient)
    paths = {
        "html": _write(folder / "report.html", rendered.html.encode("utf-8")),
        "text": _write(folder / "report.txt", rendered.text.encode("utf-8")),
        "csv": _write(folder / "kpis.csv", rendered.csv),
    }
    for cid, png in rendered.images.items():
        name = _safe(cid.split("@")[0])
        paths[f"image:{name}"] = _write(folder / f"{name}.png", png)
    message = build_message(rendered, sender or ARCHIVE_SENDER, recipient)
    paths["eml"] = _write(folder / "report.eml", message.as_bytes())
    return paths
