"""Contract tests: real responses recorded from Discourse and Shopify parse through our stream declarations, and
carry the fields the pipeline relies on. Skipped cleanly when ../shared/real-api-samples is absent."""

from __future__ import annotations

import json

import pytest
from requests.structures import CaseInsensitiveDict

from ingestion.discourse import POST_IDS_PER_REQUEST, MemberWalk, topic_chunks
from ingestion.discourse import SOURCE_TYPE as DISCOURSE
from ingestion.runner import parse_ts
from ingestion.runtime.http import Page
from ingestion.runtime.paginate import _next_link, records_of
from ingestion.shopify import SOURCE_TYPE as SHOPIFY
from pulse.testing.paths import SAMPLES

pytestmark = pytest.mark.skipif(not SAMPLES.exists(), reason="../shared/real-api-samples not present")


def page_of(folder: str, name: str, headers: dict | None = None) -> Page:
    body = (SAMPLES / folder / name).read_bytes()
    return Page(200, CaseInsensitiveDict(headers or {}), body, json.loads(body), f"/{name}")


CASES = [
    (
        DISCOURSE,
        "posts",
        "discourse",
        "posts_latest.json",
        ["username", "user_id", "topic_id", "post_number", "raw"],
    ),
    (DISCOURSE, "posts", "discourse", "posts_before.json", ["username", "topic_id", "created_at"]),
    (DISCOURSE, "topics", "discourse", "latest.json", ["title", "category_id", "created_at", "posts_count"]),
    (DISCOURSE, "categories", "discourse", "categories.json", ["name", "slug"]),
    (DISCOURSE, "users", "discourse", "user_list.json", ["username", "admin", "moderator", "created_at"]),
    (
        DISCOURSE,
        "topic_posts",
        "discourse",
        "topic.json",
        ["topic_id", "post_number", "reply_to_post_number"],
    ),
    (
        DISCOURSE,
        "topic_posts",
        "discourse",
        "topic_posts.json",
        ["topic_id", "post_number", "accepted_answer"],
    ),
    (SHOPIFY, "orders", "shopify", "orders.json", ["email", "total_price", "created_at", "financial_status"]),
    (SHOPIFY, "customers", "shopify", "customers_search.json", ["email", "created_at", "state"]),
]


@pytest.mark.parametrize(("stype", "stream", "folder", "file", "fields"), CASES, ids=[c[3] for c in CASES])
def test_sample_parses_with_fields_we_rely_on(stype, stream, folder, file, fields):
    spec = stype.streams[stream]
    records = records_of(page_of(folder, file), spec)
    assert records, f"{file}: no records at {spec.records!r}"
    for r in records:
        assert isinstance(r[spec.primary_key], int)
        for f in fields:
            assert f in r, f"{file}: record {r[spec.primary_key]} lacks {f}"
        if spec.cursor_field and r.get(spec.cursor_field) is not None:
            assert parse_ts(r[spec.cursor_field]) is not None, r[spec.cursor_field]


def test_discourse_user_email_is_optional():
    users = records_of(page_of("discourse", "user_list.json"), DISCOURSE.streams["users"])
    with_email = [u for u in users if u.get("email")]
    assert with_email and len(with_email) < len(users)  # only shown to admins, and not for every user


def test_discourse_before_page_includes_its_boundary():
    records = records_of(page_of("discourse", "posts_before.json"), DISCOURSE.streams["posts"])
    assert (
        max(r["id"] for r in records) == 14
    )  # asked for before=14: the paginator therefore asks min_id-1 next


def test_discourse_topics_pinned_first_and_null_last_posted():
    topics = records_of(page_of("discourse", "latest.json"), DISCOURSE.streams["topics"])
    assert topics[0]["pinned"] is True


def test_discourse_topic_view_sends_the_first_chunk_and_lists_every_post_id():
    spec = DISCOURSE.streams["topic_posts"]
    page = page_of("discourse", "topic.json")
    first, chunks = topic_chunks(page, spec)
    stream = page.data["post_stream"]["stream"]
    assert [p["id"] for p in first] == stream and chunks == []  # 4 posts: all in the first chunk
    for p in first:
        for f in (
            "id",
            "topic_id",
            "post_number",
            "reply_to_post_number",
            "user_id",
            "username",
            "created_at",
        ):
            assert f in p, f"topic.json: post {p['id']} lacks {f}"
        assert parse_ts(p[spec.cursor_field]) is not None
    assert [p["post_number"] for p in first] == sorted(p["post_number"] for p in first)


def test_discourse_topic_view_chunks_the_rest_by_id():
    """`posts` holds the first chunk only; the other ids of `stream` are asked for, a request's worth at a time."""
    page = page_of("discourse", "topic.json")
    posts = page.data["post_stream"]["posts"]
    page.data["post_stream"]["stream"] = [p["id"] for p in posts] + list(range(1000, 1045))
    first, chunks = topic_chunks(page, DISCOURSE.streams["topic_posts"])
    assert first == posts
    assert [len(c) for c in chunks] == [
        POST_IDS_PER_REQUEST,
        POST_IDS_PER_REQUEST,
        45 - 2 * POST_IDS_PER_REQUEST,
    ]
    assert sum(chunks, []) == list(range(1000, 1045))


def test_discourse_topic_posts_by_id_carry_the_topic_view_fields():
    spec = DISCOURSE.streams["topic_posts"]
    (post,) = records_of(page_of("discourse", "topic_posts.json"), spec)
    assert isinstance(post[spec.primary_key], int)
    assert post["post_number"] == 2 and post["reply_to_post_number"] is None
    assert post["accepted_answer"] is False  # the Solved plugin's field, in topic views only
    assert parse_ts(post[spec.cursor_field]) is not None


def test_discourse_group_members_page_by_offset_and_say_their_group():
    spec = DISCOURSE.streams["group_members"]
    walk = MemberWalk({"id": 41, "name": "mygroup", "automatic": False}, limit=100)
    assert walk.params() == {"limit": 100, "offset": 0}
    first = walk.take(page_of("discourse", "members_0.json").data)
    assert len(first) == 100 and not walk.done and walk.params() == {"limit": 100, "offset": 100}
    second = walk.take(page_of("discourse", "members_1.json").data)
    assert len(second) == 90 and walk.done  # no `meta` in these recordings: a short page ends the group
    records = first + second
    assert len({r[spec.primary_key] for r in records}) == 190
    for r in records:
        assert r["group"] == {"id": 41, "name": "mygroup", "automatic": False}
        assert r[spec.primary_key] == f"41:{r['id']}" and r["owner"] is False
        assert isinstance(r["id"], int) and r["username"]
    # The same user in another group is another membership.
    other = MemberWalk({"id": 10, "name": "trust_level_0", "automatic": True}, limit=100)
    again = other.take(page_of("discourse", "members_0.json").data)
    assert {r[spec.primary_key] for r in again}.isdisjoint(r[spec.primary_key] for r in first)


def test_discourse_group_members_limit_zero_never_loops():
    """members_2.json: `meta: {total: 107, limit: 0, offset: 0}` with 100 members and 7 owners. The offset moves
    by the members received, not `meta.limit`; a page that brings nobody new ends the group."""
    data = page_of("discourse", "members_2.json").data
    walk = MemberWalk({"id": 41, "name": "mygroup", "automatic": False}, limit=100)
    records = walk.take(data)
    assert len(records) == 107 and [r["owner"] for r in records[:7]] == [True] * 7
    assert not walk.done and walk.params()["offset"] == 100  # 100 < total 107: ask on
    assert walk.take(data) == [] and walk.done  # the same page again (offset ignored): stop
    assert len({r["group_user"] for r in records}) == 107


def test_shopify_money_is_a_string_and_timestamps_carry_offsets():
    orders = records_of(page_of("shopify", "orders.json"), SHOPIFY.streams["orders"])
    assert isinstance(orders[0]["total_price"], str)
    assert parse_ts(orders[0]["created_at"]).utcoffset() is not None


def test_link_header_next():
    link = (
        '<https://x.myshopify.com/admin/api/2025-01/orders.json?limit=250&page_info=abc>; rel="previous", '
        '<https://x.myshopify.com/admin/api/2025-01/orders.json?limit=250&page_info=def>; rel="next"'
    )
    page = Page(200, CaseInsensitiveDict({"Link": link}), b"{}", {}, "/")
    assert _next_link(page).endswith("page_info=def")
