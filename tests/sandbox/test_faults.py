"""Fault plans: parsing, determinism, and every fault kind as a client sees it; the server survives it all."""

from __future__ import annotations

import json
import socket
import time

import pytest
import requests

from pulse.sandbox.faults import KINDS, FaultInjector, FaultPlan, FaultPlanError
from pulse.testing.tiny_world import (
    DISCOURSE_KEY,
    DISCOURSE_USER,
    SHOPIFY_TOKEN,
    make_tiny_world,
    running_server,
)

DISCOURSE = {"Api-Key": DISCOURSE_KEY, "Api-Username": DISCOURSE_USER}
SHOPIFY = {"X-Shopify-Access-Token": SHOPIFY_TOKEN}
ORDERS = "/shopify/admin/api/2025-01/orders.json?status=any&limit=250"
POSTS = "/discourse/posts.json"


# ---------------------------------------------------------------- plans


def test_parse_string_and_json_agree():
    plan = FaultPlan.parse("429=0.05,500=0.03,slow=0.01,truncate=0.01,seed=7,slow_seconds=3,prefix=shopify")
    assert plan.rates == {"429": 0.05, "500": 0.03, "slow": 0.01, "truncate": 0.01}
    assert (plan.seed, plan.slow_seconds, plan.prefix) == (7, 3.0, "/shopify")
    again = FaultPlan.from_json(json.dumps(plan.to_dict()))
    assert again == plan
    assert FaultPlan.parse(str(plan)) == plan
    assert FaultPlan.from_json('"429=0.05"').rates == {"429": 0.05}  # a JSON string holding a spec
    assert FaultPlan.parse("retry_after=0.1..0.3").retry_after == (0.1, 0.3)
    assert FaultPlan.parse("retry_after=0.2").retry_after == (0.2, 0.2)
    for empty in ("", None, "none", "off"):
        assert not FaultPlan.parse(empty).active
    assert not FaultPlan.from_json(b"{}").active


@pytest.mark.parametrize(
    "spec, needle",
    [
        ("404=0.1", "unknown fault plan key '404'"),
        ("429", "not key=value"),
        ("429=lots", "'429' has a bad value"),
        ("429=0.6,500=0.6", "add up to 1.2"),
        ("slow=1.5", "within [0, 1]"),
        ("retry_after=1..0.5", "retry_after range"),
    ],
)
def test_bad_specs_say_what_is_wrong(spec, needle):
    with pytest.raises(FaultPlanError, match=needle.replace("[", r"\[").replace("(", r"\(")):
        FaultPlan.parse(spec)


def test_draws_are_deterministic_for_a_seed():
    plan = FaultPlan.parse("429=0.2,500=0.1,reset=0.1,seed=42")
    runs = []
    for _ in range(2):
        injector = FaultInjector(plan)
        runs.append(
            [
                (f.kind, f.retry_after) if f else None
                for f in (injector.draw("/shopify/x") for _ in range(300))
            ]
        )
    assert runs[0] == runs[1]
    kinds = [r[0] for r in runs[0] if r]
    assert 40 < kinds.count("429") < 80 and kinds.count("500") and kinds.count("reset")
    assert all(0.05 <= r[1] <= 1.0 for r in runs[0] if r and r[0] == "429")
    other = FaultInjector(FaultPlan.parse("429=0.2,500=0.1,reset=0.1,seed=43"))
    assert [(f.kind if f else None) for f in (other.draw("/shopify/x") for _ in range(300))] != [
        r[0] if r else None for r in runs[0]
    ]


def test_after_and_prefix():
    injector = FaultInjector(FaultPlan.parse("500=1,after=3,prefix=/shopify"))
    assert injector.draw("/discourse/posts.json") is None  # other platform: never, and not counted
    assert [injector.draw("/shopify/a") for _ in range(3)] == [None, None, None]
    assert injector.draw("/shopify/a").kind == "500"
    assert injector.draw("/_sandbox/stats") is None
    assert injector.draw("/shopifyish") is None
    assert injector.injected == {"500": 1}


# ---------------------------------------------------------------- over HTTP


@pytest.fixture(scope="module")
def server():
    with running_server(make_tiny_world(users=20, topics=8, customers=10, orders=12), rate_limits=False) as s:
        yield s


@pytest.fixture
def faults(server):
    """Set a plan over HTTP, as a test of another module would; cleared afterwards."""

    def set_plan(plan: dict) -> dict:
        r = requests.post(f"{server.url}/_sandbox/faults", json=plan, timeout=5)
        assert r.status_code == 200, r.text
        return r.json()

    yield set_plan
    set_plan({})


def get(server, path, **kw):
    headers = SHOPIFY if path.startswith("/shopify") else DISCOURSE
    return requests.get(f"{server.url}{path}", headers=headers, timeout=kw.pop("timeout", 5), **kw)


def test_429_carries_retry_after_and_the_platform_body(server, faults):
    faults({"429": 1.0, "retry_after": "0.05..0.3"})
    r = get(server, ORDERS)
    assert r.status_code == 429
    assert 0.05 <= float(r.headers["Retry-After"]) <= 0.3
    assert r.json()["errors"].startswith("Exceeded 2 calls per second")
    assert r.headers["X-Shopify-Shop-Api-Call-Limit"] == "40/40"
    r = get(server, POSTS)
    assert r.status_code == 429 and r.json()["error_type"] == "rate_limit"
    assert 0.05 <= float(r.headers["Retry-After"]) <= 0.3


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors(server, faults, status):
    faults({str(status): 1.0})
    for path in (ORDERS, POSTS):
        r = get(server, path)
        assert r.status_code == status
        if status == 500 and path == ORDERS:
            assert r.json() == {"errors": "Internal Server Error"}
        else:
            assert r.headers["Content-Type"].startswith("text/html") and "<html" in r.text.lower()


def test_slow_makes_client_timeouts_fire(server, faults):
    faults({"slow": 1.0, "slow_seconds": 0.6})
    with pytest.raises(requests.Timeout):
        get(server, POSTS, timeout=0.2)
    started = time.perf_counter()
    r = get(server, POSTS, timeout=5)
    assert r.status_code == 200 and r.json()["latest_posts"]
    assert time.perf_counter() - started >= 0.55


def test_truncate_sends_valid_http_with_cut_json(server, faults):
    faults({"truncate": 1.0})
    r = get(server, ORDERS)
    assert r.status_code == 200
    assert int(r.headers["Content-Length"]) == len(r.content)  # a well-formed response...
    with pytest.raises(json.JSONDecodeError):  # ...whose JSON stops in the middle
        json.loads(r.content)
    faults({})
    full = get(server, ORDERS).content
    assert full.startswith(r.content) and len(r.content) == len(full) // 2


def test_truncate_close_cuts_the_connection_mid_body(server, faults):
    faults({"truncate_close": 1.0})
    with pytest.raises((requests.exceptions.ChunkedEncodingError, requests.ConnectionError)):
        get(server, ORDERS)


def test_reset_closes_without_a_response(server, faults):
    faults({"reset": 1.0})
    with pytest.raises(requests.ConnectionError):
        get(server, POSTS)


def test_control_endpoints_never_fault(server, faults):
    faults({"500": 1.0})
    assert requests.get(f"{server.url}/_sandbox/health", timeout=5).json()["status"] == "ok"
    assert requests.get(f"{server.url}/_sandbox/stats", timeout=5).status_code == 200
    assert requests.get(f"{server.url}/_sandbox/faults", timeout=5).json()["500"] == 1.0


def test_after_n_requests_and_prefix_over_http(server, faults):
    plan = faults({"503": 1.0, "after": 2, "prefix": "/shopify"})
    assert plan["after"] == 2 and plan["prefix"] == "/shopify"
    assert get(server, POSTS).status_code == 200  # other platform untouched
    assert [get(server, ORDERS).status_code for _ in range(4)] == [200, 200, 503, 503]


def test_bad_plan_over_http_is_400_and_keeps_the_old_plan(server, faults):
    faults({"429": 0.5})
    r = requests.post(f"{server.url}/_sandbox/faults", json={"teapot": 1}, timeout=5)
    assert r.status_code == 400 and "unknown fault plan key 'teapot'" in r.json()["error"]
    assert requests.get(f"{server.url}/_sandbox/faults", timeout=5).json()["429"] == 0.5


def test_same_seed_same_faults_over_http(server, faults):
    outcomes = []
    for _ in range(2):
        faults({"429": 0.3, "500": 0.2, "seed": 1})
        outcomes.append([get(server, POSTS).status_code for _ in range(30)])
    assert outcomes[0] == outcomes[1]
    assert {200, 429, 500} == set(outcomes[0])


def test_stats_count_by_prefix_and_status(server, faults):
    requests.delete(f"{server.url}/_sandbox/stats", timeout=5)
    get(server, POSTS)
    get(server, ORDERS)
    requests.get(f"{server.url}/shopify/admin/api/2025-01/orders.json", timeout=5)  # no token: 401
    faults({"500": 1.0, "prefix": "/discourse"})
    get(server, POSTS)
    stats = requests.get(f"{server.url}/_sandbox/stats", timeout=5).json()
    assert stats["by_prefix"] == {"/discourse": {"200": 1, "500": 1}, "/shopify": {"200": 1, "401": 1}}
    assert stats["by_status"] == {"200": 2, "401": 1, "500": 1}
    assert stats["total"] == 4 and stats["faults"] == {"500": 1}


def test_server_survives_clients_that_go_away(server, faults):
    host, port = server.host, server.port
    # A request cut off half-way, then a client that hangs up before reading a big answer.
    with socket.create_connection((host, port), timeout=5) as s:
        s.sendall(b"GET /discourse/posts.json HTTP/1.1\r\nHost: x\r\nApi-Ke")
    with socket.create_connection((host, port), timeout=5) as s:
        s.sendall(
            f"GET {ORDERS} HTTP/1.1\r\nHost: x\r\nX-Shopify-Access-Token: {SHOPIFY_TOKEN}\r\n\r\n".encode()
        )
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    # A client whose timeout fires while the server sleeps, and garbage instead of HTTP.
    faults({"slow": 1.0, "slow_seconds": 0.3})
    with pytest.raises(requests.Timeout):
        get(server, ORDERS, timeout=0.05)
    faults({})
    with socket.create_connection((host, port), timeout=5) as s:
        s.sendall(b"\x16\x03\x01 not http at all\r\n\r\n")
        s.recv(1024)
    time.sleep(0.35)  # let the slow handler try to write to its closed socket
    for _ in range(3):
        assert get(server, ORDERS).status_code == 200
    assert requests.get(f"{server.url}/_sandbox/health", timeout=5).status_code == 200


def test_every_kind_is_documented_and_reachable():
    plan = FaultPlan(rates={k: 1 / len(KINDS) for k in KINDS}, seed=1)
    injector = FaultInjector(plan)
    seen = {injector.draw("/discourse/x").kind for _ in range(400)}
    assert seen == set(KINDS)


def test_reset_endpoint_restarts_the_random_stream_and_clears_limits():
    with running_server(make_tiny_world(users=5, topics=3, customers=3, orders=3), rate_scale=0.001) as s:
        r1 = [get(s, "/shopify/admin/api/2025-01/customers/count.json").status_code for _ in range(41)]
        assert r1[-1] == 429
        assert requests.post(f"{s.url}/_sandbox/reset", timeout=5).json() == {"status": "ok"}
        assert get(s, "/shopify/admin/api/2025-01/customers/count.json").status_code == 200
