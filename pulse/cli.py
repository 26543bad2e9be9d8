"""`pulse`: run the pipeline's steps without a scheduler.

    pulse [--config FILE] sandbox serve [--port N] [--faults SPEC] [--no-rate-limits]
    pulse ingest [SOURCE ...] | load | transform | clv | check | publish
    pulse report [--week YYYY-Www] [--send] [--force]
    pulse run [--week YYYY-Www] [--send]
    pulse demo

The config is validated before anything runs; a broken one exits 2 with one line naming the key.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import signal
import sys
import time
from pathlib import Path

from pulse.config import Config, load_config
from pulse.schema import ConfigError

REPO = Path(__file__).resolve().parent.parent
DEMO_CONFIG = REPO / "demo" / "pulse.yml"
# The demo's sandbox is local and synthetic: these stand in for the secrets a real deployment sets.
DEMO_ENV = {
    "PULSE_HASH_SALT": "demo-salt-not-secret",
    "PULSE_SANDBOX_DISCOURSE_KEY": "sandbox-discourse-key",
    "PULSE_SANDBOX_SHOPIFY_TOKEN": "shpat_sandbox_token",
    "PULSE_SANDBOX_REDDIT_SECRET": "sandbox-reddit-secret",
    "PULSE_SANDBOX_DISCORD_TOKEN": "sandbox-discord-bot-token",
    "PULSE_SANDBOX_WECOM_SECRET": "sandbox-wecom-corp-secret",
    "PULSE_SANDBOX_WECHAT_MP_SECRET": "sandbox-wechat-mp-app-secret",
    "PULSE_SANDBOX_WOOCOMMERCE_SECRET": "cs_sandbox0000000000000000000000000000000000",
    "PULSE_SANDBOX_YOUZAN_SECRET": "yz_sandbox_secret_0000000000000000",
}


def _config_path(args) -> Path:
    return Path(args.config or os.environ.get("PULSE_CONFIG") or "pulse.yml")


def _world_dir(config: Config) -> Path:
    sb = config["sandbox"]
    end = sb["end_date"] or dt.date.today()
    last_sunday = end - dt.timedelta(days=end.isoweekday())
    ab = "" if sb["variant_b_lift"] == 1.0 else f"-ab{sb['variant_b_lift']:g}"
    return (
        config.var_dir
        / "world"
        / f"s{sb['seed']}-m{sb['members']}-w{sb['weeks']}-{last_sunday.isoformat()}{ab}"
    )


def sandbox_world(config: Config):
    """Generate the configured world once and cache it under var/world/ (same arguments, same world)."""
    from pulse.sandbox.tables import World

    path = _world_dir(config)
    if (path / "world.json").exists():
        return World.read(path)
    from pulse.sandbox.world import generate_world

    sb = config["sandbox"]
    end = sb["end_date"] or dt.date.today()
    world = generate_world(sb["seed"], sb["members"], sb["weeks"], end, variant_b_lift=sb["variant_b_lift"])
    world.write(path)
    return world


def sandbox_credentials(config: Config) -> dict:
    """What the sandbox accepts: the credentials of the sources that point at it."""
    creds = {}
    for s in config["sources"]:
        if str(s["base_url"]).startswith("sandbox:") and s["type"] != "files":
            creds[s["base_url"].split(":", 1)[1]] = {k: str(v) for k, v in s["credentials"].items()}
    return creds


def start_sandbox(
    config: Config, port: int | None = None, faults: str | None = None, rate_limits: bool = True
):
    from pulse.sandbox.faults import FaultPlan
    from pulse.sandbox.server import make_server

    sb = config["sandbox"]
    world = sandbox_world(config)
    if config.uses_sandbox_files():
        from pulse.sandbox.filedrops import write_drops
        from pulse.sandbox.world import AB_TEST_CAMPAIGN

        tested = any(e["campaign_id"] == AB_TEST_CAMPAIGN for e in config["experiments"])
        # with the broken rows the connector must quarantine; the A/B test's arms when pulse.yml declares it
        write_drops(world, config.sandbox_drops_dir, ab_test=AB_TEST_CAMPAIGN if tested else None)
    spec = sb["faults"] if faults is None else faults
    server = make_server(
        world,
        port=sb["port"] if port is None else port,
        faults=FaultPlan.parse(spec) if spec else None,
        rate_limits=rate_limits,
        rate_scale=sb["rate_limit_scale"],
        credentials=sandbox_credentials(config),
    )
    return server


def _print(obj) -> None:
    print(json.dumps(obj, indent=2, ensure_ascii=False, default=str))


def cmd_sandbox_serve(config: Config, args) -> int:
    server = start_sandbox(config, args.port, args.faults, rate_limits=not args.no_rate_limits)
    url_file = config.var_dir / "sandbox" / "url"
    url_file.parent.mkdir(parents=True, exist_ok=True)
    url_file.write_text(server.url)
    print(f"sandbox serving {server.url} (Ctrl-C to stop); address written to {url_file}", flush=True)

    # SIGTERM (kill, docker stop, Airflow) ends it like Ctrl-C: the address file goes.
    def stop(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        url_file.unlink(missing_ok=True)
    return 0


def _resolve_sandbox(config: Config, args) -> None:
    if not config.uses_sandbox():
        return
    url = getattr(args, "sandbox_url", None)
    url_file = config.var_dir / "sandbox" / "url"
    if not url and url_file.exists():
        url = url_file.read_text().strip()
    if url:
        config.resolve_sandbox(url)


def _forget_another_world(config: Config) -> None:
    """The demo lands whatever world its sandbox serves. When the world's shape changed since the last demo (the
    generator's version, seed, size or A/B lift; not the end date, which moves every week and only shifts times),
    the old world's records would mix with the new one's under the same ids: start the demo's landing, cursors and
    warehouse afresh, and say so."""
    import shutil

    from pulse.sandbox.world import VERSION

    sb = config["sandbox"]
    shape = f"v{VERSION}-s{sb['seed']}-m{sb['members']}-w{sb['weeks']}-ab{sb['variant_b_lift']:g}"
    marker = config.var_dir / "demo-world"
    before = marker.read_text().strip() if marker.exists() else None
    if (before or config.landing_dir.exists()) and before != shape:  # no marker: a demo older than the marker
        print(
            f"the demo world changed ({before or 'unknown'} -> {shape}): landing and warehouse start afresh"
        )
        for folder in (config.landing_dir, config.state_dir, config.warehouse_path.parent):
            shutil.rmtree(folder, ignore_errors=True)
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text(shape + "\n")


def cmd_demo(args) -> int:
    from pulse import steps

    started = time.perf_counter()
    for k, v in DEMO_ENV.items():
        os.environ.setdefault(k, v)
    config = load_config(args.config or DEMO_CONFIG)
    _forget_another_world(config)
    t = time.perf_counter()
    server = start_sandbox(config)
    server.start()
    world_seconds = round(time.perf_counter() - t, 2)
    try:
        config.resolve_sandbox(server.url)
        result = steps.run(config, args.week)
    finally:
        server.stop()
    wh = config.warehouse_path
    files = result["report"]["files"]
    print(
        f"Community Pulse demo finished in {time.perf_counter() - started:.1f} s "
        f"(world + sandbox {world_seconds} s, pipeline {result['seconds']} s)"
    )
    print(
        f"  records landed   {sum(r['records'] for r in result['ingest'])}"
        f" in {len(result['ingest'])} batches under {config.landing_dir}"
    )
    print(f"  raw rows loaded  {result['load']['records']} (quarantined {result['load']['quarantined']})")
    print(
        f"  quality gate     {'passed' if result['check'].get('passed') else 'FAILED: ' + str(result['check'])}"
    )
    print(f"  warehouse        {wh}   (duckdb {wh}  -> select * from marts.community_health_weekly)")
    print(f"  report week      {result['report']['week']}")
    for f in files:
        print(f"  report           {f.get('html')}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="pulse", description="Community Pulse: community marketing data warehouse"
    )
    p.add_argument("--config", help="config file (default: $PULSE_CONFIG or ./pulse.yml)")
    p.add_argument(
        "--sandbox-url", help="address of a running `pulse sandbox serve` (default: var/sandbox/url)"
    )
    p.add_argument("-v", "--verbose", action="store_true", help="log every page and batch")
    sub = p.add_subparsers(dest="command", required=True)

    sb = sub.add_parser("sandbox", help="the local sandbox server").add_subparsers(
        dest="sandbox_command", required=True
    )
    serve = sb.add_parser("serve", help="serve the synthetic world over each platform's API")
    serve.add_argument("--port", type=int)
    serve.add_argument("--faults", help="e.g. 429=0.05,500=0.03,slow=0.01,truncate=0.01")
    serve.add_argument("--no-rate-limits", action="store_true")

    ing = sub.add_parser("ingest", help="land sources (default: all enabled)")
    ing.add_argument("sources", nargs="*")
    ing.add_argument("--stream", action="append", dest="streams")
    for name, text in [
        ("load", "load landed batches into raw tables"),
        ("transform", "dbt build"),
        ("clv", "fit the CLV models and write member_clv, clv_model_params"),
        ("check", "run the quality gate"),
        ("publish", "publish the audited warehouse"),
    ]:
        sub.add_parser(name, help=text)
    rep = sub.add_parser("report", help="render (and --send) the weekly report")
    rep.add_argument("--week", help="YYYY-Www (default: the latest complete week)")
    rep.add_argument("--send", action="store_true")
    rep.add_argument("--force", action="store_true", help="resend even if already sent")
    run = sub.add_parser("run", help="every step in order")
    run.add_argument("--week")
    run.add_argument("--send", action="store_true")
    demo = sub.add_parser("demo", help="sandbox + every step on the embedded DuckDB warehouse")
    demo.add_argument("--week")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
        stream=sys.stderr,
    )
    try:
        if args.command == "demo":
            return cmd_demo(args)
        config = load_config(_config_path(args))
        if args.command == "sandbox":
            return cmd_sandbox_serve(config, args)
        _resolve_sandbox(config, args)
        from pulse import steps

        if args.command == "ingest":
            _print(steps.ingest(config, args.sources or None, args.streams))
        elif args.command == "load":
            _print(steps.load(config))
        elif args.command == "transform":
            _print(steps.transform(config))
        elif args.command == "clv":
            _print(steps.clv(config))
        elif args.command == "check":
            _print(steps.check(config))
        elif args.command == "publish":
            _print(steps.publish(config))
        elif args.command == "report":
            _print(steps.report(config, args.week, send=args.send, force=args.force))
        elif args.command == "run":
            _print(steps.run(config, args.week, send=args.send))
        return 0
    except ConfigError as e:
        print(f"config error: {e}", file=sys.stderr)
        return 2
    except Exception as e:  # noqa: BLE001 - the CLI's last line of defence: one clear line, then exit 1
        if args.verbose:
            raise
        print(f"error: {type(e).__name__}: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
