"""Health marts on a world landed by the real connectors: community_health_weekly, community_health_metrics,
community_cohort_retention and community_top_contributors_weekly checked against the same definitions worked out
here in pandas from the marts they are built on (fct_engagement_events, fct_questions, fct_feedback,
int_orders_unified, fct_points_ledger, member_tier_history); other health weights and anomaly settings reach the
SQL through rules.health; Postgres builds the same rows as DuckDB."""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from decimal import Decimal

import duckdb
import numpy as np
import pandas as pd
import pytest
from dbt_helpers import BUILD_VARS
from parity import FLOAT_RATIOS, Tolerance, assert_same_rows
from sandbox_raw import build_duckdb, copy_of, rows

from pulse.config import HEALTH_COMPONENTS, RULES
from pulse.schema import ConfigError
from pulse.steps import rule_vars

PASSIVE = {"join", "leave", "follow", "unfollow"}
CONTRIBUTION = {"post", "reply", "comment", "message", "review", "review_with_photos", "share"}
EXIT = {"leave", "unfollow"}
WEEK = dt.timedelta(days=7)
# other weights and a short history, so that the 4-week sandbox world has z-scores
OTHER_HEALTH = {
    "weights": {"activity": 0.0, "growth": 0.0, "responsiveness": 1.0, "sentiment": 3.0, "retention": 0.0},
    "anomaly_threshold": 1.5,
    "anomaly_min_weeks": 3,
}


@pytest.fixture(scope="module")
def built(sandbox_built):
    """The session's build of the whole project on the sandbox world (tests/dbt/conftest.py)."""
    return sandbox_built


@pytest.fixture(scope="module")
def other(built, tmp_path_factory):
    """The health marts rebuilt over the same data with OTHER_HEALTH."""
    work = tmp_path_factory.mktemp("health-other")
    path = copy_of(built.duck_path, work / "other.duckdb")
    run = build_duckdb(
        path, ["--select", "community_health_weekly+", "--resource-type", "model"], work, health=OTHER_HEALTH
    )
    assert run.returncode == 0, run.stdout[-5000:]
    return path


def _connect(path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(path), read_only=True)
    con.execute("set TimeZone = 'UTC'")
    return con


def _df(con, sql: str) -> pd.DataFrame:
    return pd.DataFrame(rows(con, sql))


def _num(v) -> float | None:
    return None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)


def _close(got, want, tol: float) -> bool:
    got, want = _num(got), _num(want)
    if got is None or want is None:
        return got is None and want is None
    return abs(got - want) <= tol


def _day(v) -> dt.date:
    return v.date() if isinstance(v, dt.datetime) else v


def _rollups(community, platform):
    keys = [("all", platform), ("all", "all")]
    if community is not None:
        keys += [(community, platform), (community, "all")]
    return keys


def _weekly(con) -> dict[tuple, dict]:
    return {
        (_day(r["week_start"]), r["community"], r["platform"]): r
        for r in rows(con, "select * from marts.community_health_weekly")
    }


def _member_truth(con, weeks: list[dt.date]) -> dict[tuple, dict]:
    """The member metrics of every (week, community, platform), from fct_engagement_events, in plain Python."""
    events = rows(
        con,
        """select member_id, community, platform, week_start, occurred_at, activity_type, weight
           from marts.fct_engagement_events where is_community_activity and member_id is not null""",
    )
    # (community, platform) -> member -> week -> counters
    weekly = defaultdict(lambda: defaultdict(lambda: defaultdict(lambda: defaultdict(float))))
    # per platform-level key: member -> week -> (last stay, last exit)
    times = defaultdict(lambda: defaultdict(lambda: defaultdict(lambda: [None, None])))
    for e in events:
        week = _day(e["week_start"])
        for key in _rollups(e["community"], e["platform"]):
            w = weekly[key][e["member_id"]][week]
            w["activities"] += e["activity_type"] not in PASSIVE
            w["contributions"] += e["activity_type"] in CONTRIBUTION
            w["ugc"] += e["activity_type"] in ("review", "review_with_photos", "share")
            w["weighted"] += float(e["weight"])
            w["any"] = 1
            if key[1] != "all":
                t = times[key][e["member_id"]][week]
                i = 1 if e["activity_type"] in EXIT else 0
                t[i] = e["occurred_at"] if t[i] is None else max(t[i], e["occurred_at"])
    # membership: in a platform at a week's end unless the week's last event there was an exit; 'all': any platform
    state = defaultdict(dict)  # (community, platform, member) -> {week: in?} at weeks with events
    for key, members in times.items():
        for member, by_week in members.items():
            for week, (stay, ex) in by_week.items():
                state[(*key, member)][week] = stay is not None and (ex is None or stay >= ex)
    every_week = sorted({w for m in weekly.values() for by in m.values() for w in by} | set(weeks))

    def in_at(key_member, week):
        past = [w for w in state[key_member] if w <= week]
        return bool(past) and state[key_member][max(past)]

    platforms_of = defaultdict(set)
    for community, platform, member in state:
        platforms_of[(community, member)].add(platform)

    truth = {}
    for key, members in weekly.items():
        community, platform = key
        for week in weeks:
            t = defaultdict(float)
            shares = []
            for member, by_week in members.items():
                first = min(by_week)
                contrib_weeks = sorted(w for w, c in by_week.items() if c["contributions"] > 0)
                active_weeks = {w for w, c in by_week.items() if c["activities"] > 0}
                c = by_week.get(week)
                if c and c["activities"] > 0:
                    t["active_members"] += 1
                    shares.append(c["activities"])
                if c and c["contributions"] > 0:
                    t["contributors"] += 1
                if c:
                    t["ugc_count"] += c["ugc"]
                    t["weighted_activity"] += c["weighted"]
                prev = by_week.get(week - WEEK)
                t["previous_weighted"] += prev["weighted"] if prev else 0
                t["new_members"] += first == week
                t["new_contributors"] += bool(contrib_weeks) and contrib_weeks[0] == week
                t["inactive_contributors"] += any(
                    cw + 4 * WEEK == week and not any(cw < o <= week for o in contrib_weeks)
                    for cw in contrib_weeks
                )
                now = sum(week - k * WEEK in active_weeks for k in range(4))
                before = sum(week - k * WEEK in active_weeks for k in range(4, 8))
                t["mau"] += now > 0
                if first == week - 4 * WEEK:
                    t["newcomers"] += 1
                    t["newcomers_retained"] += week in active_weeks
                if before in (1, 2):
                    t["casual"] += 1
                    t["casual_converted"] += now >= 3
                # membership at the end of the week and of the week before
                if platform == "all":
                    ins = [
                        any(in_at((community, p, member), w) for p in platforms_of[(community, member)])
                        for w in (week - WEEK, week)
                    ]
                else:
                    ins = [in_at((community, platform, member), w) for w in (week - WEEK, week)]
                t["members_total"] += ins[1]
                t["left_members"] += ins[0] and not ins[1] and c is not None
            shares.sort(reverse=True)
            total, running, factor = sum(shares), 0, 0
            for s in shares:
                if 2 * running >= total:
                    break
                running += s
                factor += 1
            t["absence_factor"] = factor if shares else None
            truth[(week, community, platform)] = dict(t)
    assert every_week
    return truth


def test_weekly_member_metrics_match_the_events(built):
    con = _connect(built.duck_path)
    mart = _weekly(con)
    weeks = sorted({k[0] for k in mart})
    truth = _member_truth(con, weeks)
    con.close()
    assert len(weeks) >= 4 and all((b - a) == WEEK for a, b in zip(weeks, weeks[1:], strict=False))
    assert {(c, p) for _, c, p in mart} >= {(c, p) for _, c, p in truth}
    counts = (
        "active_members",
        "contributors",
        "new_members",
        "new_contributors",
        "inactive_contributors",
        "ugc_count",
        "mau",
        "members_total",
        "left_members",
        "absence_factor",
    )
    checked = 0
    for key, row in mart.items():
        t = truth.get(key, {})
        for col in counts:
            want = t.get(col, 0) if col != "absence_factor" else t.get(col)
            assert _close(row[col], want, 0), (key, col, row[col], want)
        assert _close(row["weighted_activity"], t.get("weighted_activity", 0), 0.005), key
        nc = t.get("newcomers", 0)
        assert _close(row["newcomer_retention"], t["newcomers_retained"] / nc if nc else None, 5e-5), key
        cs = t.get("casual", 0)
        assert _close(row["casual_to_regular"], t["casual_converted"] / cs if cs else None, 5e-5), key
        mt = t.get("members_total", 0)
        assert _close(row["engagement_rate"], t.get("active_members", 0) / mt if mt else None, 5e-5), key
        if key[0] != weeks[0]:
            gravity = (t.get("weighted_activity", 0) - t.get("previous_weighted", 0)) / mt if mt else None
            assert _close(row["gravity"], gravity, 5e-5), key
        if key[0] >= weeks[3]:
            mau = t.get("mau", 0)
            assert _close(row["stickiness"], t.get("active_members", 0) / mau if mau else None, 5e-5), key
        else:
            assert row["stickiness"] is None, key
        checked += 1
    everyone = [r for k, r in mart.items() if k[1:] == ("all", "all")]
    print(
        f"\n{checked} rows; all/all per week: active {[r['active_members'] for r in everyone]}, "
        f"members {[r['members_total'] for r in everyone]}, absence factor {[r['absence_factor'] for r in everyone]}"
    )
    assert sum(r["active_members"] for r in everyone) > 0 and sum(r["new_members"] for r in everyone) > 0
    assert any(r["absence_factor"] for r in everyone)


def test_weekly_questions_feedback_orders_and_loyalty_match_their_marts(built):
    con = _connect(built.duck_path)
    mart = _weekly(con)
    questions = _df(con, "select * from marts.fct_questions where not asker_is_staff")
    negative = _df(con, "select * from marts.fct_feedback")
    sources = dict(
        con.execute(
            "select source_name, community from intermediate.int_channels_mapped where channel_key = source_name || ':*'"
        ).fetchall()
    )
    orders = _df(con, "select * from intermediate.int_orders_unified where is_counted")
    ledger = _df(con, "select * from marts.fct_points_ledger")
    tiers = _df(con, "select * from marts.member_tier_history where change <> 'initial'")
    con.close()
    weeks = sorted({k[0] for k in mart})
    first, last = weeks[0], weeks[-1]

    q = defaultdict(list)
    for r in questions.itertuples():
        for key in _rollups(r.community, r.platform):
            q[(_day(r.created_week), *key)].append(r)
    for key, row in mart.items():
        qs = q.get(key, [])
        assert row["questions"] == len(qs), key
        within = sum(bool(x.is_answered_within_24h) for x in qs)
        assert _close(row["answered_within_24h_share"], within / len(qs) if qs else None, 5e-5), key
        hours = [x.first_response_hours for x in qs if _num(x.first_response_hours) is not None]
        for col, pct in (("first_response_median_hours", 50), ("first_response_p90_hours", 90)):
            want = float(np.percentile(hours, pct)) if hours else None
            assert _close(row[col], want, 0.005 + 1e-9), (key, col)

    neg = defaultdict(set)
    for r in negative.itertuples():
        for key in _rollups(r.community if isinstance(r.community, str) else None, r.platform):
            neg[(_day(r.created_week), *key)].add(r.item_key)
    for key, row in mart.items():
        assert row["negative_feedback"] == len(neg.get(key, ())), key
        assert row["feedback_posts"] >= row["negative_feedback"], key
    assert sum(r["negative_feedback"] for k, r in mart.items() if k[1:] == ("all", "all")) == len(
        negative.item_key.unique()
    )

    o = defaultdict(list)
    for r in orders.itertuples():
        local = r.ordered_at.tz_convert("Asia/Shanghai").date()
        week = local - dt.timedelta(days=local.weekday())
        for key in _rollups(sources.get(r.source_name), r.platform):
            o[(week, *key)].append(r)
    for key, row in mart.items():
        os_ = o.get(key, [])
        assert row["orders"] == len(os_), key
        assert row["buyers"] == len(
            {x.member_id if isinstance(x.member_id, str) else x.order_ref for x in os_}
        ), key
        currencies = {x.currency for x in os_}
        if len(currencies) > 1:
            assert row["revenue"] is None and row["revenue_currency"] == "mixed", key
        else:
            assert row["revenue"] == sum((Decimal(str(x.net_amount)) for x in os_), Decimal("0")), key
            assert row["revenue_currency"] == (currencies.pop() if currencies else None), key
    in_range = [
        r
        for r in orders.itertuples()
        if first <= r.ordered_at.tz_convert("Asia/Shanghai").date() < last + WEEK
    ]
    assert sum(r["orders"] for k, r in mart.items() if k[1:] == ("all", "all")) == len(in_range) > 0

    everyone = {k[0]: r for k, r in mart.items() if k[1:] == ("all", "all")}
    for week, row in everyone.items():
        days = ledger[(ledger.entry_date >= week) & (ledger.entry_date < week + WEEK)]
        assert row["points_issued"] == Decimal(str(days[days.entry_type == "earn"].points.sum())), week
        assert row["points_redeemed"] == -Decimal(str(days[days.entry_type == "redeem"].points.sum())), week
        assert row["points_expired"] == -Decimal(str(days[days.entry_type == "expire"].points.sum())), week
        changes = tiers[(tiers.valid_from >= week) & (tiers.valid_from < week + WEEK)]
        assert row["tier_upgrades"] == (changes.change == "upgrade").sum(), week
        assert row["tier_downgrades"] == (changes.change == "downgrade").sum(), week
    assert sum(r["points_issued"] for r in everyone.values()) > 0
    assert all(r["tier_upgrades"] is None for k, r in mart.items() if k[2] != "all")


def test_health_score_reweights_the_components_with_the_configured_weights(built, other):
    for path, weights in (
        (built.duck_path, BUILD_VARS["health"]["weights"]),
        (other, OTHER_HEALTH["weights"]),
    ):
        con = _connect(path)
        mart = rows(con, "select * from marts.community_health_weekly")
        con.close()
        scored = 0
        for r in mart:
            parts = [(weights[c], r[f"score_{c}"]) for c in HEALTH_COMPONENTS if r[f"score_{c}"] is not None]
            norm = sum(w for w, _ in parts)
            want = sum(w * float(s) for w, s in parts) / norm if norm else None
            assert _close(r["health_score"], want, 0.1), r  # components are rounded to 1 decimal
            for c in HEALTH_COMPONENTS:
                assert r[f"score_{c}"] is None or 0 <= r[f"score_{c}"] <= 100, r
            scored += want is not None
        assert scored > 0
        share = next(r for r in mart if r["score_sentiment"] is not None)
        assert _close(
            share["score_sentiment"], 100 * (1 - min(float(share["negative_feedback_share"]) / 0.25, 1)), 0.06
        )
    con = _connect(other)
    sentiment_only = rows(
        con,
        """select health_score, score_sentiment, score_responsiveness from marts.community_health_weekly
           where score_responsiveness is null and score_sentiment is not null""",
    )
    con.close()
    assert sentiment_only and all(r["health_score"] == r["score_sentiment"] for r in sentiment_only)


def _robust(values: list[float]) -> tuple[float, float, float]:
    med = float(np.median(values))
    dev = [abs(v - med) for v in values]
    return med, float(np.median(dev)), float(np.mean(dev))


def test_metrics_compare_each_week_with_the_weeks_before(built, other):
    for path, health in ((built.duck_path, BUILD_VARS["health"]), (other, OTHER_HEALTH)):
        con = _connect(path)
        long = _df(con, "select * from marts.community_health_metrics")
        weekly = _df(con, "select * from marts.community_health_weekly")
        con.close()
        assert (long.threshold.astype(float) == health["anomaly_threshold"]).all()
        flagged = z_count = 0
        for (community, platform, metric), g in long.groupby(["community", "platform", "metric"]):
            g = g.sort_values("week_start")
            source = weekly[(weekly.community == community) & (weekly.platform == platform)].sort_values(
                "week_start"
            )
            values = [_num(v) for v in source[metric]]
            assert [_num(v) for v in g.value] == pytest.approx(
                [None if v is None else round(v, 4) for v in values], abs=5e-5
            ), (community, platform, metric)
            for i, r in enumerate(g.itertuples()):
                v = values[i]
                prev = values[i - 1] if i else None
                assert _close(r.previous_value, prev, 5e-5)
                before4 = values[max(0, i - 4) : i]
                base = sum(before4) / 4 if len(before4) == 4 and None not in before4 else None
                assert _close(r.baseline_4w, base, 5e-5), (metric, i)
                hist = [x for x in values[max(0, i - 12) : i] if x is not None]
                assert r.history_weeks == len(hist)
                z = None
                if hist and v is not None and len(hist) >= health["anomaly_min_weeks"]:
                    med, mad, mean_ad = _robust(hist)
                    if mad > 0:
                        z = 0.6745 * (v - med) / mad
                    elif mean_ad > 0:
                        z = (v - med) / (1.253314 * mean_ad)
                assert _close(r.robust_z, z, 1e-3 + (abs(z) * 1e-3 if z else 0)), (
                    community,
                    platform,
                    metric,
                    i,
                )
                anomaly = z is not None and abs(z) > health["anomaly_threshold"]
                on_the_edge = z is not None and abs(abs(z) - health["anomaly_threshold"]) < 1e-3
                assert bool(r.is_anomaly) == anomaly or on_the_edge, (community, platform, metric, i)
                if r.is_anomaly:
                    assert r.anomaly_direction == ("burst" if z > 0 else "drop")
                    flagged += 1
                z_count += z is not None
        print(f"\nmin weeks {health['anomaly_min_weeks']}: {z_count} z-scores, {flagged} anomalies")
        if health is OTHER_HEALTH:
            assert z_count > 0 and flagged > 0


def test_cohort_retention_and_top_contributors(built):
    con = _connect(built.duck_path)
    cohorts = rows(con, "select * from marts.community_cohort_retention")
    top = rows(con, "select * from marts.community_top_contributors_weekly")
    weeks = sorted(
        {_day(r["week_start"]) for r in rows(con, "select week_start from marts.community_health_weekly")}
    )
    events = rows(
        con,
        """select member_id, community, week_start, activity_type, weight from marts.fct_engagement_events
           where is_community_activity and member_id is not null""",
    )
    handles = {
        u
        for (u,) in con.execute(
            """select username from staging.stg_discourse__users union all select username from staging.stg_discord__members
               union all select author_username from staging.stg_reddit__comments
               union all select author_username from staging.stg_reddit__submissions"""
        ).fetchall()
    }
    con.close()
    first_week, active, score, acts = {}, defaultdict(set), defaultdict(float), defaultdict(int)
    for e in events:
        week = _day(e["week_start"])
        for c in {"all", e["community"]} - {None}:
            first_week[(c, e["member_id"])] = min(week, first_week.get((c, e["member_id"]), week))
            score[(week, c, e["member_id"])] += float(e["weight"])
            if e["activity_type"] not in PASSIVE:
                active[(c, week)].add(e["member_id"])
                acts[(week, c, e["member_id"])] += 1
    want = {}
    for (c, member), fw in first_week.items():
        if weeks[0] <= fw <= weeks[-1]:
            for k in range(12):
                if fw + k * WEEK <= weeks[-1]:
                    size, kept = want.get((fw, c, k), (0, 0))
                    want[(fw, c, k)] = (size + 1, kept + (member in active[(c, fw + k * WEEK)]))
    got = {(_day(r["cohort_week"]), r["community"], r["weeks_since"]): r for r in cohorts}
    assert set(got) == set(want)
    for key, (size, kept) in want.items():
        r = got[key]
        assert (r["cohort_size"], r["retained_members"]) == (size, kept), key
        assert _close(r["retention_rate"], kept / size, 5e-5), key
    print(
        f"\n{len(got)} cohort rows; all, week 0: {[(k[0].isoformat(), v) for k, v in want.items() if k[1:] == ('all', 0)]}"
    )

    ranked = defaultdict(list)
    for (week, c, member), n in acts.items():
        if weeks[0] <= week <= weeks[-1]:
            ranked[(week, c)].append((-score[(week, c, member)], -n, member))
    got_top = defaultdict(list)
    for r in sorted(top, key=lambda r: r["rank"]):
        got_top[(_day(r["week_start"]), r["community"])].append(r)
    assert set(got_top) == set(ranked)
    named = 0
    for key, members in ranked.items():
        expected = [m for _, _, m in sorted(members)[:10]]
        assert [r["member_id"] for r in got_top[key]] == expected, key
        assert [r["rank"] for r in got_top[key]] == list(range(1, len(expected) + 1))
        for r in got_top[key]:
            assert float(r["weighted_activity"]) == pytest.approx(score[(key[0], key[1], r["member_id"])])
            if r["display_handle"] is not None:
                named += 1
                assert r["display_handle"] in handles and "@" not in r["display_handle"], r
                assert r["handle_platform"] in ("discourse", "discord", "reddit")
    assert named > 0


def test_health_rules_are_validated_and_reach_dbt():
    default = rule_vars(RULES.default())["health"]
    assert default == BUILD_VARS["health"]
    assert default["weights"] == {c: w for c, (w, _) in HEALTH_COMPONENTS.items()}
    custom = rule_vars(
        RULES.clean({"health": {"weights": {"sentiment": 2}, "anomaly_threshold": 3}}, "rules", {})
    )
    assert custom["health"]["weights"]["sentiment"] == 2 and custom["health"]["weights"]["activity"] == 0.25
    assert custom["health"]["anomaly_threshold"] == 3
    for bad, message in (
        ({"weights": {"mood": 1}}, "rules.health.weights.mood"),
        ({"weights": dict.fromkeys(HEALTH_COMPONENTS, 0)}, "at least one component weight"),
        ({"weights": {"growth": -1}}, "rules.health.weights.growth"),
        ({"anomaly_threshold": 0}, "rules.health.anomaly_threshold"),
    ):
        with pytest.raises(ConfigError, match=message):
            RULES.clean({"health": bad}, "rules", {})


def test_the_shipped_configs_set_valid_health_rules():
    import yaml

    from pulse.testing.paths import REPO

    for name in ("pulse.example.yml", "demo/pulse.yml"):
        rules = yaml.safe_load((REPO / name).read_text(encoding="utf-8"))["rules"]
        assert set(rules["health"]["weights"]) == set(HEALTH_COMPONENTS), name
        assert rule_vars(RULES.clean(rules, "rules", {}))["health"] == BUILD_VARS["health"], name


@pytest.mark.postgres
def test_postgres_builds_the_same_health_marts(built):
    assert built.pg is not None and built.pg.returncode == 0, built.pg.stdout[-5000:] if built.pg else ""
    duck = _connect(built.duck_path)
    pg = built.pg_db.connect()
    keys = {
        "community_health_weekly": "week_start, community, platform",
        "community_health_metrics": "week_start, community, platform, metric",
        "community_cohort_retention": "cohort_week, community, weeks_since",
        "community_top_contributors_weekly": "week_start, community, rank",
    }
    ratios = dict.fromkeys(FLOAT_RATIOS, Tolerance(abs=1e-4))  # exact but for these (parity.FLOAT_RATIOS)
    try:
        for name, key in keys.items():
            query = f"select * from marts{{s}}.{name} order by {key}"
            expected = rows(duck, query.format(s=""))
            assert expected, name
            got = rows(pg, query.format(s="_work"))
            assert_same_rows(name, expected, got, key.split(", "), tolerances=ratios)
    finally:
        duck.close()
        pg.close()
