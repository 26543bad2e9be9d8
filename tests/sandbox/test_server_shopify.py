"""The sandbox's Shopify: Link-header pagination end to end, filters, shapes, auth, and the leaky bucket."""

from __future__ import annotations

import base64
import json
import re
import time
from decimal import Decimal

import pandas as pd
import pytest
import requests

from pulse.sandbox.ratelimit import LeakyBucket
from pulse.testing.paths import SAMPLES
from pulse.testing.tiny_world import SHOPIFY_TOKEN, make_tiny_world, running_server

API = "/shopify/admin/api/2025-01"
AUTH = {"X-Shopify-Access-Token": SHOPIFY_TOKEN}
MONEY = re.compile(r"^\d+\.\d\d$")
SHOP_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$")


@pytest.fixture(scope="module")
def world():
    return make_tiny_world()


@pytest.fixture(scope="module")
def server(world):
    with running_server(world, rate_limits=False) as s:
        yield s


@pytest.fixture(scope="module")
def http():
    with requests.Session() as s:
        s.headers.update(AUTH)
        yield s


def parse_link(header: str | None) -> dict[str, str]:
    """`<url>; rel="next", <url>; rel="previous"` -> {"next": url, "previous": url}."""
    links = {}
    for part in (header or "").split(","):
        if not part.strip():
            continue
        url, *attrs = part.split(";")
        for attr in attrs:
            m = re.match(r'\s*rel="?([a-z]+)"?', attr)
            if m:
                links[m.group(1)] = url.strip().strip("<>")
    return links


def walk(http, url: str, params: dict | None = None) -> tuple[list[dict], list[requests.Response]]:
    """Follow rel="next" from the first page; return all records and every response."""
    key = url.rsplit("/", 1)[-1].removesuffix(".json")
    responses = [http.get(url, params=params, timeout=10)]
    while True:
        r = responses[-1]
        assert r.status_code == 200, (r.url, r.text[:300])
        nxt = parse_link(r.headers.get("Link")).get("next")
        if not nxt:
            break
        responses.append(http.get(nxt, timeout=10))
    return [rec for r in responses for rec in r.json()[key]], responses


def test_orders_paginate_by_link_header(http, server, world):
    records, responses = walk(http, f"{server.url}{API}/orders.json", {"status": "any", "limit": 7})
    ids = [o["id"] for o in records]
    assert ids == sorted(world["shopify_orders"]["order_id"].tolist())  # every order, once, by id
    assert len(responses) == -(-len(ids) // 7)
    assert all(len(r.json()["orders"]) <= 7 for r in responses)
    # The first page has only rel="next"; later pages also rel="previous"; the last only rel="previous".
    assert set(parse_link(responses[0].headers["Link"])) == {"next"}
    assert set(parse_link(responses[1].headers["Link"])) == {"next", "previous"}
    assert set(parse_link(responses[-1].headers["Link"])) == {"previous"}
    # requests' own Link parsing agrees with ours.
    assert responses[1].links["next"]["url"] == parse_link(responses[1].headers["Link"])["next"]
    # Links are absolute, carry limit, and nothing but limit and page_info.
    nxt = parse_link(responses[1].headers["Link"])["next"]
    assert nxt.startswith(f"{server.url}{API}/orders.json?limit=7&page_info=")
    # page_info is opaque base64 JSON that holds the first request's filters.
    token = nxt.split("page_info=")[1]
    info = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    assert info["status"] == "any" and info["direction"] == "next"


def test_previous_links_walk_back(http, server):
    _, responses = walk(http, f"{server.url}{API}/customers.json", {"limit": 25})
    assert len(responses) == 3
    back = http.get(parse_link(responses[-1].headers["Link"])["previous"], timeout=10)
    assert [c["id"] for c in back.json()["customers"]] == [c["id"] for c in responses[-2].json()["customers"]]
    first = http.get(parse_link(back.headers["Link"])["previous"], timeout=10)
    assert [c["id"] for c in first.json()["customers"]] == [c["id"] for c in responses[0].json()["customers"]]
    assert "previous" not in parse_link(first.headers.get("Link"))


def test_orders_default_to_open(http, server, world):
    records, _ = walk(http, f"{server.url}{API}/orders.json", {"limit": 250})
    orders = world["shopify_orders"]
    assert {o["id"] for o in records} == set(orders.loc[orders["cancelled_at"].isna(), "order_id"])
    assert all(o["cancelled_at"] is None for o in records)
    cancelled, _ = walk(http, f"{server.url}{API}/orders.json", {"status": "cancelled"})
    assert cancelled and all(o["cancelled_at"] for o in cancelled)


def test_updated_at_min_is_kept_across_pages(http, server, world):
    customers = world["shopify_customers"]
    cut = customers["updated_at"].sort_values().iloc[len(customers) // 3]
    since = (cut + pd.Timedelta(hours=8)).strftime("%Y-%m-%dT%H:%M:%S+08:00")
    records, responses = walk(
        http, f"{server.url}{API}/customers.json", {"updated_at_min": since, "limit": 10}
    )
    expected = customers.loc[customers["updated_at"] >= cut.floor("s"), "customer_id"]
    assert [c["id"] for c in records] == sorted(expected.tolist())
    assert len(responses) > 2
    count = http.get(f"{server.url}{API}/customers/count.json", params={"updated_at_min": since}, timeout=10)
    assert count.json() == {"count": len(expected)}


def test_since_id_and_counts(http, server, world):
    ids = sorted(world["shopify_customers"]["customer_id"].tolist())
    records, _ = walk(http, f"{server.url}{API}/customers.json", {"since_id": ids[9], "limit": 250})
    assert [c["id"] for c in records] == ids[10:]
    assert http.get(f"{server.url}{API}/customers/count.json", timeout=10).json() == {"count": len(ids)}
    orders = world["shopify_orders"]
    any_count = http.get(f"{server.url}{API}/orders/count.json", params={"status": "any"}, timeout=10).json()
    assert any_count == {"count": len(orders)}
    open_count = http.get(f"{server.url}{API}/orders/count.json", timeout=10).json()
    assert open_count == {"count": int(orders["cancelled_at"].isna().sum())}


def test_page_info_with_other_filters_is_400(http, server):
    first = http.get(f"{server.url}{API}/orders.json", params={"status": "any", "limit": 5}, timeout=10)
    nxt = parse_link(first.headers["Link"])["next"]
    r = http.get(nxt + "&status=any", timeout=10)
    assert r.status_code == 400
    assert "status cannot be passed when page_info is present" in r.json()["errors"]["status"]
    # limit and fields may come with page_info.
    ok = http.get(nxt.replace("limit=5", "limit=3") + "&fields=id,updated_at", timeout=10)
    assert ok.status_code == 200
    assert all(set(o) == {"id", "updated_at"} for o in ok.json()["orders"]) and len(ok.json()["orders"]) == 3


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 251},
        {"limit": 0},
        {"limit": "many"},
        {"page_info": "not-a-cursor"},
        {"updated_at_min": "last tuesday"},
    ],
)
def test_bad_parameters_are_400(http, server, params):
    r = http.get(f"{server.url}{API}/customers.json", params=params, timeout=10)
    assert r.status_code == 400
    assert "errors" in r.json()


def test_order_shape(http, server, world):
    records, _ = walk(http, f"{server.url}{API}/orders.json", {"status": "any", "limit": 250})
    by_id = {o["id"]: o for o in records}
    orders = world["shopify_orders"].set_index("order_id")
    lines = world["shopify_order_lines"]
    refunds = world["shopify_refunds"]
    for oid, o in by_id.items():
        row = orders.loc[oid]
        for key in (
            "total_price",
            "subtotal_price",
            "total_tax",
            "total_discounts",
            "total_line_items_price",
        ):
            assert MONEY.match(o[key]), (key, o[key])
        assert Decimal(o["total_price"]) == row["total_price"]
        for key in ("created_at", "updated_at", "processed_at"):
            assert SHOP_TIME.match(o[key]), o[key]
        assert (
            o["currency"] == "CNY" and o["name"] == row["name"] and o["order_number"] == row["order_number"]
        )
        assert isinstance(o["id"], int)
        if pd.isna(row["customer_id"]):
            assert "customer" not in o  # guest checkout
        else:
            assert o["customer"]["id"] == row["customer_id"]
            assert set(o["customer"]) >= {
                "id",
                "email",
                "phone",
                "first_name",
                "last_name",
                "created_at",
                "updated_at",
            }
        mine = lines[lines["order_id"] == oid].sort_values("line_id")
        assert [li["id"] for li in o["line_items"]] == mine["line_id"].tolist()
        assert [Decimal(li["price"]) for li in o["line_items"]] == mine["price"].tolist()
        theirs = refunds[refunds["order_id"] == oid]
        assert [Decimal(t["amount"]) for r in o["refunds"] for t in r["transactions"]] == theirs[
            "amount"
        ].tolist()
        if pd.isna(row["discount_code"]):
            assert o["discount_codes"] == []
        else:
            assert o["discount_codes"] == [
                {"code": row["discount_code"], "amount": o["total_discounts"], "type": "fixed_amount"}
            ]
        assert o["landing_site"] == (None if pd.isna(row["landing_site"]) else row["landing_site"])
    assert any(o["fulfillment_status"] is None for o in records)
    assert any(o["cancelled_at"] for o in records)
    sample_path = SAMPLES / "shopify" / "orders.json"
    if sample_path.exists():
        sample = json.loads(sample_path.read_text())["orders"][0]
        ours = records[0]
        renamed_or_retired = {"billing_address", "shipping_address", "payment_details", "total_price_usd"}
        assert set(sample) - set(ours) <= renamed_or_retired
        for key in set(sample) & set(ours):
            if sample[key] is not None and ours[key] is not None:
                assert type(ours[key]) is type(sample[key]), key


def test_customer_shape_and_single_record(http, server, world):
    c = http.get(f"{server.url}{API}/customers.json", params={"limit": 1}, timeout=10).json()["customers"][0]
    row = world["shopify_customers"].set_index("customer_id").loc[c["id"]]
    assert c["email"] == row["email"] and c["phone"] == row["phone"] and c["tags"] == row["tags"]
    assert MONEY.match(c["total_spent"]) and isinstance(c["orders_count"], int)
    assert SHOP_TIME.match(c["created_at"])
    one = http.get(f"{server.url}{API}/customers/{c['id']}.json", timeout=10)
    assert one.json() == {"customer": c}
    assert http.get(f"{server.url}{API}/customers/1.json", timeout=10).status_code == 404


def test_auth_failure_is_401(server):
    for headers in ({}, {"X-Shopify-Access-Token": "shpat_wrong"}):
        r = requests.get(f"{server.url}{API}/orders.json", headers=headers, timeout=10)
        assert r.status_code == 401
        assert r.json() == {
            "errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"
        }


def test_unknown_path_is_404(http, server):
    r = http.get(f"{server.url}{API}/products.json", timeout=10)
    assert r.status_code == 404 and r.json() == {"errors": "Not Found"}


def test_leaky_bucket_then_recovery(world):
    # 40 calls, leaking 2 x 10 = 20 a second.
    with running_server(world, rate_scale=10) as s, requests.Session() as http:
        http.headers.update(AUTH)
        url = f"{s.url}{API}/orders/count.json"
        responses = [http.get(url, timeout=10) for _ in range(60)]
        used = [int(r.headers["X-Shopify-Shop-Api-Call-Limit"].split("/")[0]) for r in responses]
        assert used[0] == 1 and max(used) == 40
        assert all(r.headers["X-Shopify-Shop-Api-Call-Limit"].endswith("/40") for r in responses)
        limited = [r for r in responses if r.status_code == 429]
        assert limited
        r = limited[0]
        assert r.headers["Retry-After"] == "0.2"
        assert r.json() == {
            "errors": "Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted service."
        }
        time.sleep(float(r.headers["Retry-After"]) + 0.05)
        assert http.get(url, timeout=10).status_code == 200


def test_leaky_bucket_with_a_fake_clock():
    now = [0.0]
    bucket = LeakyBucket(3, 1.0, clock=lambda: now[0])
    assert [bucket.hit("t") for _ in range(4)] == [(True, 1), (True, 2), (True, 3), (False, 3)]
    now[0] = 1.0  # one call leaked out
    assert bucket.hit("t") == (True, 3)
    now[0] = 10.0
    assert bucket.hit("t") == (True, 1)


def test_world_read_back_from_parquet_serves_the_same(tmp_path, world):
    """World.read gives floats for decimals and NaN for null strings; the server must not care."""
    world.write(tmp_path)
    again = type(world).read(tmp_path)
    with running_server(world, rate_limits=False) as a, running_server(again, rate_limits=False) as b:
        for path in ("/orders.json?status=any&limit=250", "/customers.json?limit=250"):
            ra = requests.get(f"{a.url}{API}{path}", headers=AUTH, timeout=10).json()
            rb = requests.get(f"{b.url}{API}{path}", headers=AUTH, timeout=10).json()
            assert ra == rb
