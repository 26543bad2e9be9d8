"""Raw tables for the dbt tests, created exactly as docs/architecture.md ("Raw tables") says the loader does.

Two kinds of records:
- synthetic ones (sources `forum` and `shop`) whose mart numbers are worked out by hand in EXPECTED_WEEKS;
- the recorded real API responses under ../shared/real-api-samples (sources `sample_forum` and `sample_shop`),
  loaded as the connectors would land them, when that folder exists.

Rows are inserted the way the loader does: one batch per (source, stream, page), a version identical to one already
stored for the same source and key (same `_hash`) is not stored again.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from pulse.testing.paths import SAMPLES as DEFAULT_SAMPLES

# PULSE_TEST_SAMPLES=/nonexistent runs the suite as where the shared samples are absent.
SAMPLES = Path(os.environ.get("PULSE_TEST_SAMPLES") or DEFAULT_SAMPLES)

SALT = "dbt-test-salt"
STREAM_TABLES = (
    "discourse__users",
    "discourse__categories",
    "discourse__topics",
    "discourse__posts",
    "shopify__customers",
    "shopify__orders",
)

CHANNELS = [
    ("forum", "zh-qa", "brand_cn"),
    ("forum", "zh-chat", "brand_cn"),
    ("forum", "qa", "brand_global"),
    ("forum", "general", "brand_global"),
    ("forum", None, "forum_other"),  # the rest of the forum (here: the staff lounge, unknown categories)
    ("shop", None, "brand_cn"),
    ("sample_forum", None, "brand_global"),  # sample_shop belongs to no community: it counts only in 'all'
]
COMMUNITIES = ("all", "brand_cn", "brand_global", "forum_other")


def contact_hash(value: str | None) -> str | None:
    """What hash_contact() must give for an already-normalized value."""
    return None if value is None else hashlib.sha256(f"{SALT}:{value}".encode()).hexdigest()


@dataclass
class RawData:
    rows: dict[str, list[tuple]] = field(default_factory=lambda: {t: [] for t in STREAM_TABLES})
    batches: list[tuple] = field(default_factory=list)
    seen: set[tuple] = field(default_factory=set)

    def add_batch(
        self, source: str, source_type: str, stream: str, extracted_at: str, records: list[dict]
    ) -> None:
        batch_id = (
            f"{extracted_at[:19].replace(':', '').replace('-', '')}-{source}-{stream}-{len(self.batches):03d}"
        )
        table = f"{source_type}__{stream}"
        loaded = 0
        for record in records:
            text = json.dumps(record, separators=(",", ":"), ensure_ascii=False)
            pk = None if record.get("id") is None else str(record["id"])
            digest = hashlib.md5(text.encode()).hexdigest()
            if pk is None or (source, pk, digest, table) in self.seen:
                continue
            self.seen.add((source, pk, digest, table))
            self.rows[table].append((batch_id, source, extracted_at, pk, digest, text))
            loaded += 1
        self.batches.append((batch_id, source, source_type, stream, loaded, 0, extracted_at, extracted_at))


# --- synthetic world -------------------------------------------------------------------------------------------
# Weeks are ISO weeks in Asia/Shanghai: W09 = 2026-02-23, W10 = 2026-03-02, W11 = 2026-03-09 (no activity at all),
# W12 = 2026-03-16. 2026-03-01T15:30Z is Sunday 23:30 in Shanghai (W09); 16:30Z is Monday 00:30 (W10).


def _user(uid, username, created_at, email=None, admin=False, moderator=False, **extra) -> dict:
    return {
        "id": uid,
        "username": username,
        "email": email,
        "active": True,
        "admin": admin,
        "moderator": moderator,
        "created_at": created_at,
        "last_seen_at": created_at,
        "trust_level": 1,
        "suspended_at": None,
        "post_count": 0,
        **extra,
    }


def _topic(tid, category_id, user_id, created_at, archetype="regular") -> dict:
    return {
        "id": tid,
        "title": f"Topic {tid}",
        "slug": f"topic-{tid}",
        "posts_count": 1,
        "reply_count": 0,
        "highest_post_number": 1,
        "created_at": created_at,
        "last_posted_at": created_at,
        "bumped": True,
        "bumped_at": created_at,
        "pinned": False,
        "visible": True,
        "closed": False,
        "archived": False,
        "views": 10,
        "like_count": 0,
        "archetype": archetype,
        "category_id": category_id,
        "posters": [{"extras": "latest", "description": "Original Poster", "user_id": user_id}],
    }


def _post(
    pid,
    topic_id,
    number,
    user_id,
    username,
    created_at,
    category_id,
    updated_at=None,
    version=1,
    deleted_at=None,
    reply_to=None,
    staff=False,
) -> dict:
    return {
        "id": pid,
        "username": username,
        "created_at": created_at,
        "post_number": number,
        "post_type": 1,
        "updated_at": updated_at or created_at,
        "reply_count": 0,
        "reply_to_post_number": reply_to,
        "topic_id": topic_id,
        "topic_slug": f"topic-{topic_id}",
        "category_id": category_id,
        "version": version,
        "raw": "text",
        "cooked": "<p>text</p>",
        "moderator": False,
        "admin": staff,
        "staff": staff,
        "user_id": user_id,
        "hidden": False,
        "trust_level": 1,
        "deleted_at": deleted_at,
        "user_deleted": False,
    }


def _order(
    oid,
    customer,
    created_at,
    total,
    updated_at=None,
    email=None,
    refunds=(),
    test=False,
    cancelled_at=None,
    line_items=(),
    discount_codes=(),
    landing_site=None,
) -> dict:
    return {
        "id": oid,
        "email": email,
        "created_at": created_at,
        "updated_at": updated_at or created_at,
        "number": oid - 9000,
        "order_number": oid - 8000,
        "name": f"#{oid - 8000}",
        "test": test,
        "total_price": total,
        "subtotal_price": total,
        "total_tax": "0.00",
        "total_discounts": "0.00",
        "currency": "CNY",
        "financial_status": "paid",
        "fulfillment_status": None,
        "cancelled_at": cancelled_at,
        "processed_at": created_at,
        "closed_at": None,
        "landing_site": landing_site,
        "source_name": "web",
        "phone": None,
        "customer": customer,
        "line_items": list(line_items),
        "refunds": list(refunds),
        "discount_codes": list(discount_codes),
    }


def _refund(rid, order_id, created_at, *transactions) -> dict:
    return {
        "id": rid,
        "order_id": order_id,
        "created_at": created_at,
        "processed_at": created_at,
        "note": "n",
        "refund_line_items": [],
        "order_adjustments": [],
        "transactions": [
            {
                "id": rid * 10 + i,
                "order_id": order_id,
                "kind": kind,
                "status": status,
                "amount": amount,
                "currency": "CNY",
                "gateway": "bogus",
            }
            for i, (kind, status, amount) in enumerate(transactions)
        ],
    }


CUSTOMER_501 = {
    "id": 501,
    "email": " Buyer.One@Example.com ",
    "phone": "+86 138 0013 8000",
    "created_at": "2026-02-25T10:00:00+08:00",
    "updated_at": "2026-02-25T10:00:00+08:00",
    "state": "enabled",
    "accepts_marketing": True,
    "verified_email": True,
    "tags": "vip",
    "orders_count": 2,
    "total_spent": "145.50",
    "currency": "CNY",
}
CUSTOMER_502 = {
    **CUSTOMER_501,
    "id": 502,
    "email": "two@example.com",
    "phone": "13800138000",
    "accepts_marketing": "false",
    "total_spent": 10.0,
    "tags": "",
}


def add_synthetic(data: RawData) -> None:
    t1, t2 = "2026-03-18T00:00:00+00:00", "2026-03-19T00:00:00+00:00"
    data.add_batch(
        "forum",
        "discourse",
        "categories",
        t1,
        [
            {"id": 10, "name": "问答", "slug": "zh-qa", "position": 1, "topic_count": 1, "post_count": 3},
            {"id": 11, "name": "闲聊", "slug": "zh-chat", "position": 2},
            {"id": 20, "name": "Q&A", "slug": "qa", "position": 3, "read_restricted": False},
            {"id": 21, "name": "General", "slug": "general", "position": 4},
            {"id": 22, "name": "Q&A archive", "slug": "qa-archive", "parent_category_id": 20},
            {"id": 30, "name": "Staff lounge", "slug": "staff-lounge", "read_restricted": True},
        ],
    )
    data.add_batch(
        "forum",
        "discourse",
        "users",
        t1,
        [
            _user(-1, "system", "2026-02-23T01:00:00Z", admin=True, moderator=True),
            _user(2, "discobot", "2026-02-23T01:00:00Z"),
            _user(3, "alice_old", "2026-02-24T03:00:00Z", email="old@example.com"),
            _user(
                4, "bob", "2026-02-22T16:00:00Z", email="bob@example.com", moderator=True
            ),  # Mon 00:00 local
            _user(5, "carol", "2026-03-01T15:30:00Z"),  # Sunday 23:30 in Shanghai: W09
            _user(6, "dave", "2026-03-01T16:30:00Z", email="Dave@例子.公司"),  # Monday 00:30 in Shanghai: W10
            _user(7, "erin", "2026-03-16T02:00:00Z", email="erin@example.com", admin="true"),
        ],
    )
    # alice again in a later batch: the later extraction wins (users have no updated_at)
    data.add_batch(
        "forum",
        "discourse",
        "users",
        t2,
        [
            _user(3, "alice", "2026-02-24T03:00:00Z", email="\u3000 Alice@Example.COM \u00a0"),
        ],
    )
    data.add_batch(
        "forum",
        "discourse",
        "topics",
        t1,
        [
            _topic(100, 10, 3, "2026-02-24T04:00:00Z"),
            _topic(101, 20, 5, "2026-03-01T15:00:00Z"),
            _topic(102, 30, 4, "2026-03-02T02:00:00Z"),
            _topic(103, 22, 6, "2026-03-16T02:00:00Z"),
            _topic(104, None, 3, "2026-03-03T02:00:00Z", archetype="private_message"),
            _topic(105, 10, -1, "2026-03-03T02:00:00Z"),  # a bot's topic: not counted
        ],
    )
    data.add_batch(
        "forum",
        "discourse",
        "posts",
        t1,
        [
            _post(1000, 100, 1, 3, "alice", "2026-02-24T04:00:00Z", 10),
            _post(1001, 100, 2, 5, "carol", "2026-03-01T15:30:00Z", 10),
            _post(1002, 100, 3, 6, "dave", "2026-03-01T16:30:00Z", 10, reply_to=2),
            _post(1003, 101, 1, 5, "carol", "2026-03-01T15:00:00Z", 20),
            _post(1004, 101, 2, 4, "bob", "2026-03-03T02:00:00Z", 20, staff=True),
            _post(1005, 101, 3, -1, "system", "2026-03-03T03:00:00Z", 20, staff=True),
            _post(1006, 102, 1, 4, "bob", "2026-03-02T02:00:00Z", 30, staff=True),
            _post(1007, 103, 1, 6, "dave", "2026-03-16T02:00:00Z", 22),
            _post(1008, 100, 4, 3, "alice", "2026-03-04T02:00:00Z", 10, deleted_at="2026-03-04T03:00:00Z"),
            _post(1009, 100, 5, 3, "alice", "2026-03-04T01:00:00Z", 10),
            _post(1010, 104, 1, 3, "alice", "2026-03-03T02:00:00Z", None),
            _post(1011, 999, 2, 3, "alice", "2026-03-17T02:00:00Z", 21),
            _post(1012, 105, 1, 2, "discobot", "2026-03-03T02:00:00Z", 10),
        ],
    )
    # post 1009 edited: version 2 with a later updated_at wins over the stored version 1
    data.add_batch(
        "forum",
        "discourse",
        "posts",
        t2,
        [
            _post(
                1009,
                100,
                5,
                3,
                "alice",
                "2026-03-04T01:00:00Z",
                10,
                updated_at="2026-03-05T01:00:00Z",
                version=2,
            ),
        ],
    )

    data.add_batch("shop", "shopify", "customers", t1, [CUSTOMER_501, CUSTOMER_502])
    c501 = {"id": 501, "email": CUSTOMER_501["email"]}
    c502 = {"id": 502, "email": "two@example.com"}
    lines = [
        {
            "id": 70001,
            "product_id": 1,
            "variant_id": 11,
            "sku": "TEA-1",
            "title": "Tea",
            "quantity": 2,
            "price": "20.00",
            "total_discount": "0.00",
        },
        {
            "id": 70002,
            "product_id": 2,
            "variant_id": 21,
            "sku": "CUP-1",
            "title": "Cup",
            "quantity": 1,
            "price": 5.5,
            "total_discount": "0.00",
        },
    ]
    data.add_batch(
        "shop",
        "shopify",
        "orders",
        t1,
        [
            # 100.00 - 30.00 - 20.00 (the failed 30.00 attempt is not a refund) = 50.00
            _order(
                9001,
                c501,
                "2026-02-25T02:00:00+08:00",
                "100.00",
                email="buyer.one@example.com",
                refunds=[
                    _refund(
                        1,
                        9001,
                        "2026-02-26T02:00:00+08:00",
                        ("refund", "success", "30.00"),
                        ("refund", "failure", "30.00"),
                    ),
                    _refund(2, 9001, "2026-02-27T02:00:00+08:00", ("refund", "success", "20.00")),
                ],
            ),
            _order(9002, None, "2026-03-02T23:59:59+08:00", 59.9, email=" Guest@Example.com"),  # guest, W10
            _order(9003, c502, "2026-03-03T10:00:00+08:00", "70.00", email="two@example.com", test=True),
            _order(
                9004,
                c502,
                "2026-03-04T10:00:00+08:00",
                "80.00",
                email="two@example.com",
                cancelled_at="2026-03-04T11:00:00+08:00",
            ),
            _order(
                9005,
                c501,
                "2026-03-16T10:00:00+08:00",
                "40.00",
                email="buyer.one@example.com",
                updated_at="2026-03-16T10:00:00+08:00",
            ),
            _order(9006, c502, "2026-03-01T23:30:00+08:00", "10.00", email="two@example.com"),  # Sunday: W09
        ],
    )
    data.add_batch(
        "shop",
        "shopify",
        "orders",
        t2,
        [
            _order(
                9005,
                c501,
                "2026-03-16T10:00:00+08:00",
                "45.50",
                email="buyer.one@example.com",
                updated_at="2026-03-16T12:00:00+08:00",
                line_items=lines,
                discount_codes=[{"code": "SPRING10", "amount": "4.50", "type": "fixed_amount"}],
                landing_site="/products/tea?utm_source=forum&utm_campaign=spring_sale&ref=x%40y",
            ),
        ],
    )


# What community_health_weekly (platform 'all') must hold for the synthetic weeks (sample data is years earlier).
# (week_start, community) -> active_members, new_members, topics, posts, replies, orders, buyers, revenue
# new_members: members whose first event in the community falls in the week - forum joins (account creations) map
# to forum_other (the forum's whole-source channel), alice and dave are new to brand_global when they first post
# there in W12, bob and carol to brand_cn in W09. buyers: customers 501 and 502 share a phone - one member.
EXPECTED_WEEKS: dict[tuple[str, str], tuple[int, int, int, int, int, int, int, Decimal]] = {
    ("2026-02-23", "brand_cn"): (2, 2, 1, 2, 1, 2, 1, Decimal("60.00")),
    ("2026-02-23", "brand_global"): (1, 1, 1, 1, 0, 0, 0, Decimal("0.00")),
    ("2026-02-23", "forum_other"): (0, 2, 0, 0, 0, 0, 0, Decimal("0.00")),
    ("2026-02-23", "all"): (2, 2, 2, 3, 1, 2, 1, Decimal("60.00")),
    ("2026-03-02", "brand_cn"): (2, 1, 0, 2, 2, 1, 1, Decimal("59.90")),
    ("2026-03-02", "brand_global"): (0, 0, 0, 1, 1, 0, 0, Decimal("0.00")),
    ("2026-03-02", "forum_other"): (0, 1, 1, 1, 0, 0, 0, Decimal("0.00")),
    ("2026-03-02", "all"): (2, 1, 1, 4, 3, 1, 1, Decimal("59.90")),
    ("2026-03-09", "brand_cn"): (0, 0, 0, 0, 0, 0, 0, Decimal("0.00")),
    ("2026-03-09", "brand_global"): (0, 0, 0, 0, 0, 0, 0, Decimal("0.00")),
    ("2026-03-09", "forum_other"): (0, 0, 0, 0, 0, 0, 0, Decimal("0.00")),
    ("2026-03-09", "all"): (0, 0, 0, 0, 0, 0, 0, Decimal("0.00")),
    ("2026-03-16", "brand_cn"): (0, 0, 0, 0, 0, 1, 1, Decimal("45.50")),
    ("2026-03-16", "brand_global"): (2, 2, 1, 2, 1, 0, 0, Decimal("0.00")),
    ("2026-03-16", "forum_other"): (0, 0, 0, 0, 0, 0, 0, Decimal("0.00")),
    ("2026-03-16", "all"): (2, 0, 1, 2, 1, 1, 1, Decimal("45.50")),
}
ISO_WEEKS = {
    "2026-02-23": "2026-W09",
    "2026-03-02": "2026-W10",
    "2026-03-09": "2026-W11",
    "2026-03-16": "2026-W12",
}


# --- recorded real API responses -------------------------------------------------------------------------------


def samples_available() -> bool:
    return (SAMPLES / "discourse" / "posts_latest.json").exists() and (
        SAMPLES / "shopify" / "orders.json"
    ).exists()


def _read(*parts: str) -> Any:
    return json.loads(Path(SAMPLES, *parts).read_text(encoding="utf-8"))


def add_samples(data: RawData) -> None:
    """The recorded responses as the connectors land them (records path of each stream)."""
    t1, t2 = "2026-01-05T00:00:00+00:00", "2026-01-06T00:00:00+00:00"
    data.add_batch(
        "sample_forum",
        "discourse",
        "categories",
        t1,
        _read("discourse", "categories.json")["category_list"]["categories"],
    )
    data.add_batch("sample_forum", "discourse", "users", t1, _read("discourse", "user_list.json"))
    data.add_batch(
        "sample_forum", "discourse", "topics", t1, _read("discourse", "latest.json")["topic_list"]["topics"]
    )
    data.add_batch(
        "sample_forum", "discourse", "posts", t1, _read("discourse", "posts_latest.json")["latest_posts"]
    )
    # before=14 includes post 14 itself: identical versions are not stored again
    data.add_batch(
        "sample_forum", "discourse", "posts", t2, _read("discourse", "posts_before.json")["latest_posts"]
    )
    data.add_batch(
        "sample_shop", "shopify", "customers", t1, _read("shopify", "customers_search.json")["customers"]
    )
    data.add_batch("sample_shop", "shopify", "customers", t2, [_read("shopify", "customer.json")["customer"]])
    data.add_batch("sample_shop", "shopify", "orders", t1, _read("shopify", "orders.json")["orders"])
    data.add_batch("sample_shop", "shopify", "orders", t2, [_read("shopify", "order.json")["order"]])


def sample_emails() -> set[str]:
    """Every clear email in the samples (normalized), to check that none reaches staging or marts."""
    if not samples_available():
        return set()
    emails = {u["email"] for u in _read("discourse", "user_list.json") if u.get("email")}
    emails.add(_read("shopify", "orders.json")["orders"][0]["email"])
    return {e.strip().lower() for e in emails}


def build_raw(with_samples: bool | None = None) -> RawData:
    data = RawData()
    add_synthetic(data)
    if with_samples is None:
        with_samples = samples_available()
    if with_samples:
        add_samples(data)
    return data


# --- writers -------------------------------------------------------------------------------------------------


def write_duckdb(path: Path, data: RawData) -> None:
    import duckdb

    con = duckdb.connect(str(path))
    try:
        con.execute("create schema if not exists raw")
        for table, rows in data.rows.items():
            con.execute(f"""create or replace table raw.{table} (
                _batch_id varchar, _source varchar, _extracted_at timestamptz, _pk varchar, _hash varchar,
                _record json)""")
            if rows:
                con.executemany(f"insert into raw.{table} values (?, ?, ?::timestamptz, ?, ?, ?::json)", rows)
        con.execute("""create or replace table raw._batches (
            batch_id varchar primary key, source varchar, source_type varchar, stream varchar, records bigint,
            quarantined bigint, extracted_at timestamptz, loaded_at timestamptz)""")
        con.executemany(
            "insert into raw._batches values (?, ?, ?, ?, ?, ?, ?::timestamptz, ?::timestamptz)", data.batches
        )
        con.execute("""create or replace table raw._quarantine (batch_id varchar, source varchar, stream varchar,
            line_no bigint, reason varchar, record varchar, quarantined_at timestamptz)""")
        con.execute(
            "create or replace table raw._channels (source varchar, channel varchar, community varchar)"
        )
        con.executemany("insert into raw._channels values (?, ?, ?)", CHANNELS)
    finally:
        con.close()


def write_postgres(server, data: RawData, skip: tuple[str, ...] = ()) -> None:
    """`server` is a pulse.testing.postgres.PostgresServer (its dbname is the database written); tables named in
    `skip` (e.g. "_quarantine") are not created."""
    con = server.connect(autocommit=False)
    try:
        with con.cursor() as cur:
            cur.execute("drop schema if exists raw cascade")
            cur.execute("create schema raw")
            for table, rows in data.rows.items():
                cur.execute(f"""create table raw.{table} (_batch_id text, _source text, _extracted_at timestamptz,
                    _pk text, _hash text, _record jsonb)""")
                if rows:
                    cur.executemany(
                        f"insert into raw.{table} values (%s, %s, %s::timestamptz, %s, %s, %s::jsonb)", rows
                    )
            cur.execute("""create table raw._batches (batch_id text primary key, source text, source_type text,
                stream text, records bigint, quarantined bigint, extracted_at timestamptz, loaded_at timestamptz)""")
            cur.executemany("insert into raw._batches values (%s, %s, %s, %s, %s, %s, %s, %s)", data.batches)
            if "_quarantine" not in skip:
                cur.execute("""create table raw._quarantine (batch_id text, source text, stream text,
                    line_no bigint, reason text, record text, quarantined_at timestamptz)""")
            cur.execute("create table raw._channels (source text, channel text, community text)")
            cur.executemany("insert into raw._channels values (%s, %s, %s)", CHANNELS)
        con.commit()
    finally:
        con.close()
