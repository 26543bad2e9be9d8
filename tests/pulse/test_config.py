"""Config validation: every problem is one line naming the key path, before any work starts."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from ingestion.registry import SOURCE_TYPES
from pulse.config import load_config
from pulse.schema import ConfigError, Secret

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "pulse.example.yml"
ENV = {
    "PULSE_HASH_SALT": "s",
    "DISCOURSE_API_KEY": "k",
    "SHOPIFY_ACCESS_TOKEN": "t",
    **{
        name: "x"
        for name in (
            "REDDIT_CLIENT_ID REDDIT_CLIENT_SECRET DISCORD_BOT_TOKEN WECOM_CORP_ID WECOM_CORP_SECRET "
            "WECHAT_MP_APP_ID WECHAT_MP_APP_SECRET WOO_CONSUMER_KEY WOO_CONSUMER_SECRET YOUZAN_CLIENT_ID "
            "YOUZAN_CLIENT_SECRET YOUZAN_GRANT_ID"
        ).split()
    },
    "PULSE_SMTP_HOST": "localhost",
    "PULSE_SMTP_USER": "u",
    "PULSE_SMTP_PASSWORD": "p",
}


def write(tmp_path: Path, mutate) -> Path:
    data = yaml.safe_load(EXAMPLE.read_text())
    mutate(data)
    path = tmp_path / "pulse.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    return path


def test_example_and_demo_configs_are_valid():
    cfg = load_config(EXAMPLE, ENV)
    assert cfg["timezone"] == "Asia/Shanghai"
    assert cfg.source("shop")["credentials"]["access_token"] == "t"
    # one example per source type, each valid against its type's own options
    assert {s["type"] for s in cfg["sources"]} == set(SOURCE_TYPES)
    assert cfg.source("drops")["options"]["streams"]["pos_orders"]["columns"]["amount"]["type"] == "decimal"
    assert isinstance(cfg["hash_salt"], Secret) and "s" not in repr(cfg["hash_salt"])
    assert ("forum", "zh-qa", "brand_cn") in cfg.channel_map()
    assert cfg["stakeholders"][1]["communities"] == ["brand_cn", "brand_global"]  # omitted = all
    from pulse.cli import DEMO_ENV

    demo = load_config(REPO / "demo" / "pulse.yml", dict(DEMO_ENV))
    assert demo.uses_sandbox()
    assert {s["type"] for s in demo["sources"]} == set(SOURCE_TYPES)  # the demo lands every platform


def test_experiments_reach_dbt_with_their_control(tmp_path):
    """The control defaults to the first variant; pulse.steps passes the tests to dbt as they are validated."""
    from pulse.steps import _dbt_vars

    def second_test(d):
        d["experiments"].append({"campaign_id": "cmp-2026-11", "variants": ["short", "long", "video"]})

    cfg = load_config(write(tmp_path, second_test), ENV)
    assert _dbt_vars(cfg)["experiments"] == [
        {"campaign_id": "cmp-2026-618", "variants": ["coupon_20", "free_gift"], "control": "coupon_20"},
        {"campaign_id": "cmp-2026-11", "variants": ["short", "long", "video"], "control": "short"},
    ]


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d.update(colour="blue"), "colour: unknown key"),
        (lambda d: d["sources"][1].update(base_url="shop.example.com"), "sources[1].base_url: not a URL"),
        (
            lambda d: d["sources"][0]["credentials"].update(api_key="env:NOPE_NOT_SET"),
            "sources[0].credentials.api_key: env var NOPE_NOT_SET is not set",
        ),
        (lambda d: d["sources"][0].update(type="myspace"), "sources[0].type: 'myspace' is not one of"),
        (
            lambda d: d["sources"][0].update(streams=["posts", "likes"]),
            "sources[0].streams[1]: discourse has no stream 'likes'",
        ),
        (lambda d: d["sources"][1].update(name="forum"), "sources[1].name: 'forum' repeats sources[0]"),
        (lambda d: d.update(timezone="Mars/Olympus"), "timezone: unknown time zone"),
        (
            lambda d: d["stakeholders"][0].update(language="fr"),
            "stakeholders[0].language: 'fr' is not one of",
        ),
        (
            lambda d: d["stakeholders"][0].update(email="nobody"),
            "stakeholders[0].email: not an email address",
        ),
        (
            lambda d: d["communities"][0]["channels"].append("blog"),
            "communities[0].channels[3]: no source named 'blog'",
        ),
        (lambda d: d["sources"][0].update(lookback="3 days"), "sources[0].lookback: not a duration"),
        (
            lambda d: d["warehouse"].update(type="postgres"),
            "warehouse.postgres.host: is required when type is postgres",
        ),
        (lambda d: d.pop("sources"), "sources: is required"),
        (
            lambda d: d["experiments"][0].update(control="email_only"),
            "experiments[0].control: 'email_only' is not one of the variants",
        ),
        (
            lambda d: d["experiments"][0].update(variants=["holdout", "free_gift"]),
            "experiments[0].variants: 'holdout' is not a variant",
        ),
        (
            lambda d: d["experiments"][0].update(variants=["coupon_20"]),
            "experiments[0].variants: needs at least 2",
        ),
        (
            lambda d: d["experiments"][0].update(variants=["coupon_20", "Free Gift"]),
            "experiments[0].variants[1]:",
        ),
        (
            lambda d: d["experiments"].append(dict(d["experiments"][0])),
            "experiments[1].campaign_id: 'cmp-2026-618' repeats experiments[0]",
        ),
    ],
)
def test_each_problem_names_its_key(tmp_path, mutate, message):
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path, mutate), ENV)
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_invalid_yaml_names_the_line(tmp_path):
    path = tmp_path / "pulse.yml"
    path.write_text("sources:\n  - name: [unclosed\n")
    with pytest.raises(ConfigError, match="line"):
        load_config(path, ENV)


def test_cli_rejects_a_broken_config_fast_with_one_line(tmp_path):
    path = write(tmp_path, lambda d: d["sources"][1].update(base_url="not-a-url"))
    env = {"PATH": "/usr/bin:/bin", **ENV}
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "pulse.cli", "--config", str(path), "ingest"],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
    )
    elapsed = time.perf_counter() - started
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "sources[1].base_url: not a URL" in lines[0], proc.stderr
    assert elapsed < 3.0  # the requirement is < 1 s; measured in the issue note, loose here against CI noise


def test_the_demos_file_drops_are_the_ones_the_sandbox_writes():
    """demo/pulse.yml declares its `drops` streams by hand (as a user would): they must stay what the sandbox
    writes (pulse.sandbox.filedrops.DROP_OPTIONS), or the demo lands files nobody reads."""
    from pulse.cli import DEMO_ENV
    from pulse.sandbox.filedrops import DROP_OPTIONS

    config = load_config(REPO / "demo" / "pulse.yml", environ={**os.environ, **DEMO_ENV})
    (drops,) = [s for s in config["sources"] if s["type"] == "files"]
    assert drops["options"] == SOURCE_TYPES["files"].options.clean(DROP_OPTIONS, "drops", {})
