"""The synthetic world: determinism, the table contract, and the realism later tests score against."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from pulse.sandbox.tables import SERVED_TABLES, TRUTH_TABLES, World
from pulse.sandbox.world import DEFAULT_END_DATE, campaign_exposure, generate_world
from pulse.sandbox.worlds import extension_tables

# docs/architecture.md, "The sandbox world": column -> kind
TS, STR, DEC = "datetime64[us]", "str", "decimal"
CONTRACT: dict[str, dict[str, str]] = {
    "discourse_users": {
        "user_id": "int64",
        "username": STR,
        "name": STR,
        "email": STR,
        "created_at": TS,
        "last_seen_at": TS,
        "admin": "bool",
        "moderator": "bool",
        "trust_level": "int8",
        "active": "bool",
        "is_bot": "bool",
    },
    "discourse_categories": {"category_id": "int64", "name": STR, "slug": STR, "description": STR},
    "discourse_topics": {
        "topic_id": "int64",
        "title": STR,
        "slug": STR,
        "category_id": "int64",
        "user_id": "int64",
        "created_at": TS,
        "bumped_at": TS,
        "last_posted_at": TS,
        "posts_count": "int32",
        "pinned": "bool",
        "closed": "bool",
        "archetype": STR,
        "accepted_answer_post_id": "Int64",
        "has_accepted_answer": "bool",
        "views": "int32",
        "like_count": "int32",
    },
    "discourse_posts": {
        "post_id": "int64",
        "topic_id": "int64",
        "post_number": "int32",
        "user_id": "int64",
        "created_at": TS,
        "updated_at": TS,
        "raw": STR,
        "reply_to_post_number": "Int32",
        "like_count": "int32",
        "deleted_at": TS,
        "version": "int32",
    },
    "shopify_customers": {
        "customer_id": "int64",
        "email": STR,
        "phone": STR,
        "first_name": STR,
        "last_name": STR,
        "created_at": TS,
        "updated_at": TS,
        "state": STR,
        "accepts_marketing": "bool",
        "tags": STR,
        "verified_email": "bool",
    },
    "shopify_orders": {
        "order_id": "int64",
        "order_number": "int64",
        "name": STR,
        "customer_id": "Int64",
        "email": STR,
        "phone": STR,
        "created_at": TS,
        "updated_at": TS,
        "processed_at": TS,
        "cancelled_at": TS,
        "financial_status": STR,
        "fulfillment_status": STR,
        "currency": STR,
        "subtotal_price": DEC,
        "total_discounts": DEC,
        "total_tax": DEC,
        "total_price": DEC,
        "discount_code": STR,
        "landing_site": STR,
        "source_name": STR,
        "test": "bool",
    },
    "shopify_order_lines": {
        "line_id": "int64",
        "order_id": "int64",
        "product_id": "int64",
        "variant_id": "int64",
        "sku": STR,
        "title": STR,
        "quantity": "int32",
        "price": DEC,
    },
    "shopify_refunds": {
        "refund_id": "int64",
        "order_id": "int64",
        "created_at": TS,
        "amount": DEC,
        "note": STR,
    },
    "shopify_discount_codes": {
        "discount_code_id": "int64",
        "price_rule_id": "int64",
        "code": STR,
        "usage_count": "int32",
        "created_at": TS,
        "updated_at": TS,
        "campaign_id": STR,
    },
    "persons": {
        "person_id": "int64",
        "email": STR,
        "phone_e164": STR,
        "wechat_unionid": STR,
        "persona": STR,
        "home_community": STR,
        "joined_at": TS,
        "churned_at": TS,
        "reactivated_at": TS,
        "lang": STR,
    },
    "truth_accounts": {"platform": STR, "account_id": STR, "person_id": "int64"},
    "campaigns": {
        "campaign_id": STR,
        "name": STR,
        "community": STR,
        "channel": STR,
        "start_at": TS,
        "end_at": TS,
        "cost": DEC,
        "coupon_code": STR,
        "utm_campaign": STR,
        "holdout_share": "float64",
        "activity_lift": "float64",
        "order_lift": "float64",
        "variant_b_order_lift": "float64",
    },
    "truth_future": {
        "person_id": "int64",
        "week_start": "date",
        "posts": "int32",
        "orders": "int32",
        "revenue": DEC,
    },
    "truth_feedback": {"post_id": "int64", "sentiment": STR, "lang": STR},
}
PRIMARY_KEYS = {
    "discourse_users": "user_id",
    "discourse_categories": "category_id",
    "discourse_topics": "topic_id",
    "discourse_posts": "post_id",
    "shopify_customers": "customer_id",
    "shopify_orders": "order_id",
    "shopify_order_lines": "line_id",
    "shopify_refunds": "refund_id",
    "shopify_discount_codes": "discount_code_id",
    "persons": "person_id",
    "campaigns": "campaign_id",
    "truth_feedback": "post_id",
}


@pytest.fixture(scope="module")
def world() -> World:
    return generate_world(11, 2000, 8)


@pytest.fixture(scope="module")
def window(world) -> tuple[pd.Timestamp, pd.Timestamp]:
    return pd.Timestamp(world.meta["window_start_utc"]), pd.Timestamp(world.meta["window_end_utc"])


@pytest.fixture(scope="module")
def person_of_user(world) -> pd.Series:
    acc = world["truth_accounts"]
    d = acc[acc["platform"] == "discourse"]
    return pd.Series(d["person_id"].to_numpy(), index=d["account_id"].astype("int64").to_numpy())


@pytest.fixture(scope="module")
def order_person(world) -> pd.Series:
    """person_id of every served order (account orders through the customer, guest orders directly)."""
    acc = world["truth_accounts"]
    cust = acc[acc["platform"] == "shopify"]
    by_cust = pd.Series(cust["person_id"].to_numpy(), index=cust["account_id"].astype("int64").to_numpy())
    guest = acc[acc["platform"] == "shopify_order"]
    by_order = pd.Series(guest["person_id"].to_numpy(), index=guest["account_id"].astype("int64").to_numpy())
    orders = world["shopify_orders"]
    via_cust = orders["customer_id"].map(by_cust)
    via_guest = orders["order_id"].map(by_order)
    return pd.Series(via_cust.fillna(via_guest).to_numpy(), index=orders["order_id"].to_numpy())


def _kind(col: pd.Series) -> str:
    if col.dtype == object:
        first = col.dropna()
        if len(first) and isinstance(first.iloc[0], Decimal):
            return DEC
        if len(first) and isinstance(first.iloc[0], dt.date):
            return "date"
    return str(col.dtype)


# --------------------------------------------------------------------------------------------------- contract


def test_same_arguments_same_tables(tmp_path):
    a, b = generate_world(3, 300, 3), generate_world(3, 300, 3)
    assert list(a.tables) == list(b.tables)
    for name in a.tables:
        pd.testing.assert_frame_equal(a[name], b[name], check_exact=True, obj=name)
    a.write(tmp_path / "a")
    b.write(tmp_path / "b")
    for name in a.tables:
        file = f"{name}.parquet"
        assert (tmp_path / "a" / file).read_bytes() == (tmp_path / "b" / file).read_bytes(), name
    c = generate_world(4, 300, 3)
    assert not a["discourse_posts"]["raw"].equals(c["discourse_posts"]["raw"])


def test_tables_columns_and_dtypes_follow_the_contract(world):
    assert set(world.tables) == set(SERVED_TABLES) | set(TRUTH_TABLES) | set(extension_tables())
    for name, columns in CONTRACT.items():
        frame = world[name]
        assert list(frame.columns) == list(columns), name
        assert len(frame) > 0, name
        for col, kind in columns.items():
            assert _kind(frame[col]) == kind, f"{name}.{col}: {_kind(frame[col])}, contract says {kind}"


def test_money_has_two_places_and_adds_up(world):
    orders, lines = world["shopify_orders"], world["shopify_order_lines"]
    for col in ("subtotal_price", "total_discounts", "total_tax", "total_price"):
        assert all(v.as_tuple().exponent == -2 for v in orders[col])
    gross = (lines["price"] * lines["quantity"]).groupby(lines["order_id"]).sum()
    o = orders.set_index("order_id")
    assert (gross.reindex(o.index) - o["total_discounts"] == o["subtotal_price"]).all()
    assert (o["total_price"] == o["subtotal_price"]).all()
    assert (lines["quantity"] >= 1).all() and (lines["sku"].nunique() >= 25)


def test_ids_are_unique_and_references_hold(world):
    for name, pk in PRIMARY_KEYS.items():
        assert world[name][pk].is_unique, name
    acc = world["truth_accounts"]
    assert not acc.duplicated(["platform", "account_id"]).any()
    posts, topics, users = world["discourse_posts"], world["discourse_topics"], world["discourse_users"]
    assert posts["topic_id"].isin(topics["topic_id"]).all()
    assert posts["user_id"].isin(users["user_id"]).all() and topics["user_id"].isin(users["user_id"]).all()
    assert topics["category_id"].isin(world["discourse_categories"]["category_id"]).all()
    orders = world["shopify_orders"]
    assert world["shopify_order_lines"]["order_id"].isin(orders["order_id"]).all()
    assert world["shopify_refunds"]["order_id"].isin(orders["order_id"]).all()
    assert orders["customer_id"].dropna().isin(world["shopify_customers"]["customer_id"]).all()
    assert set(world["truth_feedback"]["post_id"]) <= set(posts["post_id"])
    assert acc["person_id"].isin(world["persons"]["person_id"]).all()
    ids = {
        "discourse": users["user_id"],
        "shopify": world["shopify_customers"]["customer_id"],
        "shopify_order": orders["order_id"],
    }
    for platform, col in ids.items():
        assert acc.loc[acc["platform"] == platform, "account_id"].astype("int64").isin(col).all(), platform
    assert (acc["platform"] == "discourse").sum() == len(users)
    assert (acc["platform"] == "shopify").sum() == len(world["shopify_customers"])


def test_post_ids_and_numbers_follow_time(world):
    posts = world["discourse_posts"].sort_values("post_id")
    assert posts["created_at"].is_monotonic_increasing
    topics = world["discourse_topics"].sort_values("topic_id")
    assert topics["created_at"].is_monotonic_increasing
    by_topic = posts.sort_values(["topic_id", "post_number"])
    assert (by_topic.groupby("topic_id")["post_number"].first() == 1).all()
    assert by_topic.groupby("topic_id")["created_at"].is_monotonic_increasing.all()
    first = by_topic[by_topic["post_number"] == 1].set_index("topic_id")
    t = topics.set_index("topic_id")
    assert (first["created_at"] == t["created_at"]).all() and (first["user_id"] == t["user_id"]).all()
    rt = posts["reply_to_post_number"]
    assert (rt.dropna() < posts.loc[rt.notna(), "post_number"]).all() and rt.notna().any()


def test_timestamps_inside_the_window(world, window):
    start, end = window
    assert end - start == pd.Timedelta(weeks=8)
    assert DEFAULT_END_DATE == dt.date(2026, 1, 5) and start == pd.Timestamp(
        "2025-11-09 16:00"
    )  # Mon 00:00 +08
    events = {
        "discourse_posts": ["created_at", "updated_at", "deleted_at"],
        "discourse_topics": ["created_at", "bumped_at", "last_posted_at"],
        "shopify_orders": ["created_at", "updated_at", "processed_at", "cancelled_at"],
        "shopify_refunds": ["created_at"],
        "campaigns": ["start_at", "end_at"],
    }
    for name, cols in events.items():
        for col in cols:
            v = world[name][col].dropna()
            assert ((v >= start) & (v <= end)).all(), f"{name}.{col}"
    for name, col in (
        ("discourse_users", "created_at"),
        ("discourse_users", "last_seen_at"),
        ("shopify_customers", "created_at"),
        ("shopify_customers", "updated_at"),
        ("persons", "joined_at"),
    ):
        assert (world[name][col] < end).all(), f"{name}.{col}"
    posts = world["discourse_posts"]
    assert (posts["updated_at"] >= posts["created_at"]).all()
    edited = posts["version"] > 1
    assert edited.any() and (posts.loc[edited, "updated_at"] > posts.loc[edited, "created_at"]).all()
    assert posts["deleted_at"].notna().any() and world["discourse_topics"]["pinned"].any()
    users = world["discourse_users"].set_index("user_id")
    first_post = posts.groupby("user_id")["created_at"].min()
    assert (users.loc[first_post.index, "created_at"] <= first_post).all()
    assert (users.loc[first_post.index, "last_seen_at"] >= posts.groupby("user_id")["created_at"].max()).all()


def test_end_date_is_the_sunday_before():
    w = generate_world(1, 200, 2, dt.date(2025, 3, 9))  # a Sunday: the data ends the Sunday before
    assert w.meta["window_end_local"] == "2025-03-02"
    assert w.meta["window_start_local"] == "2025-02-17"
    assert w.meta["window_end_utc"].startswith("2025-03-02T16:00:00")
    assert generate_world(1, 200, 2).meta["window_end_local"] == "2026-01-04"


def test_write_read_round_trip(world, tmp_path):
    world.write(tmp_path / "w")
    back = World.read(tmp_path / "w")
    assert back.meta["seed"] == 11 and back.meta["rows"]["discourse_posts"] == len(world["discourse_posts"])
    for name in world.tables:
        pd.testing.assert_frame_equal(back[name], world[name], check_exact=True, obj=name)


# --------------------------------------------------------------------------------------------------- realism


def test_personas_and_heavy_tailed_participation(world):
    persons = world["persons"]
    users = world["discourse_users"]
    members = persons[
        persons["person_id"].isin(world["truth_accounts"].query("platform == 'discourse'")["person_id"])
    ]
    share = members["persona"].value_counts(normalize=True)
    assert (
        0.6 < share["lurker"] < 0.8
        and 0.15 < share["casual"] < 0.25
        and share["leader"] < share["contributor"]
    )
    assert 3 <= (persons["persona"] == "staff").sum() <= 12 and (persons["persona"] == "bot").sum() == 3
    assert 0.65 < (persons["home_community"] == "brand_cn").mean() < 0.75
    posts = world["discourse_posts"]
    human = users.loc[~users["is_bot"], "user_id"]
    counts = posts[posts["user_id"].isin(human)].groupby("user_id").size().reindex(human, fill_value=0)
    assert (counts == 0).mean() > 0.5
    posting = counts[counts > 0].sort_values(ascending=False)
    top = posting.iloc[: max(1, len(posting) // 10)].sum()
    assert top / posting.sum() > 0.5
    bots = users[users["is_bot"]]
    assert {"system", "discobot"} <= set(bots["username"]) and set(bots["user_id"]) >= {-1, -2}
    assert posts["user_id"].isin(bots["user_id"]).any()
    assert (users["admin"] | users["moderator"]).sum() >= 3


def test_daily_and_weekly_rhythm(world):
    posts = world["discourse_posts"]
    users = world["discourse_users"]
    acc = world["truth_accounts"].query("platform == 'discourse'")
    cn_persons = world["persons"].query("home_community == 'brand_cn' and persona not in ['staff', 'bot']")
    cn_users = acc[acc["person_id"].isin(cn_persons["person_id"])]["account_id"].astype("int64")
    local = posts.loc[posts["user_id"].isin(cn_users) & posts["user_id"].isin(users["user_id"]), "created_at"]
    local = local + pd.Timedelta(hours=8)
    hours = local.dt.hour.value_counts(normalize=True)
    assert hours.loc[[20, 21, 22]].mean() > 2 * hours.loc[[3, 4, 5]].mean()
    days = local.dt.day_of_week.value_counts(normalize=True)
    assert days.loc[5] < days.loc[[0, 1, 2, 3]].mean()  # Saturdays are quieter on the forum


def test_joins_churn_and_reactivation(world, window, person_of_user):
    start, end = window
    persons = world["persons"]
    assert (persons["joined_at"] < start).any() and (persons["joined_at"] >= start).any()
    assert persons["churned_at"].notna().any() and persons["reactivated_at"].notna().any()
    assert (
        persons["reactivated_at"].dropna() > persons.loc[persons["reactivated_at"].notna(), "churned_at"]
    ).all()
    # members do nothing while churned (staff answers and bots excepted)
    posts = world["discourse_posts"].assign(person_id=lambda d: d["user_id"].map(person_of_user))
    p = posts.merge(persons, on="person_id")
    p = p[~p["persona"].isin(["staff", "bot"])]
    dormant = (p["created_at"] >= p["churned_at"]) & ~(p["created_at"] >= p["reactivated_at"])
    assert not dormant.any()


def _rate(events: pd.Series, people: pd.Series, lo, hi) -> float:
    inside = events[(events.index >= lo) & (events.index < hi)]
    return inside.isin(people).sum() / max(len(people), 1) / ((hi - lo) / pd.Timedelta(days=1))


def test_campaign_lift_is_visible(world, person_of_user, order_person):
    campaigns = world["campaigns"]
    assert 3 <= len(campaigns) <= 6 and set(campaigns["community"]) == {"brand_cn", "brand_global"}
    assert (campaigns["coupon_code"].notna() | campaigns["utm_campaign"].notna()).all()
    exposure = campaign_exposure(world)
    posts = world["discourse_posts"]
    post_people = pd.Series(
        posts["user_id"].map(person_of_user).to_numpy(), index=posts["created_at"].to_numpy()
    )
    orders = world["shopify_orders"]
    order_people = pd.Series(order_person.to_numpy(), index=orders["created_at"].to_numpy())
    # per exposed member and day, during each campaign vs the same length just before it (pooled); small holdout
    # groups are too noisy against heavy-tailed posting rates for a unit test
    totals = {k: 0.0 for k in ("post_during", "post_before", "order_during", "order_before")}
    for c in campaigns.itertuples():
        e = exposure[exposure["campaign_id"] == c.campaign_id]
        assert 0.05 < (~e["exposed"]).mean() < 0.3
        exposed = e.loc[e["exposed"], "person_id"]
        length = c.end_at - c.start_at
        totals["post_during"] += _rate(post_people, exposed, c.start_at, c.end_at)
        totals["post_before"] += _rate(post_people, exposed, c.start_at - length, c.start_at)
        totals["order_during"] += _rate(order_people, exposed, c.start_at, c.end_at)
        totals["order_before"] += _rate(order_people, exposed, c.start_at - length, c.start_at)
    assert totals["post_during"] > 1.15 * totals["post_before"]
    assert totals["order_during"] > 1.15 * totals["order_before"]
    # campaign codes and utm links show up on orders
    codes = set(campaigns["coupon_code"].dropna())
    assert world["shopify_orders"]["discount_code"].isin(codes).any()
    utms = campaigns["utm_campaign"].dropna()
    assert any(
        orders["landing_site"].str.contains(f"utm_campaign={u}", regex=False, na=False).any() for u in utms
    )
    dc = world["shopify_discount_codes"]
    assert set(dc.loc[dc["campaign_id"].notna(), "code"]) == codes


def test_questions_answered_after_a_delay_or_never(world):
    cats = world["discourse_categories"]
    qa = cats.loc[cats["slug"].isin(["cn-qa", "qa"]), "category_id"]
    assert set(cats["name"]) >= {"问答", "Q&A"}
    topics = world["discourse_topics"]
    questions = topics[topics["category_id"].isin(qa)]
    users = world["discourse_users"]
    posts = world["discourse_posts"]
    posts = posts[~posts["user_id"].isin(users.loc[users["is_bot"], "user_id"])]
    p = posts.merge(questions[["topic_id", "user_id", "created_at"]], on="topic_id", suffixes=("", "_q"))
    others = p[(p["post_number"] > 1) & (p["user_id"] != p["user_id_q"])]
    first = others.groupby("topic_id").agg(at=("created_at", "min"), asked=("created_at_q", "first"))
    delay = (first["at"] - first["asked"]).dt.total_seconds()
    assert len(first) > 0.5 * len(questions) and (delay > 0).all()
    assert delay.median() > 60 and delay.max() > 24 * 3600  # minutes to days
    unanswered = set(questions["topic_id"]) - set(first.index)
    assert len(unanswered) > 0.05 * len(questions)
    accepted = questions[questions["has_accepted_answer"]]
    assert (
        len(accepted) > 0
        and accepted["accepted_answer_post_id"].isin(world["discourse_posts"]["post_id"]).all()
    )
    staff = users.loc[users["admin"] | users["moderator"], "user_id"]
    assert others["user_id"].isin(staff).any() and (~others["user_id"].isin(staff)).any()


def test_feedback_truth_and_tricky_text(world):
    fb = world["truth_feedback"]
    assert set(fb["sentiment"]) == {"negative", "neutral", "positive"} and set(fb["lang"]) == {"zh-CN", "en"}
    neg = fb[fb["sentiment"] == "negative"]
    assert set(neg["lang"]) == {"zh-CN", "en"}
    raw = world["discourse_posts"].set_index("post_id")["raw"]
    assert (
        raw.loc[neg["post_id"]].str.contains("失望|disappointed|慢|slow|crash|闪退", regex=True).mean() > 0.3
    )
    assert raw.str.contains("<script>", regex=False).any() and raw.str.contains("&", regex=False).any()
    assert raw.str.contains('"', regex=False).any()


def test_store_behaviour(world, order_person):
    orders = world["shopify_orders"]
    assert orders["customer_id"].isna().mean() > 0.05  # guest checkouts
    assert orders["test"].sum() >= 1
    assert 0.003 < orders["cancelled_at"].notna().mean() < 0.03
    assert 0.01 < len(world["shopify_refunds"]) / len(orders) < 0.06
    assert (
        orders["discount_code"].notna().any()
        and orders["landing_site"].str.contains("utm_source=", na=False).any()
    )
    lines = world["shopify_order_lines"].groupby("order_id").size()
    assert lines.min() >= 1 and lines.max() <= 4
    per_person = order_person.value_counts()
    assert (per_person == 1).any() and (per_person >= 3).any()  # one-time and repeat buyers
    assert order_person.notna().all()  # every order belongs to someone (guest orders through truth_accounts)
    customers = world["shopify_customers"].set_index("customer_id")
    account = orders[orders["customer_id"].notna()]
    assert (
        customers.loc[account["customer_id"].astype("int64"), "created_at"].to_numpy()
        <= account["created_at"].to_numpy()
    ).all()


def _norm_email(s: pd.Series) -> pd.Series:
    return s.str.replace(r"\s+", "", regex=True).str.lower()


def test_identity_overlaps_and_traps(world):
    persons = world["persons"].set_index("person_id")
    acc = world["truth_accounts"]
    users = world["discourse_users"].set_index("user_id")
    customers = world["shopify_customers"].set_index("customer_id")
    # same person, differently typed email on each platform
    d = acc[acc["platform"] == "discourse"].assign(uid=lambda x: x["account_id"].astype("int64"))
    typed = users.loc[d["uid"], "email"].to_numpy()
    canon = persons.loc[d["person_id"], "email"].to_numpy()
    ok = pd.notna(canon)
    assert (_norm_email(pd.Series(typed[ok])) == pd.Series(canon[ok])).all()
    assert (pd.Series(typed[ok]) != pd.Series(canon[ok])).any()  # messy as typed
    s = acc[acc["platform"] == "shopify"].assign(cid=lambda x: x["account_id"].astype("int64"))
    both = set(d["person_id"]) & set(s["person_id"])
    assert len(both) > 50
    assert (
        len(set(d["person_id"]) - set(s["person_id"])) > 0
        and len(set(s["person_id"]) - set(d["person_id"])) > 0
    )
    phones = customers["phone"].dropna()
    assert phones.str.startswith("+86 ").any() and phones.str.fullmatch(r"1[3-9]\d{9}").any()
    assert phones.str.contains(r"\(\d{3}\) \d{3}-\d{4}").any()
    assert persons["email"].isna().any() and persons["wechat_unionid"].str.startswith("o6_bm").any()
    assert persons["email"].dropna().is_unique and persons["phone_e164"].dropna().is_unique
    # guest orders, some by known people (their email), and shared identifiers that must not merge people
    orders = world["shopify_orders"]
    guest = orders[orders["customer_id"].isna()]
    assert _norm_email(guest["email"].dropna()).isin(set(persons["email"].dropna())).any()
    never = world.meta["never_merge_identifiers"]
    assert any("@" in x for x in never) and any(x.startswith("+") for x in never)
    noreply = [x for x in never if "@" in x][0]
    shared = acc[
        (acc["platform"] == "shopify_order")
        & acc["account_id"].isin(guest.loc[_norm_email(guest["email"]) == noreply, "order_id"].astype(str))
    ]
    assert shared["person_id"].nunique() >= 2
    assert noreply not in set(persons["email"].dropna())
    shop_phone = guest["phone"].str.replace(r"\D", "", regex=True).str.removeprefix("86").str.lstrip("0")
    desk = [x for x in never if x.startswith("+")][0].removeprefix("+86")
    at_desk = guest.loc[shop_phone == desk, "order_id"].astype(str)
    assert (
        acc[(acc["platform"] == "shopify_order") & acc["account_id"].isin(at_desk)]["person_id"].nunique()
        >= 2
    )
    assert desk not in set(persons["phone_e164"].dropna().str.removeprefix("+86"))


def test_truth_future(world):
    fut = world["truth_future"]
    last_sunday = dt.date.fromisoformat(world.meta["window_end_local"])
    weeks = {last_sunday + dt.timedelta(days=1 + 7 * i) for i in range(8)}
    assert set(fut["week_start"]) == weeks
    assert fut["person_id"].isin(world["persons"]["person_id"]).all()
    assert not fut.duplicated(["person_id", "week_start"]).any()
    assert ((fut["posts"] > 0) | (fut["orders"] > 0)).all()
    assert (fut["orders"] > 0).any() and (fut["revenue"] > 0).any()
    # the future continues the history: the week after the window looks like the last window week
    posts = world["discourse_posts"]
    last_week = posts[
        posts["created_at"] >= pd.Timestamp(world.meta["window_end_utc"]) - pd.Timedelta(days=7)
    ]
    first_future = fut.loc[fut["week_start"] == min(weeks), "posts"].sum()
    assert 0.6 < first_future / len(last_week) < 1.5


def test_bad_arguments_are_clear():
    with pytest.raises(ValueError, match="members"):
        generate_world(1, 10, 4)
    with pytest.raises(ValueError, match="weeks"):
        generate_world(1, 500, 1)


def test_demo_scale_has_every_feature():
    w = generate_world(7, 5000, 12)
    rows = {n: len(t) for n, t in w.tables.items()}
    assert rows["discourse_posts"] > 5000 and rows["shopify_orders"] > 1000
    assert w.meta["records"] == sum(rows.values())
    assert np.isfinite(w.meta["generation_seconds"])


def _store_orders(world) -> pd.DataFrame:
    """(person_id, at) of every Shopify, 有赞 and WooCommerce order of an account the truth knows (times as the
    world keeps them: naive, close enough to compare with a campaign period of days)."""
    acc = world["truth_accounts"].astype({"account_id": str})
    person = dict(zip(zip(acc["platform"], acc["account_id"], strict=True), acc["person_id"], strict=True))
    frames = [
        (world["shopify_orders"], "shopify", "customer_id", "created_at"),
        (world["youzan_trades"], "youzan", "yz_open_id", "created_at"),
        (world["woo_orders"], "woocommerce", "customer_id", "date_created"),
    ]
    out = []
    for table, platform, key, at in frames:
        ids = table[key].map(
            lambda v: None if pd.isna(v) else str(int(v)) if isinstance(v, float) else str(v)
        )
        who = [person.get((platform, i)) for i in ids]
        out.append(pd.DataFrame({"person_id": who, "at": table[at].to_numpy()}))
    return pd.concat(out, ignore_index=True).dropna(subset=["person_id"])


def test_ab_test_arm_b_gets_its_own_lift():
    """variant_b_lift=3: during cmp-01, variant_b's members place far more store orders per head than variant_a's,
    the arms are halves of the exposed, and the default world is the same world with both arms alike."""
    from pulse.sandbox.world import AB_TEST_CAMPAIGN, campaign_variants

    world = generate_world(5, 3000, 10, variant_b_lift=3.0)
    c = world["campaigns"].set_index("campaign_id").loc[AB_TEST_CAMPAIGN]
    assert c["variant_b_order_lift"] == pytest.approx(3 * c["order_lift"], abs=1e-4)
    arms = campaign_variants(world)
    assert 0.4 < (arms["variant"] == "variant_b").mean() < 0.6
    orders = _store_orders(world)
    during = orders[(orders["at"] >= c["start_at"]) & (orders["at"] < c["end_at"])]
    per_head = {
        v: during["person_id"].isin(set(g["person_id"])).sum() / len(g) for v, g in arms.groupby("variant")
    }
    assert per_head["variant_b"] > 1.5 * per_head["variant_a"], per_head
    plain = generate_world(5, 300, 3)
    assert (
        plain["campaigns"]["variant_b_order_lift"].dropna() == plain["campaigns"]["order_lift"].iloc[0]
    ).all()
    with pytest.raises(ValueError, match="variant_b_lift"):
        generate_world(5, 300, 3, variant_b_lift=0)
