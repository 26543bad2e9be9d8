"""Loyalty marts on a world landed by the real connectors: the points ledger (rule earns, 有赞's own log, expiry),
balances, tier history and RFM, checked against their inputs and against rules recomputed here; a short expiry and
tier window exercise expiries and downgrades on the same data; Postgres builds the same rows as DuckDB."""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter, defaultdict
from decimal import Decimal

import duckdb
import pytest
from dbt_helpers import BUILD_VARS
from parity import assert_same_rows
from sandbox_raw import build_duckdb, copy_of, rows

RULES = BUILD_VARS["points_rules"]
TIERS = BUILD_VARS["loyalty_tiers"]
SEGMENTS = {"champions", "loyal", "potential", "new", "at_risk", "hibernating", "lost"}
# A short expiry and tier window, so that the four weeks of sandbox data hold expiries and downgrades.
SHORT_RULES = {
    "points_rules": {**RULES, "expire_after_days": 20},
    "tier_policy": {"window_days": 14, "review_every": "month"},
}


@pytest.fixture(scope="module")
def built(sandbox_built):
    """The session's build of the whole project on the sandbox world (tests/dbt/conftest.py)."""
    return sandbox_built


@pytest.fixture(scope="module")
def short(built, tmp_path_factory):
    """The loyalty models rebuilt over the same data with SHORT_RULES."""
    work = tmp_path_factory.mktemp("loyalty-short")
    path = copy_of(built.duck_path, work / "short.duckdb")
    # the loyalty models only: their children elsewhere (the health marts) are not part of this module's build
    selection = ["--select", "int_points_movements_unioned+,path:models/*/loyalty"]
    run = build_duckdb(path, selection, work, **SHORT_RULES)
    assert run.returncode == 0, run.stdout[-5000:]
    return path


def _connect(path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(path), read_only=True)
    con.execute("set TimeZone = 'UTC'")
    return con


def _review_start(day: dt.date, every: str) -> dt.date:
    if every == "month":
        return day.replace(day=1)
    if every == "quarter":
        return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
    return day.replace(month=1, day=1)


def _check_balances(con) -> dict[str, Decimal]:
    balances = rows(con, "select * from marts.member_points_balance")
    ledger = defaultdict(Decimal)
    for member, points in con.execute("select member_id, points from marts.fct_points_ledger").fetchall():
        ledger[member] += points
    assert balances and {b["member_id"] for b in balances} == set(ledger)
    for b in balances:
        assert b["balance"] >= 0, b
        assert b["balance"] == ledger[b["member_id"]], b
        assert b["balance"] == (
            b["points_earned"] + b["points_adjusted"] - b["points_redeemed"] - b["points_expired"]
        ), b
        assert b["points_expiring_30d"] >= 0, b
    totals = {
        k: sum(b[k] for b in balances)
        for k in ("balance", "points_earned", "points_redeemed", "points_expired", "points_adjusted")
    }
    totals["points_expiring_30d"] = sum(b["points_expiring_30d"] for b in balances)
    totals["members"] = len(balances)
    return totals


def _check_tier_periods(con, every: str) -> Counter:
    periods = defaultdict(list)
    for p in rows(con, "select * from marts.member_tier_history order by member_id, valid_from"):
        periods[p["member_id"]].append(p)
    assert periods
    names = [t["name"] for t in TIERS]
    changes = Counter()
    for member, ps in periods.items():
        assert ps[0]["change"] == "initial" and all(p["change"] != "initial" for p in ps[1:]), member
        for p, nxt in zip(ps, ps[1:], strict=False):
            assert p["valid_to"] == nxt["valid_from"], (member, p, nxt)  # contiguous, no overlap
            assert p["tier_rank"] != nxt["tier_rank"], (member, p, nxt)  # periods are collapsed
            expected = "upgrade" if nxt["tier_rank"] > p["tier_rank"] else "downgrade"
            assert nxt["change"] == expected, (member, nxt)
            if expected == "downgrade":
                assert nxt["valid_from"] == _review_start(nxt["valid_from"], every), (member, nxt)
        assert ps[-1]["valid_to"] is None and ps[-1]["is_current"], member
        assert not any(p["is_current"] for p in ps[:-1]), member
        for p in ps:
            assert p["tier"] == names[p["tier_rank"] - 1], p
            changes[p["change"]] += 1
    return changes


def test_rule_points_follow_the_rules_and_native_platforms_earn_none(built):
    con = _connect(built.duck_path)
    by_rule = con.execute(
        """select entry_type, rule, count(*), sum(points) from marts.fct_points_ledger
           group by all order by entry_type, rule"""
    ).fetchall()
    orders = rows(
        con,
        """select o.order_ref, o.platform, o.net_amount, o.is_counted, o.member_id, l.points, l.member_id as ledger_member
           from intermediate.int_orders_unified o
           left join marts.fct_points_ledger l on l.rule = 'per_currency_unit' and l.source_ref = o.order_ref""",
    )
    activities = rows(
        con,
        """select e.event_key, e.activity_type, e.platform, e.member_id, e.is_community_activity, l.points
           from marts.fct_engagement_events e
           left join marts.fct_points_ledger l on l.rule like 'per_activity:%' and l.source_ref = e.event_key""",
    )
    rule_platforms = con.execute(
        "select distinct platform from marts.fct_points_ledger where points_program = 'rules'"
    ).fetchall()
    zero = con.execute("select count(*) from marts.fct_points_ledger where points = 0").fetchone()[0]
    con.close()
    print("\nledger rows by type and rule:")
    for entry_type, rule, n, points in by_rule:
        print(f"  {entry_type:7} {rule:32} {n:5} rows {points:>10} points")
    native = set(RULES["native_platforms"])
    rate = Decimal(str(RULES["per_currency_unit"]))
    earning = 0
    for o in orders:
        due = math.floor(o["net_amount"] * rate)
        if o["is_counted"] and o["member_id"] and o["platform"] not in native and due > 0:
            earning += 1
            assert o["points"] == due and o["ledger_member"] == o["member_id"], o
        else:
            assert o["points"] is None, o
    assert earning > 50
    per_activity = RULES["per_activity"]
    earned_activities = 0
    for e in activities:
        due = per_activity.get(e["activity_type"], 0)
        if e["is_community_activity"] and e["member_id"] and e["platform"] not in native and due > 0:
            earned_activities += 1
            assert e["points"] == Decimal(str(due)), e
        else:
            assert e["points"] is None, e
    assert earned_activities > 50
    assert zero == 0 and not {p for (p,) in rule_platforms} & native
    rules = {rule for _, rule, _, _ in by_rule}
    assert {
        "per_currency_unit",
        "youzan:TRADE_REWARD",
        "youzan:POINTS_EXCHANGE",
        "youzan:opening_balance",
    } <= rules
    assert (
        "per_activity:check_in" not in rules
    )  # the only check-ins are 有赞's: its SIGN_IN points stand for them


def test_youzan_members_ledger_reproduces_youzan_balances(built):
    con = _connect(built.duck_path)
    compared = rows(
        con,
        """with ranked as (
               select p.*, row_number() over (partition by p.customer_key
                                              order by p.created_at desc, p.points_change_id desc) as recent
               from staging.stg_youzan__points p
               join intermediate.int_identity__account_members m on m.account_key = 'youzan:' || p.customer_key),
           ledger as (
               select p.customer_key, sum(l.points) as points, count(*) as entries
               from marts.fct_points_ledger l
               join staging.stg_youzan__points p on l.source_ref = p.points_change_key
               where l.points_program = 'youzan' group by p.customer_key)
           select ranked.customer_key, ranked.balance_after, ledger.points, ledger.entries
           from ranked left join ledger on ranked.customer_key = ledger.customer_key
           where ranked.recent = 1""",
    )
    changes = con.execute("select count(*) from staging.stg_youzan__points").fetchone()[0]
    native_rows = con.execute(
        "select count(*) from marts.fct_points_ledger where points_program = 'youzan' and rule != 'youzan:opening_balance'"
    ).fetchone()[0]
    con.close()
    assert len(compared) > 50
    mismatched = [c for c in compared if c["points"] != c["balance_after"]]
    assert not mismatched, mismatched[:5]
    assert native_rows == changes  # every change once: all customers map to members in the sandbox
    print(f"\nyouzan: {len(compared)} customers' ledgers end on Youzan's balance_after")


def test_balances_are_never_negative_and_sum_the_ledger(built):
    con = _connect(built.duck_path)
    totals = _check_balances(con)
    as_of = con.execute("select distinct as_of_date from marts.member_points_balance").fetchall()
    latest = con.execute(
        """select greatest(
               (select max(order_date) from intermediate.int_orders_unified where is_counted and member_id is not null),
               (select max(event_date) from marts.fct_engagement_events
                where is_community_activity and member_id is not null))"""
    ).fetchone()[0]
    print(f"\nbalances: {totals}")
    assert len(as_of) == 1 and as_of[0][0] >= latest
    first = min(
        b["first_entry_date"] for b in rows(con, "select first_entry_date from marts.member_points_balance")
    )
    if (as_of[0][0] - first).days < RULES["expire_after_days"]:
        assert totals["points_expired"] == 0  # no lot is old enough to expire
    con.close()


def test_expiry_takes_whole_unspent_lots_after_the_policy(short):
    con = _connect(short)
    totals = _check_balances(con)
    expiries = rows(
        con,
        """select e.points, e.occurred_at, e.entry_date, lot.occurred_at as earned_at, lot.points as lot_points,
                  lot.points_program, b.as_of_date
           from marts.fct_points_ledger e
           join intermediate.int_points_movements_unioned lot on e.source_ref = lot.ledger_key
           join marts.member_points_balance b on e.member_id = b.member_id
           where e.entry_type = 'expire'""",
    )
    lots = rows(con, "select * from intermediate.int_points_lots_expired")
    con.close()
    print(f"\nwith a 20-day expiry: {len(expiries)} expiries, balances {totals}")
    assert expiries and totals["points_expired"] > 0 and totals["points_expiring_30d"] > 0
    for e in expiries:
        # rule points are never spent (no redemption data), so a lot expires whole, exactly 20 days on
        assert e["points_program"] == "rules" and e["points"] == -e["lot_points"], e
        assert e["occurred_at"] - e["earned_at"] == dt.timedelta(days=20), e
        assert e["entry_date"] <= e["as_of_date"], e
    booked = sum(1 for lot in lots if lot["is_expired"])
    assert booked == len(expiries)
    assert all(lot["expired_points"] == lot["points"] for lot in lots)


def test_tier_periods_are_contiguous_and_fall_only_at_reviews(built, short):
    con = _connect(built.duck_path)
    changes = _check_tier_periods(con, BUILD_VARS["tier_policy"]["review_every"])
    current = dict(
        con.execute(
            "select tier, count(*) from marts.member_tier_history where is_current group by tier"
        ).fetchall()
    )
    qualified = rows(con, "select * from intermediate.int_tiers_qualified")
    policy = BUILD_VARS["tier_policy"]
    rates = {policy["currency"]: 1, **policy["exchange_rates"]}  # a currency without a rate counts 0
    orders = [
        (member, day, amount * Decimal(str(rates.get(currency, 0))))
        for member, day, amount, currency in con.execute(
            """select member_id, order_date, net_amount, currency from intermediate.int_orders_unified
               where is_counted and member_id is not null"""
        ).fetchall()
    ]
    events = con.execute(
        """select member_id, event_date, weight from marts.fct_engagement_events
           where is_community_activity and member_id is not null"""
    ).fetchall()
    earned = con.execute(
        "select member_id, entry_date, points from marts.fct_points_ledger where entry_type = 'earn'"
    ).fetchall()
    con.close()
    print(f"\ntiers: current {current}, changes {dict(changes)}")
    assert changes["upgrade"] > 0 and len(current) >= 3
    # the window sums, recomputed here for every qualification day
    window = dt.timedelta(days=BUILD_VARS["tier_policy"]["window_days"])
    by_member = defaultdict(lambda: defaultdict(list))
    for name, items in (("spend", orders), ("engagement", events), ("points", earned)):
        for member, day, amount in items:
            by_member[member][name].append((day, amount))
    for q in qualified:
        for name in ("spend", "points", "engagement"):
            due = sum(
                (
                    a
                    for d, a in by_member[q["member_id"]][name]
                    if q["qualified_on"] - window < d <= q["qualified_on"]
                ),
                Decimal(0),
            )
            assert q[f"window_{name}"] == due, (q, name)
    con = _connect(short)
    short_changes = _check_tier_periods(con, "month")
    con.close()
    print(f"tiers with a 14-day window and monthly reviews: changes {dict(short_changes)}")
    assert short_changes["downgrade"] > 0


def test_rfm_scores_and_segments(built):
    con = _connect(built.duck_path)
    rfm = rows(con, "select * from marts.member_rfm")
    counted = dict(
        con.execute(
            """select member_id, count(*) from intermediate.int_orders_unified
               where is_counted and member_id is not null group by member_id"""
        ).fetchall()
    )
    con.close()
    assert rfm and {r["member_id"]: r["frequency"] for r in rfm} == counted
    as_of = max(r["last_order_date"] for r in rfm)
    for r in rfm:
        assert {r["r_score"], r["f_score"], r["m_score"]} <= {1, 2, 3, 4, 5}, r
        assert r["rfm_score"] == f"{r['r_score']}{r['f_score']}{r['m_score']}", r
        assert r["recency_days"] == (as_of - r["last_order_date"]).days, r
        assert r["segment"] in SEGMENTS, r
    # scores are monotone in their values, and equal values share a score
    for value, score, sign in (("recency_days", "r_score", -1), ("frequency", "f_score", 1)):
        ordered = sorted(rfm, key=lambda r: sign * r[value])
        for a, b in zip(ordered, ordered[1:], strict=False):
            assert a[score] <= b[score] and (a[value] != b[value] or a[score] == b[score]), (a, b)
    segments = Counter(r["segment"] for r in rfm)
    print(f"\nrfm: {len(rfm)} members, segments {dict(segments)}")
    assert len(segments) >= 5


@pytest.mark.postgres
def test_postgres_builds_the_same_loyalty_marts(built):
    assert built.pg is not None and built.pg.returncode == 0, built.pg.stdout[-5000:] if built.pg else ""
    duck = _connect(built.duck_path)
    pg = built.pg_db.connect()
    keys = {
        "fct_points_ledger": "ledger_key",
        "member_points_balance": "member_id",
        "member_tier_history": "member_id, valid_from",
        "member_rfm": "member_id",
    }
    try:
        for name, key in keys.items():
            query = f"select * from marts{{s}}.{name} order by {key}"
            expected = rows(duck, query.format(s=""))
            assert expected, name
            assert_same_rows(name, expected, rows(pg, query.format(s="_work")), key.split(", "))
    finally:
        duck.close()
        pg.close()
