"""Hand-built marts with the column contract of docs/health_marts.md (and the loyalty, campaign, question and
feedback marts the report reads) in a real DuckDB file; imported by conftest.py and the report tests."""

from __future__ import annotations

import datetime as dt

import duckdb

WEEK = "2026-W47"
MONDAY = dt.date(2026, 11, 16)
SUNDAY = MONDAY + dt.timedelta(days=6)
COMMUNITIES = ("brand_cn", "brand_global", "all")
PLATFORMS = ("discourse", "discord", "shopify")

# brand_cn's last five weeks (platform 'all'), oldest first: the deltas the tests expect are computed from these
BRAND_CN = {
    "active_members": [100, 110, 120, 130, 143],
    "health_score": [60.0, 62.5, 65.0, 70.0, 72.5],
    "revenue": [100.0, 150.0, 200.0, 150.0, 200.0],
    "answered_within_24h_share": [0.5, 0.6, 0.7, 0.8, 0.75],
}
XSS_SCRIPT = "<script>alert(1)</script>"
XSS_IMG = "<img src=x onerror=alert(1)>"
PII_EMAIL = "zhang.san@example.org"
PII_PHONE = "138 0013 8000"
PII_MOBILE = "13912345678"

HEALTH_COLUMNS = {
    "week_start": "date",
    "week": "varchar",
    "community": "varchar",
    "platform": "varchar",
    "members_total": "bigint",
    "new_members": "bigint",
    "left_members": "bigint",
    "active_members": "bigint",
    "mau": "bigint",
    "stickiness": "double",
    "engagement_rate": "double",
    "contributors": "bigint",
    "new_contributors": "bigint",
    "inactive_contributors": "bigint",
    "newcomer_retention": "double",
    "casual_to_regular": "double",
    "questions": "bigint",
    "answered_within_24h_share": "double",
    "first_response_median_hours": "double",
    "first_response_p90_hours": "double",
    "feedback_posts": "bigint",
    "negative_feedback": "bigint",
    "negative_feedback_share": "double",
    "negative_resolve_median_hours": "double",
    "ugc_count": "bigint",
    "absence_factor": "bigint",
    "gravity": "double",
    "topics": "bigint",
    "posts": "bigint",
    "replies": "bigint",
    "orders": "bigint",
    "buyers": "bigint",
    "revenue": "decimal(14,2)",
    "revenue_currency": "varchar",
    "campaigns_running": "bigint",
    "campaign_participants": "bigint",
    "points_issued": "bigint",
    "points_redeemed": "bigint",
    "points_expired": "bigint",
    "tier_upgrades": "bigint",
    "tier_downgrades": "bigint",
    "health_score": "double",
    "score_activity": "double",
    "score_growth": "double",
    "score_responsiveness": "double",
    "score_sentiment": "double",
    "score_retention": "double",
}


def iso(day: dt.date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def health_row(monday: dt.date, community: str, platform: str, i: int) -> dict:
    """A deterministic row: i is the week's index (0 = 11 weeks before the report week, 11 = the report week)."""
    c = COMMUNITIES.index(community) + 1
    p = 0 if platform == "all" else PLATFORMS.index(platform) + 1
    scale = 1 if platform == "all" else 0.3 + 0.1 * p
    active = round((80 + 10 * c + 2 * i) * scale)
    row = {
        "week_start": monday,
        "week": iso(monday),
        "community": community,
        "platform": platform,
        "members_total": round((1000 * c + 15 * i) * scale),
        "new_members": round((12 + c + i % 3) * scale),
        "left_members": round((4 + (i % 4)) * scale),
        "active_members": active,
        "mau": round(active * 2.5),
        "stickiness": 0.4,
        "engagement_rate": round(active / (1000 * c + 15 * i) / scale, 4) if scale else 0,
        "contributors": round((20 + i) * scale),
        "new_contributors": 3,
        "inactive_contributors": 2 + i % 2,
        "newcomer_retention": 0.35 + 0.01 * i,
        "casual_to_regular": 0.08,
        "questions": round((20 + i) * scale),
        "answered_within_24h_share": 0.7,
        "first_response_median_hours": 3.5 + p,
        "first_response_p90_hours": 20.0 + p,
        "feedback_posts": 30 + i,
        "negative_feedback": 3 + i % 3,
        "negative_feedback_share": round((3 + i % 3) / (30 + i), 4),
        "negative_resolve_median_hours": 12.0,
        "ugc_count": 5 + i,
        "absence_factor": 4,
        "gravity": 0.12,
        "topics": 10 + i,
        "posts": 40 + 2 * i + c,
        "replies": 30 + i,
        "orders": 5 + i % 4,
        "buyers": 4 + i % 4,
        "revenue": 80.0 + 10 * i + c,
        "revenue_currency": "CNY",
        "campaigns_running": 1,
        "campaign_participants": 50 + i,
        "points_issued": 1000 + 10 * i,
        "points_redeemed": 200,
        "points_expired": 10,
        "tier_upgrades": 2,
        "tier_downgrades": 1,
        "health_score": 55.0 + i,
        "score_activity": 60.0,
        "score_growth": 50.0 + i,
        "score_responsiveness": 70.0,
        "score_sentiment": 65.0,
        "score_retention": 40.0,
    }
    if community == "brand_cn" and platform == "all":
        back = 11 - i
        for column, values in BRAND_CN.items():
            if back < len(values):
                row[column] = values[-1 - back]
    if platform == "shopify":
        row.update(
            questions=0,
            answered_within_24h_share=None,
            first_response_median_hours=None,
            first_response_p90_hours=None,
        )
    return row


def health_rows(weeks: int = 12) -> list[dict]:
    rows = []
    for i in range(weeks):
        monday = MONDAY - dt.timedelta(weeks=weeks - 1 - i)
        for community in COMMUNITIES:
            for platform in ("all", *PLATFORMS):
                rows.append(health_row(monday, community, platform, i + 12 - weeks))
    return rows


def _create(con, table: str, columns: dict[str, str], rows: list[dict]) -> None:
    con.execute(f"create table {table} ({', '.join(f'{c} {t}' for c, t in columns.items())})")
    if rows:
        names = list(columns)
        con.executemany(
            f"insert into {table} values ({', '.join('?' for _ in names)})",
            [[r.get(n) for n in names] for r in rows],
        )


def metric_rows() -> list[dict]:
    base = {
        "previous_value": None,
        "wow_change": None,
        "wow_change_pct": None,
        "baseline_4w": None,
        "vs_baseline_pct": None,
    }
    rows = [
        # the two anomalies of the report week, and rows that are not alerts
        {
            **base,
            "week_start": MONDAY,
            "community": "brand_cn",
            "platform": "all",
            "metric": "negative_feedback",
            "value": 14.0,
            "baseline_median": 4.0,
            "mad": 1.0,
            "robust_z": 6.75,
            "is_anomaly": True,
            "anomaly_direction": "burst",
            "threshold": 3.5,
        },
        {
            **base,
            "week_start": MONDAY,
            "community": "brand_global",
            "platform": "discord",
            "metric": "active_members",
            "value": 12.0,
            "baseline_median": 40.0,
            "mad": 4.0,
            "robust_z": -4.72,
            "is_anomaly": True,
            "anomaly_direction": "drop",
            "threshold": 3.5,
        },
        {
            **base,
            "week_start": MONDAY,
            "community": "brand_cn",
            "platform": "all",
            "metric": "posts",
            "value": 63.0,
            "baseline_median": 60.0,
            "mad": 3.0,
            "robust_z": 0.67,
            "is_anomaly": False,
            "anomaly_direction": None,
            "threshold": 3.5,
        },
        {
            **base,
            "week_start": MONDAY - dt.timedelta(weeks=1),
            "community": "brand_cn",
            "platform": "all",
            "metric": "orders",
            "value": 90.0,
            "baseline_median": 6.0,
            "mad": 1.0,
            "robust_z": 56.7,
            "is_anomaly": True,
            "anomaly_direction": "burst",
            "threshold": 3.5,
        },
    ]
    return rows


METRIC_COLUMNS = {
    "week_start": "date",
    "community": "varchar",
    "platform": "varchar",
    "metric": "varchar",
    "value": "double",
    "previous_value": "double",
    "wow_change": "double",
    "wow_change_pct": "double",
    "baseline_4w": "double",
    "vs_baseline_pct": "double",
    "baseline_median": "double",
    "mad": "double",
    "robust_z": "double",
    "is_anomaly": "boolean",
    "anomaly_direction": "varchar",
    "threshold": "double",
}


def cohort_rows() -> list[dict]:
    rows = []
    for community in ("brand_cn", "all"):
        for k in range(12):
            cohort = MONDAY - dt.timedelta(weeks=11 - k)
            size = 20 + k
            for since in range(0, 12 - k):
                retained = size if since == 0 else max(0, round(size * (0.6 - 0.04 * since)))
                rows.append(
                    {
                        "cohort_week": cohort,
                        "community": community,
                        "weeks_since": since,
                        "cohort_size": size,
                        "retained_members": retained,
                        "retention_rate": round(retained / size, 4),
                    }
                )
    return rows


def contributor_rows() -> list[dict]:
    handles = [
        "茶友小王",
        "leaf_lover",
        XSS_IMG,
        "discord_dan",
        "reddit_rita",
        "小红",
        "oolong42",
        "matcha_mia",
        "青青",
        "tea_tom",
        "eleventh",
    ]
    rows = []
    for community in ("brand_cn", "all"):
        for rank, handle in enumerate(handles[:10], 1):
            rows.append(
                {
                    "week_start": MONDAY,
                    "community": community,
                    "rank": rank,
                    "member_id": f"M{rank:03d}",
                    "display_handle": handle,
                    "handle_platform": "discourse" if rank % 2 else "discord",
                    "weighted_activity": 100.0 - 7 * rank,
                    "activities": 40 - 3 * rank,
                }
            )
    rows.append(
        {
            "week_start": MONDAY - dt.timedelta(weeks=1),
            "community": "brand_cn",
            "rank": 1,
            "member_id": "M999",
            "display_handle": "last_weeks_star",
            "handle_platform": "discord",
            "weighted_activity": 500.0,
            "activities": 99,
        }
    )
    return rows


def question_rows() -> list[dict]:
    rows = []
    hours_now = [0.5, 2.0, 3.0, 5.0, 20.0, 30.0, 80.0, None]  # None: unanswered
    for h in hours_now:
        rows.append(
            {
                "created_week": MONDAY,
                "community": "brand_cn",
                "platform": "discourse",
                "first_response_hours": h,
                "is_answered_within_24h": h is not None and h <= 24,
            }
        )
    for w in range(1, 5):
        for h in (1.5, 6.0, 10.0):
            rows.append(
                {
                    "created_week": MONDAY - dt.timedelta(weeks=w),
                    "community": "brand_cn",
                    "platform": "discord",
                    "first_response_hours": h,
                    "is_answered_within_24h": True,
                }
            )
    rows.append(
        {
            "created_week": MONDAY,
            "community": "brand_global",
            "platform": "reddit",
            "first_response_hours": 100.0,
            "is_answered_within_24h": False,
        }
    )
    return rows


def _at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=dt.UTC)


def feedback_rows() -> list[dict]:
    def item(key, community, created, excerpt, resolved=False, responded_hours=None, platform="discourse"):
        responded = created + dt.timedelta(hours=responded_hours) if responded_hours is not None else None
        monday = (created + dt.timedelta(hours=8)).date()
        monday -= dt.timedelta(days=monday.weekday())
        return {
            "feedback_key": key,
            "platform": platform,
            "community": community,
            "channel": "cn-feedback",
            "created_at": created,
            "created_week": monday,
            "language": "zh-CN",
            "sentiment_score": -0.6,
            "first_response_at": responded,
            "first_response_hours": responded_hours,
            "is_resolved": resolved,
            "excerpt": excerpt,
        }

    return [
        item(
            "f1@brand_cn",
            "brand_cn",
            _at(MONDAY + dt.timedelta(days=2), 3),
            f"{XSS_SCRIPT} 物流太慢了，请联系 {PII_EMAIL} 或 {PII_PHONE}",
        ),
        item(
            "f2@brand_cn",
            "brand_cn",
            _at(MONDAY + dt.timedelta(days=1), 5),
            f"{XSS_IMG} 包装破损，电话{PII_MOBILE}",
            responded_hours=4.25,
        ),
        item(
            "f3@brand_cn", "brand_cn", _at(MONDAY - dt.timedelta(days=10), 5), "已经解决的抱怨", resolved=True
        ),
        item("f4@brand_cn", "brand_cn", _at(MONDAY - dt.timedelta(weeks=6), 5), "six weeks old complaint"),
        item(
            "f5@brand_global",
            "brand_global",
            _at(MONDAY - dt.timedelta(days=3), 5),
            "Global shipping is terrible",
            platform="reddit",
        ),
    ]


FEEDBACK_COLUMNS = {
    "feedback_key": "varchar",
    "platform": "varchar",
    "community": "varchar",
    "channel": "varchar",
    "created_at": "timestamptz",
    "created_week": "date",
    "language": "varchar",
    "sentiment_score": "decimal(5,4)",
    "first_response_at": "timestamptz",
    "first_response_hours": "decimal(12,2)",
    "is_resolved": "boolean",
    "excerpt": "varchar",
}
CAMPAIGN_COLUMNS = {
    "campaign_id": "varchar",
    "campaign_name": "varchar",
    "community": "varchar",
    "channel": "varchar",
    "start_at": "timestamptz",
    "end_at": "timestamptz",
    "currency": "varchar",
    "campaign_cost": "decimal(14,2)",
    "participants": "bigint",
    "attributed_orders": "hugeint",
    "attributed_revenue": "decimal(14,2)",
    "roi": "decimal(28,4)",
    "uplift_method": "varchar",
    "incremental_revenue": "decimal(28,2)",
    "incremental_revenue_ci_low": "decimal(28,2)",
    "incremental_revenue_ci_high": "decimal(28,2)",
}


def campaign_rows() -> list[dict]:
    def c(cid, name, community, start, end, participants, orders, revenue, roi):
        return {
            "campaign_id": cid,
            "campaign_name": name,
            "community": community,
            "channel": "wechat",
            "start_at": _at(start, 0),
            "end_at": _at(end, 0),
            "currency": "CNY",
            "campaign_cost": 500,
            "participants": participants,
            "attributed_orders": orders,
            "attributed_revenue": revenue,
            "roi": roi,
            "uplift_method": "holdout: Welch t",
            "incremental_revenue": 1234.5,
            "incremental_revenue_ci_low": 100.25,
            "incremental_revenue_ci_high": 2368.75,
        }

    return [
        c(
            "cmp-run",
            "双十一会员日",
            "brand_cn",
            MONDAY - dt.timedelta(days=3),
            MONDAY + dt.timedelta(days=10),
            321,
            45,
            6789.10,
            1.5,
        ),
        c(
            "cmp-ended",
            "VIP early access",
            "brand_global",
            MONDAY - dt.timedelta(days=30),
            MONDAY - dt.timedelta(days=14),
            210,
            30,
            4321.00,
            0.25,
        ),
        c(
            "cmp-old",
            "Spring sale long ago",
            "brand_cn",
            MONDAY - dt.timedelta(days=120),
            MONDAY - dt.timedelta(days=100),
            10,
            1,
            10.00,
            -0.5,
        ),
        c(
            "cmp-future",
            "Next year launch",
            "brand_cn",
            MONDAY + dt.timedelta(days=30),
            MONDAY + dt.timedelta(days=40),
            0,
            0,
            0.00,
            None,
        ),
    ]


def tier_rows() -> list[dict]:
    rows = []
    d = dt.timedelta

    def period(member, tier, rank, start, end, change):
        rows.append(
            {
                "member_id": member,
                "tier": tier,
                "tier_rank": rank,
                "valid_from": start,
                "valid_to": end,
                "change": change,
                "is_current": end is None,
            }
        )

    for n in range(6):  # base members all along
        period(f"B{n}", "member", 1, MONDAY - d(weeks=20), None, "initial")
    for n in range(3):  # silver since long ago
        period(f"S{n}", "member", 1, MONDAY - d(weeks=20), MONDAY - d(weeks=10), "initial")
        period(f"S{n}", "silver", 2, MONDAY - d(weeks=10), None, "upgrade")
    for n in range(2):  # upgraded to gold this week
        period(f"G{n}", "member", 1, MONDAY - d(weeks=20), MONDAY + d(days=2), "initial")
        period(f"G{n}", "gold", 3, MONDAY + d(days=2), None, "upgrade")
    period("D0", "gold", 3, MONDAY - d(weeks=20), MONDAY, "initial")  # downgraded at this week's review
    period("D0", "silver", 2, MONDAY, None, "downgrade")
    period("N0", "member", 1, MONDAY + d(weeks=2), None, "initial")  # after the week: not counted
    return rows


TIER_COLUMNS = {
    "member_id": "varchar",
    "tier": "varchar",
    "tier_rank": "integer",
    "valid_from": "date",
    "valid_to": "date",
    "change": "varchar",
    "is_current": "boolean",
}


def rfm_rows() -> list[dict]:
    rows = []
    for segment, n, recent in (("champions", 4, 2), ("loyal", 3, 1), ("at_risk", 2, 0), ("lost", 5, 0)):
        for k in range(n):
            last = MONDAY + dt.timedelta(days=1) if k < recent else MONDAY - dt.timedelta(weeks=8)
            rows.append(
                {
                    "member_id": f"{segment}{k}",
                    "segment": segment,
                    "last_order_date": last,
                    "as_of_date": SUNDAY,
                }
            )
    return rows


def make_marts(path, health: list[dict] | None = None, skip: tuple[str, ...] = ()) -> None:
    """Every mart the report reads, in a DuckDB file at `path`. skip: marts to leave out (e.g. 'metrics')."""
    con = duckdb.connect(str(path))
    con.execute("create schema marts")
    _create(con, "marts.community_health_weekly", HEALTH_COLUMNS, health_rows() if health is None else health)
    if "metrics" not in skip:
        _create(con, "marts.community_health_metrics", METRIC_COLUMNS, metric_rows())
    if "cohorts" not in skip:
        _create(
            con,
            "marts.community_cohort_retention",
            {
                "cohort_week": "date",
                "community": "varchar",
                "weeks_since": "integer",
                "cohort_size": "bigint",
                "retained_members": "bigint",
                "retention_rate": "double",
            },
            cohort_rows(),
        )
    if "contributors" not in skip:
        _create(
            con,
            "marts.community_top_contributors_weekly",
            {
                "week_start": "date",
                "community": "varchar",
                "rank": "integer",
                "member_id": "varchar",
                "display_handle": "varchar",
                "handle_platform": "varchar",
                "weighted_activity": "double",
                "activities": "bigint",
            },
            contributor_rows(),
        )
    if "questions" not in skip:
        _create(
            con,
            "marts.fct_questions",
            {
                "created_week": "date",
                "community": "varchar",
                "platform": "varchar",
                "first_response_hours": "double",
                "is_answered_within_24h": "boolean",
            },
            question_rows(),
        )
    if "feedback" not in skip:
        _create(con, "marts.fct_feedback", FEEDBACK_COLUMNS, feedback_rows())
    if "campaigns" not in skip:
        _create(con, "marts.campaign_performance", CAMPAIGN_COLUMNS, campaign_rows())
    if "loyalty" not in skip:
        _create(con, "marts.member_tier_history", TIER_COLUMNS, tier_rows())
        _create(
            con,
            "marts.member_rfm",
            {"member_id": "varchar", "segment": "varchar", "last_order_date": "date", "as_of_date": "date"},
            rfm_rows(),
        )
        _create(
            con,
            "marts.member_points_balance",
            {
                "member_id": "varchar",
                "balance": "decimal(14,2)",
                "points_expiring_30d": "decimal(14,2)",
                "as_of_date": "date",
            },
            [
                {
                    "member_id": f"P{n}",
                    "balance": 100 * n,
                    "points_expiring_30d": 10 * n,
                    "as_of_date": SUNDAY,
                }
                for n in range(5)
            ],
        )
        _create(
            con,
            "marts.fct_points_ledger",
            {
                "member_id": "varchar",
                "entry_date": "date",
                "entry_type": "varchar",
                "points": "decimal(14,2)",
            },
            [
                {
                    "member_id": "P1",
                    "entry_date": MONDAY + dt.timedelta(days=1),
                    "entry_type": "earn",
                    "points": 300,
                },
                {
                    "member_id": "P2",
                    "entry_date": MONDAY + dt.timedelta(days=2),
                    "entry_type": "earn",
                    "points": 200,
                },
                {
                    "member_id": "P2",
                    "entry_date": MONDAY + dt.timedelta(days=3),
                    "entry_type": "redeem",
                    "points": -120,
                },
                {
                    "member_id": "P3",
                    "entry_date": MONDAY + dt.timedelta(days=4),
                    "entry_type": "expire",
                    "points": -30,
                },
                {
                    "member_id": "P3",
                    "entry_date": MONDAY - dt.timedelta(days=4),
                    "entry_type": "earn",
                    "points": 9999,
                },
            ],
        )
    con.close()
