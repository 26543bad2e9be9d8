"""Load and validate `pulse.yml`, the one file that describes a deployment.

Validation happens before any work starts and fails on the first problem with one line naming the key path.
`env:NAME` values are resolved here (secrets never live in the file); `sandbox:<platform>` base URLs are kept
symbolic until the sandbox's address is known (`Config.resolve_sandbox`).
"""

from __future__ import annotations

import datetime as dt
import os
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ingestion.registry import SOURCE_TYPES
from pulse.schema import (
    Bool,
    ConfigError,
    Date,
    DictOf,
    Duration,
    Email,
    Field,
    ListOf,
    Map,
    Num,
    Raw,
    Str,
    Timezone,
    Url,
)

NAME = r"[a-z][a-z0-9_]{0,39}"
NAME_HINT = "use lowercase letters, digits and _ (starting with a letter, at most 40)"
LANGUAGES = ("zh-CN", "en")
_ENV: ContextVar[dict[str, str] | None] = ContextVar("pulse_config_env", default=None)


def _check_warehouse(w: dict, path: str) -> None:
    if w["type"] == "postgres":
        missing = [k for k in ("host", "user", "dbname") if not w["postgres"].get(k)]
        if missing:
            raise ConfigError(f"{path}.postgres.{missing[0]}", "is required when type is postgres")


def _check_source(s: dict, path: str) -> None:
    kind = SOURCE_TYPES[s["type"]]
    if kind.options is not None:
        s["options"] = kind.options.clean(s["options"] or {}, f"{path}.options", _ENV.get() or {})
    elif s["options"]:
        raise ConfigError(f"{path}.options", f"{s['type']} sources take no options")
    available = kind.streams_for(s["options"])  # file drops declare their streams in options
    for i, stream in enumerate(s["streams"]):
        if stream not in available:
            raise ConfigError(
                f"{path}.streams[{i}]",
                f"{s['type']} has no stream {stream!r} (has {', '.join(available) or 'none'})",
            )
    if not s["streams"]:
        s["streams"] = list(available)
    for key in kind.credentials:
        if key not in s["credentials"]:
            raise ConfigError(f"{path}.credentials.{key}", f"is required for {s['type']} sources")
    for key in s["credentials"]:
        if key not in kind.credentials:
            raise ConfigError(
                f"{path}.credentials.{key}",
                f"unknown for {s['type']} (expected {', '.join(kind.credentials)})",
            )


def _check_smtp(s: dict, path: str) -> None:
    if s["host"] and not s["sender"]:
        raise ConfigError(f"{path}.sender", "is required when host is set")


WAREHOUSE = Map(
    {
        "type": Field(
            Str(choices=("duckdb", "postgres")),
            default="duckdb",
            doc="duckdb (embedded, default) or postgres",
        ),
        "path": Field(Str(), default="var/warehouse/pulse.duckdb", doc="published DuckDB file analysts read"),
        "memory_limit": Field(Str(pattern=r"\d+(\.\d+)?\s*[KMGT]i?B", hint="like 4GB"), default="4GB"),
        "threads": Field(
            Num(lo=1, hi=64, integer=True),
            default=2,
            doc="DuckDB's threads per query (dbt builds one model at a time on DuckDB: dbt_project/profiles.yml)",
        ),
        "postgres": Field(
            Map(
                {
                    "host": Field(Str()),
                    "port": Field(Num(lo=1, hi=65535, integer=True), default=5432),
                    "user": Field(Str()),
                    "password": Field(Str()),
                    "dbname": Field(Str()),
                }
            )
        ),
    },
    check=_check_warehouse,
)

SANDBOX = Map(
    {
        "seed": Field(Num(lo=0, integer=True), default=7),
        "members": Field(Num(lo=50, hi=5_000_000, integer=True), default=5000),
        "weeks": Field(Num(lo=2, hi=156, integer=True), default=12),
        "end_date": Field(Date(), doc="data ends the Sunday before this date; default: today"),
        "port": Field(Num(lo=0, hi=65535, integer=True), default=0, doc="0 picks a free port"),
        "rate_limit_scale": Field(
            Num(lo=0.01, hi=100000), default=1.0, doc="multiplies every platform's rate limit"
        ),
        "faults": Field(Str(env_ok=False), default="", doc="e.g. 429=0.05,500=0.03,slow=0.01,truncate=0.01"),
        "variant_b_lift": Field(
            Num(lo=0.01, hi=100),
            default=1.0,
            doc="the world's first campaign (cmp-01) is an A/B test: variant_b's order lift is this times "
            "variant_a's; its audience export names the arms when `experiments` declares cmp-01",
        ),
    }
)

COMMUNITY = Map(
    {
        "name": Field(Str(pattern=NAME, hint=NAME_HINT), required=True),
        "title": Field(Str()),
        "channels": Field(
            ListOf(
                Str(pattern=rf"{NAME}(:[\w\-\u4e00-\u9fff]+)?", hint="<source> or <source>:<channel>"),
                min_items=1,
            ),
            required=True,
        ),
    }
)

SOURCE = Map(
    {
        "name": Field(Str(pattern=NAME, hint=NAME_HINT), required=True),
        "type": Field(Str(choices=tuple(SOURCE_TYPES)), required=True),
        "base_url": Field(Url(), required=True),
        "credentials": Field(DictOf(Str()), default={}),
        "streams": Field(ListOf(Str()), doc="default: every stream of the type"),
        "start_date": Field(Date(), required=True),
        "schedule": Field(Str(), default="@hourly"),
        "lookback": Field(Duration(), doc="re-read this far behind the cursor for late edits"),
        "page_size": Field(Num(lo=1, hi=1000, integer=True)),
        "timeout_seconds": Field(Num(lo=0.1, hi=600), default=30.0),
        "max_retries": Field(Num(lo=0, hi=20, integer=True), default=6),
        "requests_per_second": Field(
            Num(lo=0.01, hi=10000), doc="client-side limit; default: the platform's"
        ),
        "enabled": Field(Bool(), default=True),
        "options": Field(Raw(), doc="type-specific settings, validated by the source type"),
    },
    check=_check_source,
)

STAKEHOLDER = Map(
    {
        "email": Field(Email(), required=True),
        "name": Field(Str()),
        "language": Field(Str(choices=LANGUAGES), default="zh-CN"),
        "communities": Field(ListOf(Str(pattern=NAME, hint=NAME_HINT)), doc="default: all"),
    }
)

SMTP = Map(
    {
        "host": Field(Str()),
        "port": Field(Num(lo=1, hi=65535, integer=True), default=587),
        "security": Field(Str(choices=("starttls", "ssl", "plain")), default="starttls"),
        "username": Field(Str()),
        "password": Field(Str()),
        "sender": Field(Email()),
        "timeout_seconds": Field(Num(lo=1, hi=300), default=30.0),
    },
    check=_check_smtp,
)

VARIANT = r"[a-z][a-z0-9_]*"
VARIANT_HINT = "a group name of the audience export, lowercase letters, digits and _"


def _check_experiment(e: dict, path: str) -> None:
    variants = e["variants"]
    if len(set(variants)) != len(variants):
        raise ConfigError(f"{path}.variants", "names a variant twice")
    for reserved in ("holdout", "treatment"):
        if reserved in variants:
            raise ConfigError(
                f"{path}.variants",
                f"{reserved!r} is not a variant: holdout is the campaign's comparison group",
            )
    if e["control"] is None:
        e["control"] = variants[0]
    elif e["control"] not in variants:
        raise ConfigError(f"{path}.control", f"{e['control']!r} is not one of the variants {variants}")


EXPERIMENT = Map(
    {
        "campaign_id": Field(Str(), required=True, doc="the campaign of the marketing calendar (file drop)"),
        "variants": Field(
            ListOf(Str(pattern=VARIANT, hint=VARIANT_HINT), min_items=2),
            required=True,
            doc="the groups of the CRM's audience export that are the test's arms",
        ),
        "control": Field(
            Str(pattern=VARIANT, hint=VARIANT_HINT),
            doc="the arm the others are compared with; default: the first variant",
        ),
    },
    check=_check_experiment,
)

TIER = Map(
    {
        "name": Field(Str(pattern=NAME, hint=NAME_HINT), required=True),
        "min_spend": Field(Num(lo=0), doc="net spend in the tier window that qualifies (any threshold met)"),
        "min_points": Field(Num(lo=0), doc="points earned in the tier window that qualify"),
        "min_engagement": Field(Num(lo=0), doc="weighted engagement score in the tier window that qualifies"),
    }
)

# The default membership program: three tiers above the base one, a year's window, reviewed each quarter.
DEFAULT_TIERS = [
    {"name": "member", "min_spend": 0.0, "min_points": None, "min_engagement": None},
    {"name": "silver", "min_spend": 500.0, "min_points": None, "min_engagement": 60.0},
    {"name": "gold", "min_spend": 2000.0, "min_points": None, "min_engagement": 200.0},
    {"name": "platinum", "min_spend": 8000.0, "min_points": None, "min_engagement": None},
]


def _check_tiers(tiers: list, path: str) -> None:
    if not tiers:
        return
    for i, t in enumerate(tiers):
        if i and all(t[k] is None for k in ("min_spend", "min_points", "min_engagement")):
            raise ConfigError(f"{path}[{i}]", "give at least one of min_spend, min_points, min_engagement")


# Activity types of fct_engagement_events and their default weights (Orbit-style "love": what a member's activity is
# worth). Reactions are listed for platforms that name the reactor; the connected APIs give counts only today.
ACTIVITY_WEIGHTS = {
    "post": 3.0,  # a new topic, submission or forum thread
    "reply": 2.0,  # a reply in a forum topic or chat thread
    "comment": 1.5,  # a Reddit comment
    "message": 1.0,  # a chat message
    "reaction": 0.5,
    "review": 3.0,  # a post in a review/showcase channel (晒单, show-and-tell)
    "review_with_photos": 5.0,  # the same with photos (买家秀)
    "share": 1.0,
    "join": 1.0,  # joined a forum, server or group
    "leave": 0.0,
    "follow": 0.5,  # followed the official account
    "unfollow": 0.0,
    "check_in": 0.5,  # daily check-in (签到)
    "event_attendance": 4.0,  # checked in at an offline event
}


# Component scores of community_health_weekly's health_score and their default weights (rules.health.weights).
HEALTH_COMPONENTS = {
    "activity": (0.25, "stickiness: 100 x WAU / MAU"),
    "growth": (0.15, "active members against the mean of the 4 weeks before: 50 flat, 100 doubled, 0 gone"),
    "responsiveness": (0.20, "share of the week's questions answered within 24 hours"),
    "sentiment": (0.20, "negative share of the week's feedback posts: 0 % scores 100, 25 % or more 0"),
    "retention": (0.20, "share of the newcomers of 4 weeks before active this week: 50 % or more scores 100"),
}


def _check_health_weights(weights: dict, path: str) -> None:
    if not any(weights.values()):
        raise ConfigError(path, "at least one component weight must be above 0")


def _check_rules(rules: dict, path: str) -> None:
    _check_tiers(rules["tiers"], f"{path}.tiers")
    for name in rules["points"]["per_activity"]:
        if name not in ACTIVITY_WEIGHTS:
            raise ConfigError(
                f"{path}.points.per_activity.{name}",
                f"not an activity type; use one of {', '.join(ACTIVITY_WEIGHTS)}",
            )
    for name in rules["activity_weights"]:
        if name not in ACTIVITY_WEIGHTS:
            raise ConfigError(
                f"{path}.activity_weights.{name}",
                f"not an activity type; use one of {', '.join(ACTIVITY_WEIGHTS)}",
            )


def _check_lifecycle(lc: dict, path: str) -> None:
    if lc["churned_after"] <= lc["active_within"]:
        raise ConfigError(f"{path}.churned_after", "must be longer than active_within (dormant lies between)")


def _check_engagement(e: dict, path: str) -> None:
    if e["leader_min_score"] < e["contributor_min_score"]:
        raise ConfigError(f"{path}.leader_min_score", "must be at least contributor_min_score")


RULES = Map(
    {
        "activity_weights": Field(
            DictOf(Num(lo=0)),
            default={},
            doc="weight per activity type of fct_engagement_events (" + ", ".join(ACTIVITY_WEIGHTS) + "); "
            "types not given keep their default",
        ),
        "tiers": Field(
            ListOf(TIER, unique_key="name"),
            default=DEFAULT_TIERS,
            doc="lowest first; the first is everyone's base tier; a member is in the highest tier any of whose "
            "thresholds they meet",
        ),
        "tier_policy": Field(
            Map(
                {
                    "window": Field(
                        Duration(), default=dt.timedelta(days=365), doc="thresholds count this far back"
                    ),
                    "review_every": Field(
                        Str(choices=("month", "quarter", "year")),
                        default="quarter",
                        doc="upgrades are immediate; downgrades happen only at these review dates",
                    ),
                    "currency": Field(
                        Str(pattern=r"[A-Z]{3}", hint="an ISO 4217 code like CNY"),
                        default="CNY",
                        doc="min_spend thresholds are in this currency",
                    ),
                    "exchange_rates": Field(
                        DictOf(Num(lo=0)),
                        default={},
                        doc="units of `currency` per unit of another currency (USD: 7.1); spend in a currency "
                        "with no rate does not count toward tiers",
                    ),
                }
            )
        ),
        "points": Field(
            Map(
                {
                    "per_currency_unit": Field(
                        Num(lo=0), default=1.0, doc="points per unit of net order value (order currency)"
                    ),
                    "per_activity": Field(
                        DictOf(Num(lo=0)),
                        default={
                            "review_with_photos": 20.0,
                            "review": 5.0,
                            "check_in": 1.0,
                            "event_attendance": 10.0,
                        },
                        doc="points per activity of fct_engagement_events",
                    ),
                    "check_in_streak_days": Field(
                        Num(lo=2, integer=True),
                        default=7,
                        doc="consecutive check-in days that earn the bonus",
                    ),
                    "check_in_streak_bonus": Field(Num(lo=0), default=10.0),
                    "expire_after": Field(
                        Duration(), default=dt.timedelta(days=365), doc="points expire this long after earned"
                    ),
                    "native_platforms": Field(
                        ListOf(Str()),
                        default=["youzan"],
                        doc="stores that keep their own points ledger: theirs is used, their orders earn no rule points",
                    ),
                }
            )
        ),
        "clv": Field(
            Map(
                {
                    "annual_discount_rate": Field(
                        Num(lo=0, hi=1), default=0.1, doc="discounts future spend in CLV"
                    ),
                    "months": Field(Num(lo=1, hi=120, integer=True), default=12, doc="CLV horizon"),
                    "min_customers": Field(
                        Num(lo=2, integer=True), default=50, doc="fewer buyers in a currency: no model for it"
                    ),
                    "min_repeat_buyers": Field(
                        Num(lo=2, integer=True),
                        default=20,
                        doc="fewer repeat buyers: no model for the currency",
                    ),
                }
            )
        ),
        "lifecycle": Field(
            Map(
                {
                    "new_within": Field(
                        Duration(), default=dt.timedelta(days=30), doc="first seen this recently: new"
                    ),
                    "active_within": Field(
                        Duration(), default=dt.timedelta(days=30), doc="active this recently: active"
                    ),
                    "churned_after": Field(
                        Duration(),
                        default=dt.timedelta(days=90),
                        doc="no activity for this long: churned (in between: dormant); coming back after such "
                        "a gap: reactivated",
                    ),
                },
                check=_check_lifecycle,
            )
        ),
        "engagement": Field(
            Map(
                {
                    "window": Field(
                        Duration(),
                        default=dt.timedelta(days=90),
                        doc="engagement level and KOL/KOC look back",
                    ),
                    "contributor_min_score": Field(
                        Num(lo=0), default=10.0, doc="weighted score in the window that makes a contributor"
                    ),
                    "leader_min_score": Field(
                        Num(lo=0), default=50.0, doc="weighted score in the window that makes a leader..."
                    ),
                    "leader_min_weeks": Field(
                        Num(lo=1, integer=True), default=4, doc="...when active in at least this many weeks"
                    ),
                    "kol_min_repliers": Field(
                        Num(lo=1, integer=True),
                        default=5,
                        doc="KOL: distinct members who replied to the member's content in the window",
                    ),
                    "koc_min_reviews": Field(
                        Num(lo=1, integer=True),
                        default=2,
                        doc="KOC: a buyer with at least this many reviews/shares (晒单) in the window",
                    ),
                },
                check=_check_engagement,
            )
        ),
        "health": Field(
            Map(
                {
                    "weights": Field(
                        Map(
                            {
                                name: Field(Num(lo=0), default=weight, doc=doc)
                                for name, (weight, doc) in HEALTH_COMPONENTS.items()
                            },
                            check=_check_health_weights,
                        ),
                        doc="weight of each component score in health_score (re-weighted over the components "
                        "with data); relative, they need not add up to 1",
                    ),
                    "anomaly_threshold": Field(
                        Num(lo=0.5, hi=20),
                        default=3.5,
                        doc="community_health_metrics flags a week whose robust z (0.6745 x (value - median) / "
                        "MAD over the 12 weeks before) is beyond this (Iglewicz & Hoaglin: 3.5)",
                    ),
                    "anomaly_min_weeks": Field(
                        Num(lo=3, hi=12, integer=True),
                        default=6,
                        doc="weeks of history (of the 12 before) a metric needs before it can be flagged",
                    ),
                }
            ),
        ),
        "bot_usernames": Field(ListOf(Str()), default=["system", "discobot"]),
        "identity": Field(
            Map(
                {
                    "exclusions": Field(
                        ListOf(Str()),
                        default=[],
                        doc="emails and phones that must never merge people (noreply, shared shop phones, test "
                        "accounts); written in clear here, hashed before they reach the warehouse",
                    ),
                    "max_accounts_per_identifier": Field(
                        Num(lo=2),
                        default=20,
                        doc="an email/phone/unionid on more accounts than this is a shared one, not a person's",
                    ),
                }
            )
        ),
    },
    check=_check_rules,
)

CRON = r"(@(hourly|daily|weekly|monthly|yearly|once|continuous))|(\S+(\s+\S+){4})"
CRON_HINT = "a cron expression like '0 9 * * 1' or a preset like @hourly, @daily"


def _check_drift(d: dict, path: str) -> None:
    if d["min"] >= d["max"]:
        raise ConfigError(f"{path}.min", "must be below max")


# Airflow (dags/): schedules are in the business time zone (`timezone`); sources keep their own `schedule`.
ORCHESTRATION = Map(
    {
        "owner": Field(Str(), default="data-engineering", doc="owner of every DAG (shown in the Airflow UI)"),
        "alert_emails": Field(
            ListOf(Email()),
            default=[],
            doc="data engineers: failure alerts and 'report delayed' alerts (Airflow SmtpNotifier)",
        ),
        "smtp_conn_id": Field(
            Str(env_ok=False), default="smtp_default", doc="Airflow connection the alerts are sent through"
        ),
        "report_schedule": Field(
            Str(pattern=CRON, hint=CRON_HINT, env_ok=False),
            default="0 9 * * 1",
            doc="weekly_report: Monday 09:00 in the business time zone",
        ),
        "maintenance_schedule": Field(
            Str(pattern=CRON, hint=CRON_HINT, env_ok=False),
            default="30 3 * * *",
            doc="maintenance: retention",
        ),
        "retries": Field(Num(lo=0, hi=20, integer=True), default=3, doc="task retries (exponential backoff)"),
        "retry_delay": Field(Duration(), default=dt.timedelta(minutes=2), doc="first retry after this long"),
        "max_retry_delay": Field(Duration(), default=dt.timedelta(hours=1), doc="backoff never waits longer"),
        "warehouse_pool": Field(
            Str(pattern=r"[A-Za-z0-9_.-]+", hint="an Airflow pool name", env_ok=False),
            default="pulse_warehouse",
            doc="the one-slot Airflow pool every task that opens the warehouse runs in (DuckDB: one writer)",
        ),
    }
)

RETENTION = Map(
    {
        "landing": Field(
            Duration(),
            default=dt.timedelta(days=90),
            doc="landing batches already loaded into raw tables are deleted after this long",
        ),
        "reports": Field(
            Duration(),
            default=dt.timedelta(weeks=104),
            doc="archived report weeks older than this are deleted",
        ),
    }
)

QUALITY = Map(
    {
        "max_duplicate_rate": Field(
            Num(lo=0, hi=1), default=0.01, doc="raw: share of rows that repeat a stored version of a record"
        ),
        "revenue_tolerance": Field(
            Num(lo=0, hi=1), default=0.005, doc="marts revenue vs raw orders: relative difference allowed"
        ),
        "row_count_drift": Field(
            Map(
                {
                    "min": Field(
                        Num(lo=-1, hi=0), default=-0.5, doc="rows of the last week vs the one before"
                    ),
                    "max": Field(Num(lo=0), default=1.0),
                },
                check=_check_drift,
            ),
            doc="week-over-week change of fact rows outside these bounds is a warning",
        ),
        "raw_sample_rows": Field(
            Num(lo=1, integer=True),
            default=100_000,
            doc="raw: rows per table the record checks read (a table with more is sampled, the same rows each run)",
        ),
    }
)


TOP = Map(
    {
        "warehouse": Field(WAREHOUSE),
        "var_dir": Field(Str(), default="var", doc="every artefact lives under it unless given elsewhere"),
        "landing_dir": Field(Str(), doc="default: <var_dir>/landing"),
        "reports_dir": Field(Str(), doc="default: <var_dir>/reports"),
        "timezone": Field(Timezone(), default="Asia/Shanghai"),
        "hash_salt": Field(Str(), required=True, doc="salt for contact hashes; give it as env:VAR"),
        "default_phone_region": Field(
            Str(pattern=r"[A-Z]{2}", hint="an ISO country code like CN"), default="CN"
        ),
        "sandbox": Field(SANDBOX),
        "communities": Field(ListOf(COMMUNITY, min_items=1, unique_key="name"), required=True),
        "sources": Field(ListOf(SOURCE, min_items=1, unique_key="name"), required=True),
        "stakeholders": Field(ListOf(STAKEHOLDER)),
        "smtp": Field(SMTP),
        "rules": Field(RULES),
        "experiments": Field(
            ListOf(EXPERIMENT, unique_key="campaign_id"),
            default=[],
            doc="A/B tests: campaigns whose audience export splits the treatment into variants",
        ),
        "orchestration": Field(ORCHESTRATION),
        "retention": Field(RETENTION),
        "quality": Field(QUALITY),
    }
)


@dataclass
class Config:
    """A validated configuration. Paths are absolute, resolved against the config file's folder."""

    data: dict[str, Any]
    file: Path
    root: Path

    def __getitem__(self, key: str) -> Any:
        return self.data[key]

    @property
    def var_dir(self) -> Path:
        return self._path(self.data["var_dir"])

    @property
    def landing_dir(self) -> Path:
        return self._path(self.data["landing_dir"]) if self.data["landing_dir"] else self.var_dir / "landing"

    @property
    def reports_dir(self) -> Path:
        return self._path(self.data["reports_dir"]) if self.data["reports_dir"] else self.var_dir / "reports"

    @property
    def state_dir(self) -> Path:
        return self.var_dir / "state"

    @property
    def warehouse_path(self) -> Path:
        """The published DuckDB file (what analysts and the report read)."""
        return self._path(self.data["warehouse"]["path"])

    def _path(self, value: str) -> Path:
        p = Path(value)
        return (p if p.is_absolute() else (self.root / p)).resolve()

    def source(self, name: str) -> dict:
        for s in self.data["sources"]:
            if s["name"] == name:
                return s
        raise KeyError(f"no source named {name!r} in {self.file} (have {', '.join(self.source_names())})")

    def source_names(self) -> list[str]:
        return [s["name"] for s in self.data["sources"] if s["enabled"]]

    def uses_sandbox(self) -> bool:
        return any(str(s["base_url"]).startswith("sandbox:") for s in self.data["sources"])

    def resolve_sandbox(self, sandbox_url: str) -> None:
        """Point every `sandbox:<platform>` base URL at the running sandbox server, and `sandbox:files` at the
        folder where the sandbox writes its file drops (`sandbox_drops_dir`)."""
        for s in self.data["sources"]:
            if str(s["base_url"]) == "sandbox:files":
                s["base_url"] = self.sandbox_drops_dir.resolve().as_uri()
            elif str(s["base_url"]).startswith("sandbox:"):
                s["base_url"] = f"{sandbox_url.rstrip('/')}/{s['base_url'].split(':', 1)[1]}"

    @property
    def sandbox_drops_dir(self) -> Path:
        """Where the sandbox writes the file drops a `sandbox:files` source reads."""
        return self.var_dir / "sandbox" / "drops"

    def uses_sandbox_files(self) -> bool:
        return any(str(s["base_url"]) == "sandbox:files" for s in self.data["sources"])

    def channel_map(self) -> list[tuple[str, str | None, str]]:
        """(source, channel or None for the whole source, community) rows, as raw._channels stores them."""
        rows = []
        for c in self.data["communities"]:
            for ch in c["channels"]:
                source, _, channel = ch.partition(":")
                rows.append((source, channel or None, c["name"]))
        return rows


def _check_cross_references(data: dict) -> None:
    sources = {s["name"] for s in data["sources"]}
    communities = {c["name"] for c in data["communities"]}
    for ci, c in enumerate(data["communities"]):
        for i, ch in enumerate(c["channels"]):
            if ch.split(":", 1)[0] not in sources:
                raise ConfigError(
                    f"communities[{ci}].channels[{i}]", f"no source named {ch.split(':', 1)[0]!r}"
                )
    for si, s in enumerate(data["stakeholders"]):
        for i, name in enumerate(s["communities"] or []):
            if name not in communities:
                raise ConfigError(f"stakeholders[{si}].communities[{i}]", f"no community named {name!r}")
        if not s["communities"]:
            s["communities"] = sorted(communities)


def load_config(path: str | Path, environ: dict[str, str] | None = None) -> Config:
    """Read and validate a config file; raise ConfigError naming the first wrong key."""
    path = Path(path).resolve()
    env = dict(os.environ if environ is None else environ)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(
            "(file)", "not found; copy pulse.example.yml to pulse.yml to start", str(path)
        ) from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "(file)"
        raise ConfigError(where, f"not valid YAML: {getattr(e, 'problem', e)}", str(path)) from None
    token = _ENV.set(env)
    try:
        data = TOP.clean(raw, "", env)
        _check_cross_references(data)
    except ConfigError as e:
        raise ConfigError(e.path, e.problem, str(path)) from None
    finally:
        _ENV.reset(token)
    return Config(data=data, file=path, root=path.parent)


def dag_plan(path: str | Path | None = None) -> dict[str, Any]:
    """What the Airflow DAG files need when they are parsed, read from the config file alone: no secret is
    resolved (the DAG processor needs none), no connector runs. The file is `path`, else `$PULSE_CONFIG`, else
    `./pulse.yml`. Returns {"file", "timezone", "sources": [{"name", "type", "schedule"}] (enabled ones),
    "orchestration": the validated `orchestration` block}. Tasks load the whole config with `load_config`."""
    path = Path(path or os.environ.get("PULSE_CONFIG") or "pulse.yml").resolve()
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        raise ConfigError(
            "(file)",
            "not found; set PULSE_CONFIG to the deployment's pulse.yml (demo: demo/pulse.yml)",
            str(path),
        ) from None
    env = dict(os.environ)
    name = Str(pattern=NAME, hint=NAME_HINT, env_ok=False)
    schedule = Str(pattern=CRON, hint=CRON_HINT, env_ok=False)
    try:
        if not isinstance(raw, dict):
            raise ConfigError("(top level)", f"expected a mapping, got {type(raw).__name__}")
        sources = []
        for i, s in enumerate(raw.get("sources") or []):
            if not isinstance(s, dict):
                raise ConfigError(f"sources[{i}]", "expected a mapping")
            if s.get("enabled") is False:
                continue
            sources.append(
                {
                    "name": name.clean(s.get("name"), f"sources[{i}].name", env),
                    "type": str(s.get("type")),
                    "schedule": schedule.clean(s.get("schedule") or "@hourly", f"sources[{i}].schedule", env),
                }
            )
        return {
            "file": path,
            "timezone": Timezone().clean(raw.get("timezone") or "Asia/Shanghai", "timezone", env),
            "sources": sources,
            "orchestration": ORCHESTRATION.clean(raw.get("orchestration"), "orchestration", env),
        }
    except ConfigError as e:
        raise ConfigError(e.path, e.problem, str(path)) from None
