"""Time to render one week's reports for 20 stakeholders (target < 10 s), on the demo warehouse.

    .venv/bin/python bench/report.py --stakeholders 20 [--var /tmp/bench-var]

Reads the published demo warehouse (<var>/warehouse/pulse.duckdb, default var/; `pulse demo` builds it first when
it is missing),
makes N stakeholders that alternate zh-CN / en and cycle through the community subsets (one community each, all
of them), and times what `pulse report` does before it writes files or talks to SMTP: read the marts once, render
every stakeholder's report (HTML, text, CSV, four charts) and build each MIME message. Stakeholders with the same
language and communities share a rendering, as in production; `--distinct` also times the worst case, every
stakeholder rendered on its own with no chart shared. Imports (matplotlib, jinja2, the font) are timed apart.
Prints one JSON line, with the machine's load average: on 2 shared cores the figure depends on it.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pulse.cli import DEMO_CONFIG, DEMO_ENV  # noqa: E402
from pulse.config import load_config  # noqa: E402
from pulse.warehouse import open_warehouse  # noqa: E402
from pulse.weeks import week_label  # noqa: E402


def stakeholders(n: int, communities: list[str]) -> list[dict]:
    subsets = [[c] for c in communities] + [communities]
    return [
        {
            "email": f"stakeholder{i:02d}@example.com",
            "language": ("zh-CN", "en")[i % 2],
            "communities": subsets[(i // 2) % len(subsets)],
        }
        for i in range(n)
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stakeholders", type=int, default=20)
    parser.add_argument("--week", help="YYYY-Www (default: the latest week in the mart)")
    parser.add_argument("--distinct", action="store_true", help="also time every stakeholder rendered alone")
    parser.add_argument("--var", help="the demo's var folder (default: the repository's var/)")
    args = parser.parse_args(argv)

    for k, v in DEMO_ENV.items():
        os.environ.setdefault(k, v)
    config_path = DEMO_CONFIG
    if args.var:
        var = Path(args.var).resolve()
        demo = yaml.safe_load(DEMO_CONFIG.read_text())
        demo["var_dir"] = str(var)
        demo["warehouse"]["path"] = str(var / "warehouse" / "pulse.duckdb")
        var.mkdir(parents=True, exist_ok=True)
        config_path = var / "pulse.yml"
        config_path.write_text(yaml.safe_dump(demo, allow_unicode=True))
    config = load_config(config_path)
    if not config.warehouse_path.exists():
        print("building the demo warehouse first (pulse demo)", file=sys.stderr)
        subprocess.run(
            [sys.executable, "-m", "pulse.cli", "--config", str(config_path), "demo"],
            cwd=ROOT,
            check=True,
            stdout=sys.stderr,
        )

    started = time.perf_counter()  # imports apart: matplotlib alone takes seconds without cached bytecode
    import matplotlib.figure  # noqa: F401

    from pulse.steps import freshness, latest_quality
    from reporting.charts import find_cjk_font
    from reporting.mailer import build_message
    from reporting.render import render_report
    from reporting.weekly import build_weekly_reports

    find_cjk_font()
    import_seconds = time.perf_counter() - started

    names = [c["name"] for c in config["communities"]]
    data = {**config.data, "stakeholders": stakeholders(args.stakeholders, names)}
    with open_warehouse(config).reader(published=True) as con:
        week = args.week or week_label(
            con.execute("select max(week_start) from marts.community_health_weekly").fetchone()[0]
        )
        quality, fresh = latest_quality(con), freshness(config, con)
        started = time.perf_counter()
        out = build_weekly_reports(con, data, week, quality, fresh)
        messages = [build_message(r, "pulse@example.com", s["email"]) for s, r in out]
        seconds = time.perf_counter() - started
        result = {
            "week": week,
            "stakeholders": len(out),
            "renderings": len({id(r) for _, r in out}),
            "seconds": round(seconds, 2),
            "target_seconds": 10,
            "mime_bytes": sum(len(m.as_bytes()) for m in messages),
            "import_seconds": round(import_seconds, 2),
            "load_average_1min": round(os.getloadavg()[0], 2),
        }
        if args.distinct:
            titles = {c["name"]: c.get("title") or c["name"] for c in config["communities"]}
            started = time.perf_counter()
            for s in data["stakeholders"]:
                r = render_report(
                    con,
                    week=week,
                    language=s["language"],
                    communities=s["communities"],
                    titles=titles,
                    quality=quality,
                    freshness=fresh,
                    tz=config["timezone"],
                )
                build_message(r, "pulse@example.com", s["email"])
            result["distinct_seconds"] = round(time.perf_counter() - started, 2)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
