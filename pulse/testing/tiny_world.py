"""A small World built by hand from the contract in docs/architecture.md, for server tests.

Big enough to cross every page boundary the real APIs have (Discourse: 30 topics, 50 posts,
100 users a page, 20 posts a topic chunk), small enough to build in milliseconds. It holds the
awkward cases on purpose: pinned topics, a private message, a topic whose `last_posted_at` is null,
deleted posts, gaps in post ids, accepted answers, guest and cancelled orders, refunds, null
emails and phones in several formats.
"""

from __future__ import annotations

import random
from contextlib import contextmanager
from datetime import datetime, timedelta
from decimal import Decimal

import pandas as pd

from pulse.sandbox.tables import World

START = datetime(2025, 1, 6, 0, 0, 0)  # a Monday, UTC
DISCOURSE_KEY = "test-discourse-key"
DISCOURSE_USER = "system"
SHOPIFY_TOKEN = "shpat_test_token"
CREDENTIALS = {
    "discourse": {"api_key": DISCOURSE_KEY, "api_username": DISCOURSE_USER},
    "shopify": {"access_token": SHOPIFY_TOKEN},
}


def _ts(values: list[datetime | None]) -> pd.Series:
    return pd.Series(pd.to_datetime(values), dtype="datetime64[us]")


def _money(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(Decimal("0.01"))


def make_tiny_world(
    seed: int = 0, users: int = 130, topics: int = 40, customers: int = 60, orders: int = 90
) -> World:
    rng = random.Random(seed)

    # ---------------------------------------------------------------- Discourse users
    u_rows = []
    for i in range(users):
        uid = i + 1
        created = START + timedelta(hours=rng.randint(0, 24 * 60), seconds=rng.randint(0, 59))
        email = (
            None if i % 17 == 5 else (f"  User{uid}@Example.COM " if i % 5 == 0 else f"user{uid}@example.com")
        )
        u_rows.append(
            {
                "user_id": uid,
                "username": f"user_{uid:03d}",
                "name": f"User {uid}",
                "email": email,
                "created_at": created,
                "last_seen_at": None if i % 11 == 3 else created + timedelta(days=rng.randint(0, 30)),
                "admin": uid == 1,
                "moderator": uid == 2,
                "trust_level": rng.randint(0, 4),
                "active": i % 13 != 7,
                "is_bot": uid == 3,
            }
        )
    u = pd.DataFrame(u_rows)
    discourse_users = pd.DataFrame(
        {
            "user_id": u["user_id"].astype("int64"),
            "username": u["username"].astype(str),
            "name": u["name"].astype(str),
            "email": u["email"].astype(object),
            "created_at": _ts(u["created_at"].tolist()),
            "last_seen_at": _ts(u["last_seen_at"].tolist()),
            "admin": u["admin"].astype(bool),
            "moderator": u["moderator"].astype(bool),
            "trust_level": u["trust_level"].astype("int8"),
            "active": u["active"].astype(bool),
            "is_bot": u["is_bot"].astype(bool),
        }
    )

    discourse_categories = pd.DataFrame(
        {
            "category_id": pd.Series([1, 2, 3], dtype="int64"),
            "name": ["General", "Support", "产品反馈"],
            "slug": ["general", "support", "feedback"],
            "description": ["Talk about anything.", "Ask for help <here>.", "告诉我们你的想法"],
        }
    )

    # ---------------------------------------------------------------- topics and posts
    t_rows = []
    raw_posts = []  # (created_at, topic_index, user_id, deleted)
    for t in range(topics):
        created = START + timedelta(hours=t * 20 + rng.randint(0, 10), milliseconds=rng.randint(0, 999))
        n_posts = 45 if t == 4 else rng.randint(1, 6)
        author = rng.randint(1, users)
        times = sorted(created + timedelta(minutes=rng.randint(1, 60 * 24 * 20)) for _ in range(n_posts - 1))
        raw_posts.append((created, t, author, False))
        for k, when in enumerate(times):
            raw_posts.append((when, t, rng.randint(1, users), (t + k) % 23 == 0))
        t_rows.append({"created": created, "author": author, "n": n_posts})
    raw_posts.sort(key=lambda p: (p[0], p[1]))

    p_rows = []
    post_id = 100
    numbers = [0] * topics
    by_topic: list[list[dict]] = [[] for _ in range(topics)]
    for when, t, user, deleted in raw_posts:
        post_id += 1 if rng.random() < 0.8 else rng.randint(2, 9)  # gaps, as deleted PMs etc. leave
        numbers[t] += 1
        number = numbers[t]
        row = {
            "post_id": post_id,
            "topic_id": 1000 + t,
            "post_number": number,
            "user_id": user,
            "created_at": when,
            "updated_at": when + timedelta(minutes=5) if number % 4 == 0 else when,
            "raw": f"Post {number} of topic {t}: <b>hello</b> & 你好\n\nSecond paragraph.",
            "reply_to_post_number": (number - 1) if number > 2 and number % 3 == 0 else None,
            "like_count": rng.randint(0, 5),
            "deleted_at": when + timedelta(hours=1) if deleted else None,
            "version": 2 if number % 4 == 0 else 1,
        }
        p_rows.append(row)
        by_topic[t].append(row)
    p = pd.DataFrame(p_rows)
    discourse_posts = pd.DataFrame(
        {
            "post_id": p["post_id"].astype("int64"),
            "topic_id": p["topic_id"].astype("int64"),
            "post_number": p["post_number"].astype("int32"),
            "user_id": p["user_id"].astype("int64"),
            "created_at": _ts(p["created_at"].tolist()),
            "updated_at": _ts(p["updated_at"].tolist()),
            "raw": p["raw"].astype(str),
            "reply_to_post_number": pd.array(p["reply_to_post_number"].tolist(), dtype="Int32"),
            "like_count": p["like_count"].astype("int32"),
            "deleted_at": _ts(p["deleted_at"].tolist()),
            "version": p["version"].astype("int32"),
        }
    )

    topic_records = []
    for t, info in enumerate(t_rows):
        posts_t = by_topic[t]
        last = posts_t[-1]["created_at"]
        accepted = posts_t[1]["post_id"] if t % 7 == 2 and len(posts_t) > 1 else None
        topic_records.append(
            {
                "topic_id": 1000 + t,
                "title": f"Topic {t}: how do I ‘configure’ things?",
                "slug": f"topic-{t}-how-do-i-configure-things",
                "category_id": 1 + t % 3,
                "user_id": info["author"],
                "created_at": info["created"],
                "bumped_at": last,
                "last_posted_at": None if t == 9 else last,
                "posts_count": len(posts_t),
                "pinned": t in (3, 30),
                "closed": t % 10 == 8,
                "archetype": "private_message" if t == 12 else "regular",
                "accepted_answer_post_id": accepted,
                "has_accepted_answer": accepted is not None,
                "views": rng.randint(1, 500),
                "like_count": sum(x["like_count"] for x in posts_t),
            }
        )
    tt = pd.DataFrame(topic_records)
    discourse_topics = pd.DataFrame(
        {
            "topic_id": tt["topic_id"].astype("int64"),
            "title": tt["title"].astype(str),
            "slug": tt["slug"].astype(str),
            "category_id": tt["category_id"].astype("int64"),
            "user_id": tt["user_id"].astype("int64"),
            "created_at": _ts(tt["created_at"].tolist()),
            "bumped_at": _ts(tt["bumped_at"].tolist()),
            "last_posted_at": _ts(tt["last_posted_at"].tolist()),
            "posts_count": tt["posts_count"].astype("int32"),
            "pinned": tt["pinned"].astype(bool),
            "closed": tt["closed"].astype(bool),
            "archetype": tt["archetype"].astype(str),
            "accepted_answer_post_id": pd.array(tt["accepted_answer_post_id"].tolist(), dtype="Int64"),
            "has_accepted_answer": tt["has_accepted_answer"].astype(bool),
            "views": tt["views"].astype("int32"),
            "like_count": tt["like_count"].astype("int32"),
        }
    )

    # ---------------------------------------------------------------- Shopify
    phones = ["+86 138 0013 8000", "13800138000", "(415) 555-0101", None]
    c_rows = []
    for i in range(customers):
        created = START + timedelta(hours=rng.randint(0, 24 * 60), seconds=rng.randint(0, 59))
        c_rows.append(
            {
                "customer_id": 6_100_000_000 + i * 37,
                "email": None if i % 9 == 4 else f"Buyer{i}@Mail.example.com",
                "phone": phones[i % 4],
                "first_name": f"Buyer{i}",
                "last_name": "Wang" if i % 2 else "Li",
                "created_at": created,
                "updated_at": created + timedelta(days=rng.randint(0, 40)),
                "state": "enabled" if i % 3 else "disabled",
                "accepts_marketing": i % 2 == 0,
                "tags": "vip" if i % 10 == 0 else "",
                "verified_email": i % 9 != 4,
            }
        )
    c = pd.DataFrame(c_rows)
    shopify_customers = pd.DataFrame(
        {
            "customer_id": c["customer_id"].astype("int64"),
            "email": c["email"].astype(object),
            "phone": c["phone"].astype(object),
            "first_name": c["first_name"].astype(str),
            "last_name": c["last_name"].astype(str),
            "created_at": _ts(c["created_at"].tolist()),
            "updated_at": _ts(c["updated_at"].tolist()),
            "state": c["state"].astype(str),
            "accepts_marketing": c["accepts_marketing"].astype(bool),
            "tags": c["tags"].astype(str),
            "verified_email": c["verified_email"].astype(bool),
        }
    )

    o_rows, l_rows, r_rows = [], [], []
    line_id = 9_000_000_000
    for i in range(orders):
        oid = 5_500_000_000 + i * 101
        guest = i % 8 == 3
        cust = None if guest else c_rows[rng.randrange(customers)]
        created = START + timedelta(hours=rng.randint(0, 24 * 60), seconds=rng.randint(0, 59))
        subtotal = 0
        for _k in range(rng.randint(1, 3)):
            line_id += rng.randint(1, 5)
            price = rng.choice([4900, 9900, 19900, 59894])
            qty = rng.randint(1, 3)
            subtotal += price * qty
            l_rows.append(
                {
                    "line_id": line_id,
                    "order_id": oid,
                    "product_id": 7_000 + price,
                    "variant_id": 8_000 + price,
                    "sku": f"SKU-{price}",
                    "title": f"咖啡豆 {price // 100}g",
                    "quantity": qty,
                    "price": _money(price),
                }
            )
        code = rng.choice([None, None, "WELCOME10", "SPRING25"])
        discount = 1000 if code else 0
        tax = round(subtotal * 0.06)
        cancelled = i % 15 == 7
        financial = rng.choice(["paid", "paid", "pending", "refunded", "partially_refunded"])
        total = subtotal - discount + tax
        if financial in ("refunded", "partially_refunded"):
            amount = total if financial == "refunded" else total // 3
            r_rows.append(
                {
                    "refund_id": 4_400_000_000 + i,
                    "order_id": oid,
                    "created_at": created + timedelta(days=3),
                    "amount": _money(amount),
                    "note": "customer changed their mind",
                }
            )
        o_rows.append(
            {
                "order_id": oid,
                "order_number": 1001 + i,
                "name": f"#{1001 + i}",
                "customer_id": None if guest else cust["customer_id"],
                "email": cust["email"] if cust else f"guest{i}@example.com",
                "phone": cust["phone"] if cust else None,
                "created_at": created,
                "updated_at": created + timedelta(days=3 if financial.endswith("refunded") else 0, hours=1),
                "processed_at": created,
                "cancelled_at": created + timedelta(hours=2) if cancelled else None,
                "financial_status": "voided" if cancelled else financial,
                "fulfillment_status": rng.choice([None, "fulfilled", "partial"]),
                "currency": "CNY",
                "subtotal_price": _money(subtotal),
                "total_discounts": _money(discount),
                "total_tax": _money(tax),
                "total_price": _money(total),
                "discount_code": code,
                "landing_site": f"/products/beans?utm_campaign=spring_{i % 3}" if i % 4 == 0 else None,
                "source_name": "web",
                "test": False,
            }
        )
    o = pd.DataFrame(o_rows)
    shopify_orders = pd.DataFrame(
        {
            "order_id": o["order_id"].astype("int64"),
            "order_number": o["order_number"].astype("int64"),
            "name": o["name"].astype(str),
            "customer_id": pd.array(o["customer_id"].tolist(), dtype="Int64"),
            "email": o["email"].astype(object),
            "phone": o["phone"].astype(object),
            "created_at": _ts(o["created_at"].tolist()),
            "updated_at": _ts(o["updated_at"].tolist()),
            "processed_at": _ts(o["processed_at"].tolist()),
            "cancelled_at": _ts(o["cancelled_at"].tolist()),
            "financial_status": o["financial_status"].astype(str),
            "fulfillment_status": o["fulfillment_status"].astype(object),
            "currency": o["currency"].astype(str),
            "subtotal_price": o["subtotal_price"].astype(object),
            "total_discounts": o["total_discounts"].astype(object),
            "total_tax": o["total_tax"].astype(object),
            "total_price": o["total_price"].astype(object),
            "discount_code": o["discount_code"].astype(object),
            "landing_site": o["landing_site"].astype(object),
            "source_name": o["source_name"].astype(str),
            "test": o["test"].astype(bool),
        }
    )
    ln = pd.DataFrame(l_rows)
    shopify_order_lines = pd.DataFrame(
        {
            "line_id": ln["line_id"].astype("int64"),
            "order_id": ln["order_id"].astype("int64"),
            "product_id": ln["product_id"].astype("int64"),
            "variant_id": ln["variant_id"].astype("int64"),
            "sku": ln["sku"].astype(str),
            "title": ln["title"].astype(str),
            "quantity": ln["quantity"].astype("int32"),
            "price": ln["price"].astype(object),
        }
    )
    rf = pd.DataFrame(r_rows)
    shopify_refunds = pd.DataFrame(
        {
            "refund_id": rf["refund_id"].astype("int64"),
            "order_id": rf["order_id"].astype("int64"),
            "created_at": _ts(rf["created_at"].tolist()),
            "amount": rf["amount"].astype(object),
            "note": rf["note"].astype(str),
        }
    )
    shopify_discount_codes = pd.DataFrame(
        {
            "discount_code_id": pd.Series([11, 12], dtype="int64"),
            "price_rule_id": pd.Series([21, 22], dtype="int64"),
            "code": ["WELCOME10", "SPRING25"],
            "usage_count": pd.Series([3, 5], dtype="int32"),
            "created_at": _ts([START, START]),
            "updated_at": _ts([START, START]),
            "campaign_id": pd.Series([None, "spring_launch"], dtype=object),
        }
    )
    return World(
        tables={
            "discourse_users": discourse_users,
            "discourse_categories": discourse_categories,
            "discourse_topics": discourse_topics,
            "discourse_posts": discourse_posts,
            "shopify_customers": shopify_customers,
            "shopify_orders": shopify_orders,
            "shopify_order_lines": shopify_order_lines,
            "shopify_refunds": shopify_refunds,
            "shopify_discount_codes": shopify_discount_codes,
        },
        meta={"seed": seed, "hand_made": True},
    )


@contextmanager
def running_server(world: World | None = None, **kwargs):
    """A started sandbox server over `world` (default: the tiny world) with the test credentials."""
    from pulse.sandbox.server import make_server

    kwargs.setdefault("credentials", CREDENTIALS)
    server = make_server(world if world is not None else make_tiny_world(), **kwargs)
    server.start()
    try:
        yield server
    finally:
        server.stop()
