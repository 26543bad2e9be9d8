"""Campaign marts on a world landed by the real connectors (the marketing calendar and the CRM's audience export
are file drops): every campaign with its attributes, the orders that carry its coupon or came through its UTM
link are the world's, the audience's groups are the world's exposure, participation respects the holdout and the
window, and Postgres builds the same."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from urllib.parse import parse_qs, urlparse

import duckdb
import pandas as pd
import pytest
from sandbox_raw import rows

from pulse.sandbox.world import campaign_exposure
from pulse.sandbox.worlds.membership import member_no

WINDOW = dt.timedelta(days=7)  # dbt_project.yml: campaign_attribution_window_days


@pytest.fixture(scope="module")
def built(sandbox_built):
    """The session's build of the whole project on the sandbox world (tests/dbt/conftest.py)."""
    return sandbox_built


@pytest.fixture(scope="module")
def duck(built):
    con = duckdb.connect(str(built.duck_path), read_only=True)
    con.execute("set TimeZone = 'UTC'")
    yield con
    con.close()


def _opt(value) -> str | None:
    return None if value is None or pd.isna(value) else str(value)


def _utc(value) -> dt.datetime:
    """A timestamptz from the warehouse as the world's naive UTC."""
    return value.astimezone(dt.UTC).replace(tzinfo=None)


def _world_orders(world) -> pd.DataFrame:
    """(platform, order id, code, utm_campaign) of every store order in the world, codes lowercased."""
    shop = world["shopify_orders"]
    utm = [
        (parse_qs(urlparse(s).query).get("utm_campaign") or [None])[0] if isinstance(s, str) else None
        for s in shop["landing_site"]
    ]
    parts = [
        pd.DataFrame(
            {
                "platform": "shopify",
                "order_id": shop["order_id"].astype(str),
                "code": shop["discount_code"],
                "utm": utm,
            }
        ),
        pd.DataFrame(
            {
                "platform": "woocommerce",
                "order_id": world["woo_orders"]["order_id"].astype(str),
                "code": world["woo_orders"]["coupon_code"],
                "utm": None,
            }
        ),
        pd.DataFrame(
            {
                "platform": "youzan",
                "order_id": world["youzan_trades"]["tid"].astype(str),
                "code": world["youzan_trades"]["coupon_code"],
                "utm": None,
            }
        ),
    ]
    out = pd.concat(parts, ignore_index=True)
    out["code"] = [c.lower() if isinstance(c, str) else None for c in out["code"].astype(object)]
    return out


def _audience(world) -> dict[tuple[str, str], str]:
    """{(campaign_id, member number): 'treatment' | 'holdout'} for persons with a member number."""
    exp = campaign_exposure(world)
    numbers = member_no(exp["person_id"].to_numpy())
    members = set(world["member_bindings"]["member_no"])
    return {
        (c, n): "treatment" if e else "holdout"
        for c, n, e in zip(exp["campaign_id"], numbers, exp["exposed"], strict=True)
        if n in members
    }


def _member_persons(con, world) -> dict[str, set[int]]:
    """{member_id: the world's persons of its accounts} (a false merge gives a member two persons)."""
    truth = {(r.platform, str(r.account_id)): int(r.person_id) for r in world["truth_accounts"].itertuples()}
    out: dict[str, set[int]] = defaultdict(set)
    for account, member in con.execute(
        "select account_key, member_id from intermediate.int_identity__account_members"
    ).fetchall():
        platform, _source, account_id = account.split(":", 2)
        person = truth.get(({"wecom_groups": "wecom_external"}.get(platform, platform), account_id))
        if person is not None:
            out[member].add(person)
    return out


def test_every_campaign_is_in_the_dimension_with_its_attributes(duck, sandbox_raw_data):
    world = sandbox_raw_data.world
    dim = {r["campaign_id"]: r for r in rows(duck, "select * from marts.dim_campaigns")}
    campaigns = world["campaigns"]
    assert set(dim) == set(campaigns["campaign_id"]) and len(dim) >= 3
    orders = _world_orders(world)
    audience = _audience(world)
    woo = {r.campaign_id: int(r.coupon_id) for r in world["woo_coupons"].itertuples() if _opt(r.campaign_id)}
    for c in campaigns.itertuples(index=False):
        d = dim[c.campaign_id]
        assert (d["campaign_name"], d["community"], d["channel"]) == (c.name, c.community, c.channel)
        assert _utc(d["start_at"]) == c.start_at and _utc(d["end_at"]) == c.end_at
        assert d["campaign_cost"] == Decimal(c.cost) and float(d["holdout_share"]) == pytest.approx(
            c.holdout_share
        )
        assert (d["coupon_code"], d["utm_campaign"]) == (_opt(c.coupon_code), _opt(c.utm_campaign))
        assert d["target_segment"] == "all members" and d["event_name"].startswith(c.name)
        code = _opt(c.coupon_code)
        with_code = orders[orders["code"] == code.lower()] if code else orders.iloc[0:0]
        assert d["coupon_orders"] == len(with_code)
        assert d["youzan_coupon_orders"] == int((with_code["platform"] == "youzan").sum())
        assert d["woocommerce_coupon_id"] == woo.get(c.campaign_id)
        groups = [g for (cid, _), g in audience.items() if cid == c.campaign_id]
        assert (d["audience_treatment"], d["audience_holdout"]) == (
            groups.count("treatment"),
            groups.count("holdout"),
        )
        print(
            f"{c.campaign_id} {c.community}: coupon {code} in {d['coupon_orders']} orders "
            f"(youzan {d['youzan_coupon_orders']}, woo {d['woocommerce_coupon_orders']}), "
            f"utm {d['utm_orders']}, audience {d['audience_treatment']}/{d['audience_holdout']}"
        )


def test_coupon_and_utm_orders_are_the_worlds(duck, sandbox_raw_data):
    """Coupon first: every order carrying a campaign's code is that campaign's; then UTM: every Shopify order that
    came through a campaign's link and carries no campaign's code."""
    world = sandbox_raw_data.world
    got: dict[str, set[tuple]] = defaultdict(set)
    for ref, campaign, rule in duck.execute(
        "select order_ref, campaign_id, attribution_rule from marts.fct_campaign_orders"
    ).fetchall():
        platform, _source, order_id = ref.split(":", 2)
        got[rule].add((platform, order_id, campaign))
    orders = _world_orders(world)
    by_code = {
        str(c.coupon_code).lower(): c.campaign_id
        for c in world["campaigns"].itertuples()
        if _opt(c.coupon_code)
    }
    by_utm = {
        str(c.utm_campaign): c.campaign_id for c in world["campaigns"].itertuples() if _opt(c.utm_campaign)
    }
    coupon = {(o.platform, o.order_id, by_code[o.code]) for o in orders.itertuples() if o.code in by_code}
    utm = {
        (o.platform, o.order_id, by_utm[o.utm])
        for o in orders.itertuples()
        if o.utm in by_utm and o.code not in by_code
    }
    print(
        f"coupon orders {len(got['coupon'])} (world {len(coupon)}), utm orders {len(got['utm'])} "
        f"(world {len(utm)}), participation orders {len(got['participation'])}"
    )
    assert coupon and got["coupon"] == coupon
    assert got["utm"] == utm
    if any(_opt(c) for c in world["campaigns"]["utm_campaign"]):
        assert utm  # the world sends campaign links: some orders came through them


def test_audience_groups_are_the_worlds_exposure(duck, sandbox_raw_data):
    """The CRM's export is campaign_exposure for persons with a member number, and the touches carry it to the
    members holding those numbers."""
    world = sandbox_raw_data.world
    expected = _audience(world)
    staged = {
        (c, n): g
        for c, n, g in duck.execute(
            "select campaign_id, member_no, audience_group from staging.stg_files__campaign_audience"
        ).fetchall()
    }
    assert staged == expected
    assert "holdout" in expected.values() and "treatment" in expected.values()
    ids = world["persons"]["person_id"].to_numpy()
    person_of = {n: int(p) for n, p in zip(member_no(ids), ids, strict=True)}
    persons = _member_persons(duck, world)
    touches = defaultdict(set)
    for campaign, member, touch_type in duck.execute(
        "select campaign_id, member_id, touch_type from marts.fct_campaign_touches"
        " where touch_type in ('exposed', 'holdout')"
    ).fetchall():
        for person in persons[member]:
            touches[(campaign, person)].add("treatment" if touch_type == "exposed" else "holdout")
    want = {(c, person_of[n]): g for (c, n), g in expected.items()}
    found = sum(g in touches.get(key, set()) for key, g in want.items())
    wrong = sum(any(want.get(key) != g for g in groups) for key, groups in touches.items() if key in want)
    print(
        f"audience {len(want)} (holdout {list(want.values()).count('holdout')}): "
        f"{found} carried to their member's touches, {wrong} persons whose member has another group too"
    )
    assert found == len(want)
    assert wrong <= 0.01 * len(want)  # only a false identity merge gives a member two persons' groups


def test_participation_respects_window_and_holdout(duck, sandbox_raw_data):
    world = sandbox_raw_data.world
    participation = rows(
        duck,
        """select o.order_ref, o.campaign_id, o.member_id, o.ordered_at, o.matched_touch_type,
                  o.matched_touched_at, o.is_counted, c.start_at, c.end_at
           from marts.fct_campaign_orders as o
           inner join marts.dim_campaigns as c on o.campaign_id = c.campaign_id
           where o.attribution_rule = 'participation'""",
    )
    assert participation  # members who took part order again within the window in this world
    holdout = {
        (c, m)
        for c, m in duck.execute(
            "select campaign_id, member_id from marts.fct_campaign_touches where touch_type = 'holdout'"
        ).fetchall()
    }
    exp = campaign_exposure(world)
    held = exp[~exp["exposed"]]
    world_holdout = set(zip(held["campaign_id"], held["person_id"], strict=True))
    persons = _member_persons(duck, world)
    in_world_holdout = 0
    for r in participation:
        assert r["is_counted"] and r["member_id"] is not None
        assert r["matched_touch_type"] in ("coupon_used", "utm_click", "event_attended")
        assert r["start_at"] <= r["matched_touched_at"] < r["end_at"]
        assert r["matched_touched_at"] <= r["ordered_at"] < r["matched_touched_at"] + WINDOW
        assert (r["campaign_id"], r["member_id"]) not in holdout
        in_world_holdout += any((r["campaign_id"], p) in world_holdout for p in persons[r["member_id"]])
    # launch-event check-ins: each attendee touch is a person the world checked in at that campaign's event
    checkins = world["offline_checkins"]
    attended = rows(
        duck,
        """select t.campaign_id, t.member_id, c.event_name from marts.fct_campaign_touches as t
           inner join marts.dim_campaigns as c on t.campaign_id = c.campaign_id
           where t.touch_type = 'event_attended'""",
    )
    attendee = {
        str(r.account_id): int(r.person_id)
        for r in world["truth_accounts"].query("platform == 'event_checkin'").itertuples()
    }
    went = defaultdict(set)
    for r in checkins.itertuples():
        went[r.event_name].add(attendee[str(r.checkin_id)])
    right = sum(bool(persons[r["member_id"]] & went[r["event_name"]]) for r in attended)
    launch = sum(len(went[name]) for name in {r["event_name"] for r in attended})
    print(
        f"participation orders {len(participation)}, by the world's holdout {in_world_holdout}; "
        f"launch-event attendees {launch}, as touches {len(attended)} ({right} the right person)"
    )
    assert in_world_holdout == 0
    assert attended and right == len(attended)


@pytest.mark.postgres
def test_postgres_builds_the_same_campaign_marts(built):
    assert built.pg is not None and built.pg.returncode == 0, built.pg.stdout[-5000:] if built.pg else ""
    duck = duckdb.connect(str(built.duck_path), read_only=True)
    duck.execute("set TimeZone = 'UTC'")
    pg = built.pg_db.connect()
    queries = (
        "select campaign_id, campaign_name, start_at, end_at, campaign_cost, coupon_code, cast(holdout_share as double"
        " precision) as holdout_share, woocommerce_coupon_id, coupon_orders, coupon_counted_orders,"
        " coupon_first_used_at, coupon_last_used_at, utm_orders, audience_treatment, audience_holdout"
        " from marts{s}.dim_campaigns order by campaign_id",
        "select campaign_touch_key, touch_type, is_participation, touch_count, touches_during_campaign,"
        " first_touched_at, last_touched_at from marts{s}.fct_campaign_touches order by campaign_touch_key",
        "select order_ref, campaign_id, attribution_rule, matched_touch_type, matched_touched_at, member_id,"
        " order_date, currency, net_amount, is_counted, attributed_amount"
        " from marts{s}.fct_campaign_orders order by order_ref",
    )
    try:
        for query in queries:
            got_duck, got_pg = rows(duck, query.format(s="")), rows(pg, query.format(s="_work"))
            assert got_duck and got_duck == got_pg, query
        print(f"postgres: {len(got_pg)} attributed orders, the same as DuckDB")
    finally:
        duck.close()
        pg.close()
