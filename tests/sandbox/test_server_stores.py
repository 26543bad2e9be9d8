"""The stores' world (Youzan, WooCommerce, offline), the sandbox's WooCommerce and Youzan APIs, and the file-drop
writer: determinism, contract, identity overlaps and traps, realism, and each API's pagination, filters, shapes,
auth, errors and rate limits as the platforms document them."""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
import time
from decimal import Decimal
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
import requests

from pulse.sandbox.filedrops import write_drops
from pulse.sandbox.server import make_server
from pulse.sandbox.tables import World
from pulse.sandbox.world import campaign_exposure, generate_world
from pulse.sandbox.worlds import stores

WOO = "/woocommerce/wp-json/wc/v3"
MONEY = re.compile(r"^-?\d+\.\d\d$")
LOCAL = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$")
SH_TIME = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$")
PLATFORMS = ("youzan", "woocommerce", "woocommerce_order", "pos_order", "event_checkin")


@pytest.fixture(scope="module")
def world():
    return generate_world(21, 1200, 8)


@pytest.fixture(scope="module")
def server(world):
    with make_server(world, rate_limits=False) as s:
        yield s


@pytest.fixture(scope="module")
def woo(server):
    creds = server.credentials["woocommerce"]
    with requests.Session() as s:
        s.auth = (creds["consumer_key"], creds["consumer_secret"])
        yield s


@pytest.fixture(scope="module")
def token(server):
    return _token(server)


def _token(server, **override) -> str:
    c = server.credentials["youzan"]
    body = {
        "client_id": c["client_id"],
        "client_secret": c["client_secret"],
        "authorize_type": "silent",
        "grant_id": c["grant_id"],
        **override,
    }
    r = requests.post(f"{server.url}/youzan/auth/token", json=body, timeout=5)
    assert r.status_code == 200
    return r.json()["data"]["access_token"]


def yz(server, token: str, api: str, **params) -> dict:
    r = requests.post(
        f"{server.url}/youzan/api/{api}", params={"access_token": token}, json=params, timeout=5
    )
    assert r.status_code == 200, r.text[:300]
    return r.json()


# ------------------------------------------------------------------------------------------------ world


def test_same_seed_same_tables_and_the_contract(world):
    again = generate_world(21, 1200, 8)
    for name in stores.TABLES:
        pd.testing.assert_frame_equal(world[name], again[name], check_exact=True, obj=name)
        assert len(world[name]) > 0, name
    kinds = {
        "youzan_trades": {
            "tid": "str",
            "created_at": "datetime64[us]",
            "payment": "object",
            "fans_id": "Int64",
        },
        "youzan_customers": {"member_level": "Int32", "points": "int32", "gender": "int8"},
        "woo_orders": {
            "order_id": "int64",
            "customer_id": "int64",
            "total": "object",
            "date_paid": "datetime64[us]",
        },
        "offline_pos_orders": {"amount": "object", "items": "int32", "paid_at": "datetime64[us]"},
    }
    for name, cols in kinds.items():
        for col, kind in cols.items():
            assert str(world[name][col].dtype) == kind, (name, col, world[name][col].dtype)
    for col in ("total_fee", "discount", "post_fee", "payment"):
        assert all(
            isinstance(v, Decimal) and v.as_tuple().exponent == -2 for v in world["youzan_trades"][col]
        )
    assert world["youzan_trades"]["created_at"].dt.microsecond.eq(0).all()  # second precision


def test_keys_references_and_truth(world):
    pk = {
        "youzan_customers": "yz_open_id",
        "youzan_trades": "tid",
        "youzan_trade_items": "oid",
        "youzan_points": "log_id",
        "woo_customers": "customer_id",
        "woo_orders": "order_id",
        "woo_order_lines": "line_id",
        "woo_refunds": "refund_id",
        "woo_coupons": "coupon_id",
        "offline_pos_orders": "order_no",
        "offline_checkins": "checkin_id",
    }
    for name, key in pk.items():
        assert world[name][key].is_unique, name
    t, c = world["youzan_trades"], world["youzan_customers"]
    assert (
        world["youzan_trade_items"]["tid"].isin(t["tid"]).all()
        and t["yz_open_id"].isin(c["yz_open_id"]).all()
    )
    assert world["youzan_points"]["yz_open_id"].isin(c["yz_open_id"]).all()
    assert (world["youzan_points"]["balance"] >= 0).all()
    o = world["woo_orders"]
    assert world["woo_order_lines"]["order_id"].isin(o["order_id"]).all()
    assert world["woo_refunds"]["order_id"].isin(o["order_id"]).all()
    assert o.loc[o["customer_id"] > 0, "customer_id"].isin(world["woo_customers"]["customer_id"]).all()
    assert set(world["woo_refunds"]["refund_id"]).isdisjoint(o["order_id"])  # one post id space
    acc = world["truth_accounts"]
    assert not acc.duplicated(["platform", "account_id"]).any()
    ids = {
        "youzan": set(c["yz_open_id"]),
        "woocommerce": set(world["woo_customers"]["customer_id"].astype(str)),
        "woocommerce_order": set(o.loc[o["customer_id"] == 0, "order_id"].astype(str)),
        "pos_order": set(world["offline_pos_orders"]["order_no"]),
        "event_checkin": set(world["offline_checkins"]["checkin_id"]),
    }
    for platform, keys in ids.items():
        assert set(acc.loc[acc["platform"] == platform, "account_id"]) == keys, platform
    assert acc["person_id"].isin(world["persons"]["person_id"]).all()


def test_identities_overlap_the_people_and_keep_the_traps(world):
    persons = world["persons"].set_index("person_id")
    acc = world["truth_accounts"]
    yz = world["youzan_customers"].merge(
        acc[acc["platform"] == "youzan"], left_on="yz_open_id", right_on="account_id"
    )
    who = persons.loc[yz["person_id"]]
    u = yz["union_id"].notna().to_numpy()
    assert u.sum() > 20 and (yz["union_id"][u].to_numpy() == who["wechat_unionid"][u].to_numpy()).all()
    m = yz["mobile"].notna().to_numpy()
    assert ("+86" + yz["mobile"][m]).tolist() == who["phone_e164"][m].tolist()
    assert (who["home_community"] == "brand_cn").all()
    twice = yz.groupby("person_id").size()
    assert (twice > 1).any()  # a second account: same mobile, no union id
    woo = world["woo_customers"].merge(
        acc[acc["platform"] == "woocommerce"].assign(customer_id=lambda x: x["account_id"].astype("int64")),
        on="customer_id",
    )
    shoppers = woo[woo["role"] == "customer"]
    assert (shoppers["email"].to_numpy() == persons.loc[shoppers["person_id"], "email"].to_numpy()).all()
    orders = world["woo_orders"]
    typed = orders["billing_email"].str.strip().str.lower()
    assert typed.isin(set(persons["email"].dropna())).all() and (orders["billing_email"] != typed).any()
    forum = set(acc.loc[acc["platform"] == "discourse", "person_id"])
    assert len(forum & set(yz["person_id"])) > 10 and len(forum & set(woo["person_id"])) > 5
    # the shop's front-desk phone, typed for walk-in guests: several people, never one
    pos = world["offline_pos_orders"].merge(
        acc[acc["platform"] == "pos_order"], left_on="order_no", right_on="account_id"
    )
    desk = pos["phone"].str.replace(r"\D", "", regex=True).isin({"02168881234", "862168881234"})
    assert pos.loc[desk, "person_id"].nunique() >= 2


def test_orders_follow_personas_rhythm_and_campaigns(world):
    acc = world["truth_accounts"]
    persons = world["persons"].set_index("person_id")
    t = world["youzan_trades"].merge(
        acc[acc["platform"] == "youzan"], left_on="yz_open_id", right_on="account_id"
    )
    per_buyer = t.groupby("person_id").size()
    persona = persons.loc[per_buyer.index, "persona"]
    assert per_buyer[persona == "leader"].mean() > per_buyer[persona == "lurker"].mean()
    assert per_buyer.max() >= 4 * per_buyer.median()  # heavy tail
    hour = (t["created_at"] + pd.Timedelta(hours=8)).dt.hour
    assert (hour.between(2, 5)).mean() < 0.05 < (hour.between(19, 22)).mean()
    # exposed people buy more during their community's campaigns than the held-out people
    exposure = campaign_exposure(world)
    camps = world["campaigns"]
    lift_in, lift_out = 0, 0
    for c in camps[camps["community"] == "brand_cn"].itertuples():
        e = exposure[exposure["campaign_id"] == c.campaign_id]
        inside = t[(t["created_at"] >= c.start_at) & (t["created_at"] < c.end_at)]
        for exposed, n_people in e.groupby("exposed").size().items():
            ids = set(e.loc[e["exposed"] == exposed, "person_id"])
            rate = inside["person_id"].isin(ids).sum() / n_people
            if exposed:
                lift_in += rate
            else:
                lift_out += rate
    assert lift_in > lift_out


def test_extension_is_fast_at_demo_scale():
    w = generate_world(7, 5000, 12)
    base = {k: v for k, v in w.tables.items() if k not in stores.TABLES}
    acc = base["truth_accounts"]
    base["truth_accounts"] = acc[~acc["platform"].isin(PLATFORMS)]
    meta = {k: w.meta[k] for k in ("seed", "window_start_utc", "window_end_utc", "communities")}
    best = float("inf")
    for _ in range(2):
        started = time.perf_counter()
        out = stores.extend(World(tables=dict(base), meta=meta), 7)
        best = min(best, time.perf_counter() - started)
    records = sum(len(v) for v in out.values())
    assert best < 1.0 and records > 20_000, (best, records)


# ------------------------------------------------------------------------------------------------ WooCommerce


def _walk(http, url: str, params: dict) -> tuple[list[dict], list[requests.Response]]:
    responses = [http.get(url, params=params, timeout=5)]
    while True:
        r = responses[-1]
        assert r.status_code == 200, r.text[:300]
        nxt = r.links.get("next", {}).get("url")
        if not nxt:
            break
        responses.append(http.get(nxt, timeout=5))
    return [x for r in responses for x in r.json()], responses


def test_woo_pages_by_number_with_totals_and_links(server, woo, world):
    records, responses = _walk(
        woo, f"{server.url}{WOO}/orders", {"per_page": 7, "orderby": "id", "order": "asc"}
    )
    ids = [o["id"] for o in records]
    assert ids == sorted(world["woo_orders"]["order_id"].tolist())
    first = responses[0].headers
    assert int(first["X-WP-Total"]) == len(ids) and int(first["X-WP-TotalPages"]) == len(responses) == -(
        -len(ids) // 7
    )
    assert "prev" not in responses[0].links and "prev" in responses[-1].links
    past = woo.get(f"{server.url}{WOO}/orders", params={"per_page": 7, "page": len(responses) + 1}, timeout=5)
    assert past.status_code == 200 and past.json() == []
    default = woo.get(f"{server.url}{WOO}/orders", timeout=5).json()  # 10 newest first
    assert len(default) == 10 and [o["date_created_gmt"] for o in default] == sorted(
        (o["date_created_gmt"] for o in default), reverse=True
    )


def test_woo_customers_hide_staff_unless_role_all(server, woo, world):
    url = f"{server.url}{WOO}/customers"
    default, _ = _walk(woo, url, {"per_page": 100})
    everyone, _ = _walk(woo, url, {"per_page": 100, "role": "all", "orderby": "id", "order": "asc"})
    roles = world["woo_customers"]["role"]
    assert len(default) == int((roles == "customer").sum()) and len(everyone) == len(roles)
    assert {c["role"] for c in everyone} >= {"customer", "administrator"}
    names = [f"{c['first_name']} {c['last_name']}".strip().lower() for c in default]
    assert names == sorted(names)  # orderby=name, asc by default


def test_woo_dates_are_site_local_and_filters_respect_dates_are_gmt(server, woo, world):
    o = woo.get(f"{server.url}{WOO}/orders", params={"per_page": 1}, timeout=5).json()[0]
    assert LOCAL.match(o["date_created"]) and LOCAL.match(o["date_created_gmt"])
    gmt = dt.datetime.fromisoformat(o["date_created_gmt"]).replace(tzinfo=dt.UTC)
    local = gmt.astimezone(ZoneInfo("America/Los_Angeles")).replace(tzinfo=None)
    assert o["date_created"] == local.isoformat()
    orders = world["woo_orders"]
    cut = orders["date_modified"].quantile(0.5).floor("s")
    text = cut.strftime("%Y-%m-%dT%H:%M:%S")
    want = int((orders["date_modified"] > cut).sum())

    def total(**params):
        r = woo.get(f"{server.url}{WOO}/orders", params={"per_page": 1, **params}, timeout=5)
        return int(r.headers["X-WP-Total"])

    assert total(modified_after=text, dates_are_gmt="true") == want
    assert total(modified_after=text + "+00:00") == want  # an offset wins
    site = cut.tz_localize("UTC").tz_convert("America/Los_Angeles").strftime("%Y-%m-%dT%H:%M:%S")
    assert total(modified_after=site) == want  # no offset, no dates_are_gmt: site time
    assert total(modified_after=text) != want


def test_woo_shapes_money_strings_and_floats(server, woo, world):
    orders, _ = _walk(woo, f"{server.url}{WOO}/orders", {"per_page": 100})
    legacy = [o for o in orders if o["id"] % 7 == 3]
    normal = [o for o in orders if o["id"] % 7 != 3]
    assert legacy and all(isinstance(o["total"], float) for o in legacy)
    assert all(MONEY.match(o["total"]) and MONEY.match(o["discount_total"]) for o in normal)
    assert all(isinstance(li["price"], float) for o in orders for li in o["line_items"])
    w = world["woo_orders"].set_index("order_id")
    for o in orders:
        assert Decimal(str(o["total"])) == w.loc[o["id"], "total"]
        assert (o["customer_id"] == 0) == (w.loc[o["id"], "customer_id"] == 0)
    coupons = [c for o in orders for c in o["coupon_lines"]]
    assert coupons and all(c["code"] == c["code"].lower() for c in coupons)
    refunds = [r for o in orders for r in o["refunds"]]
    assert refunds and all(r["total"].startswith("-") for r in refunds)
    one = woo.get(f"{server.url}{WOO}/orders/{orders[0]['id']}", timeout=5).json()
    assert one["id"] == orders[0]["id"] and "self" in one["_links"]


@pytest.mark.parametrize(
    ("params", "param"),
    [
        ({"per_page": 101}, "per_page"),
        ({"per_page": 0}, "per_page"),
        ({"page": "x"}, "page"),
        ({"orderby": "name"}, "orderby"),
    ],
)
def test_woo_bad_arguments_are_400(server, woo, params, param):
    r = woo.get(f"{server.url}{WOO}/orders", params=params, timeout=5)
    assert r.status_code == 400
    body = r.json()
    assert body["code"] == "rest_invalid_param" and param in body["data"]["params"]


def test_woo_auth(server, world):
    creds = server.credentials["woocommerce"]
    url = f"{server.url}{WOO}/coupons"
    none = requests.get(url, timeout=5)
    assert none.status_code == 401 and none.json()["code"] == "woocommerce_rest_cannot_view"
    wrong = requests.get(url, auth=(creds["consumer_key"], "cs_wrong"), timeout=5)
    assert wrong.status_code == 401 and wrong.json()["message"] == "Consumer secret is invalid."
    bad_key = requests.get(url, auth=("ck_wrong", creds["consumer_secret"]), timeout=5)
    assert bad_key.json()["message"] == "Consumer key is invalid."
    query = requests.get(url, params=dict(creds), timeout=5)
    assert query.status_code == 200 and len(query.json()) == len(world["woo_coupons"])
    basic = base64.b64encode(f"{creds['consumer_key']}:{creds['consumer_secret']}".encode()).decode()
    assert requests.get(url, headers={"Authorization": f"Basic {basic}"}, timeout=5).status_code == 200
    missing = requests.get(f"{server.url}/woocommerce/wp-json/wc/v3/products", params=dict(creds), timeout=5)
    assert missing.status_code == 404 and missing.json()["code"] == "rest_no_route"


def test_woo_host_rate_limit_then_recovery(world):
    with make_server(world, rate_limits=True, rate_scale=20) as s:  # 25 requests per 0.5 s
        creds = s.credentials["woocommerce"]
        url = f"{s.url}{WOO}/coupons"
        codes = [requests.get(url, auth=tuple(creds.values()), timeout=5) for _ in range(30)]
        throttled = [r for r in codes if r.status_code == 429]
        assert throttled and int(throttled[0].headers["Retry-After"]) >= 1
        assert "text/html" in throttled[0].headers["Content-Type"]
        time.sleep(0.6)
        assert requests.get(url, auth=tuple(creds.values()), timeout=5).status_code == 200


def test_woo_php_fatal_is_an_html_page(world):
    with make_server(world, rate_limits=False, faults="500=1.0,prefix=/woocommerce") as s:
        r = requests.get(f"{s.url}{WOO}/orders", timeout=5)
    assert (
        r.status_code == 500
        and "critical error" in r.text
        and r.headers["Content-Type"].startswith("text/html")
    )


# ------------------------------------------------------------------------------------------------ Youzan


def test_youzan_token_and_refusals(server):
    c = server.credentials["youzan"]
    r = requests.post(
        f"{server.url}/youzan/auth/token",
        json={
            "client_id": c["client_id"],
            "client_secret": c["client_secret"],
            "authorize_type": "silent",
            "grant_id": c["grant_id"],
        },
        timeout=5,
    ).json()
    assert r["success"] is True and r["code"] == 200
    expires = r["data"]["expires"] / 1000
    assert 6.9 * 86400 < expires - time.time() < 7.1 * 86400  # epoch milliseconds
    bad = requests.post(f"{server.url}/youzan/auth/token", json={"client_id": c["client_id"]}, timeout=5)
    assert bad.status_code == 200 and bad.json()["success"] is False and bad.json()["code"] == 4001
    for tok, code in (("", 4201), ("nope", 4201)):
        body = yz(server, tok, "youzan.trades.sold.get/4.0.0")
        assert body["success"] is False and body["gw_err_resp"]["err_code"] == code
    assert yz(server, _token(server), "youzan.no.such.api/1.0.0")["gw_err_resp"]["err_code"] == 4004


def test_youzan_tokens_expire_and_can_be_revoked(world):
    with make_server(world, rate_limits=False) as s:
        platform = s.platforms["/youzan"]
        platform.token_uses = 2
        tok = _token(s)
        assert [yz(s, tok, "youzan.scrm.customer.list/1.0.0").get("success") for _ in range(2)] == [
            True,
            True,
        ]
        assert yz(s, tok, "youzan.scrm.customer.list/1.0.0")["gw_err_resp"]["err_code"] == 4202
        platform.token_uses = None
        tok = _token(s)
        platform.revoke_tokens()
        assert yz(s, tok, "youzan.scrm.customer.list/1.0.0")["gw_err_resp"]["err_code"] == 4201


def test_youzan_trades_newest_first_with_shanghai_update_filter(server, token, world):
    trades = world["youzan_trades"]
    body = yz(server, token, "youzan.trades.sold.get/4.0.0", page_no=1, page_size=100)
    assert body["success"] is True and body["data"]["total_results"] == len(trades)
    got = [x["full_order_info"]["order_info"] for x in body["data"]["full_order_info_list"]]
    assert [o["created"] for o in got] == sorted((o["created"] for o in got), reverse=True)
    o = got[0]
    assert SH_TIME.match(o["created"]) and SH_TIME.match(o["update_time"])
    row = trades.set_index("tid").loc[o["tid"]]
    assert o["created"] == (row["created_at"] + pd.Timedelta(hours=8)).strftime("%Y-%m-%d %H:%M:%S")
    cut = trades["update_time"].quantile(0.7).floor("s")
    local = (cut + pd.Timedelta(hours=8)).strftime("%Y-%m-%d %H:%M:%S")
    filtered = yz(server, token, "youzan.trades.sold.get/4.0.0", start_update=local, page_size=1)
    assert filtered["data"]["total_results"] == int((trades["update_time"] >= cut).sum())
    seen = []
    for page in range(1, 100):
        chunk = yz(server, token, "youzan.trades.sold.get/4.0.0", page_no=page, page_size=40)["data"]
        if not chunk["full_order_info_list"]:
            break
        seen += [x["full_order_info"]["order_info"]["tid"] for x in chunk["full_order_info_list"]]
    assert sorted(seen) == sorted(trades["tid"])


def test_youzan_pages_of_one_walk_select_their_rows_once(world):
    """Each page used to recompute its filters over the whole table: at L (8.5 M points) every page cost
    O(rows) and the landing crawled. A walk's filters are computed once; other filters get their own rows."""
    with make_server(world, rate_limits=False) as s:
        platform = s.platforms["/youzan"]
        computed = []
        window = platform._window
        platform._window = lambda *a: computed.append(a[1]) or window(*a)
        token = _token(s)
        points = world["youzan_points"]
        start = (points["created_at"].quantile(0.5).floor("s") + pd.Timedelta(hours=8)).strftime(
            "%Y-%m-%d %H:%M:%S"
        )
        ids = []
        for page in range(1, 1000):
            items = yz(
                s,
                token,
                api := "youzan.crm.customer.points.changelog.search/4.0.0",
                start_time=start,
                page_no=page,
                page_size=100,
            )["data"]["items"]
            if not items:
                break
            ids += [x["id"] for x in items]
        assert page > 3 and computed == ["start_time"]
        assert sorted(ids) == sorted(
            points.loc[points["created_at"] >= points["created_at"].quantile(0.5).floor("s"), "log_id"]
        )
        everything = yz(s, token, api, page_no=1, page_size=1)["data"]["paginator"]["total_count"]
        assert everything == len(points) and computed == ["start_time", "start_time"]


def test_youzan_string_quirks_and_json_in_strings(server, token, world):
    t = yz(server, token, "youzan.trades.sold.get/4.0.0", page_size=100)["data"]["full_order_info_list"]
    info = [x["full_order_info"] for x in t]
    assert all(isinstance(json.loads(i["order_info"]["order_extra"]), dict) for i in info)
    assert all(json.loads(i["address_info"]["address_extra"])["lat"] > 0 for i in info)
    assert all(MONEY.match(i["pay_info"]["payment"]) for i in info)
    assert {i["buyer_info"]["outer_user_id"] for i in info} == {"null"}
    c = yz(server, token, "youzan.scrm.customer.list/1.0.0", page_size=50)["data"]
    assert c["total"] == len(world["youzan_customers"]) and len(c["record_list"]) == 50
    assert {r["is_member"] for r in c["record_list"]} <= {"true", "false"}
    assert all(r["member_level"] == "null" or r["member_level"].isdigit() for r in c["record_list"])
    p = yz(server, token, "youzan.crm.customer.points.changelog.search/4.0.0", page_size=100)["data"]
    assert p["paginator"]["total_count"] == len(world["youzan_points"])
    assert all(isinstance(x["total"], str) and x["total"].isdigit() for x in p["items"])
    assert [x["id"] for x in p["items"]] == sorted(x["id"] for x in p["items"])


@pytest.mark.parametrize(
    "params",
    [{"page_size": 101}, {"page_no": 0}, {"start_update": "2025-12-01T00:00:00"}, {"page_size": "many"}],
)
def test_youzan_bad_parameters_are_in_band(server, token, params):
    body = yz(server, token, "youzan.trades.sold.get/4.0.0", **params)
    assert body["success"] is False and body["code"] == 40010 and "gw_err_resp" not in body


def test_youzan_rate_limit_and_faults_answer_in_band(world):
    with make_server(world, rate_limits=True, rate_scale=1.0) as s:
        tok = _token(s)
        codes = [
            yz(s, tok, "youzan.scrm.customer.list/1.0.0", page_size=1).get("gw_err_resp", {}).get("err_code")
            for _ in range(25)
        ]
        assert codes[0] is None and 4301 in codes and codes.count(None) >= 20
    with make_server(world, rate_limits=False, faults="429=0.5,500=0.5,prefix=/youzan/api") as s:
        tok = _token(s)
        codes = {yz(s, tok, "youzan.scrm.customer.list/1.0.0")["gw_err_resp"]["err_code"] for _ in range(12)}
    assert codes == {4301, 5001}


# ------------------------------------------------------------------------------------------------ file drops


def test_drops_are_written_the_way_shops_export(tmp_path, world):
    m = write_drops(world, tmp_path)
    sh = tmp_path / m.files["pos_orders"][0]
    body = sh.read_bytes()
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    assert body.decode("gbk", errors="replace").startswith("订单编号,门店,付款时间") and b"\r\n" in body
    assert (tmp_path / "pos_HZ02_export.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    from openpyxl import load_workbook

    wb = load_workbook(tmp_path / "checkins_global.xlsx", read_only=True)
    rows = list(wb["Check-ins"].iter_rows(values_only=True))
    assert rows[0][0] == "Ticket ID" and isinstance(rows[1][-1], dt.datetime)
    lines = (tmp_path / "checkins_cn_export.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(m.keys["checkins_cn"]) + m.broken["checkins_cn"]
    assert m.broken == {
        "pos_orders": 5,
        "checkins_cn": 2,
        "checkins_global": 2,
        "members": 1,
        "campaigns": 1,
        "campaign_audience": 0,
    }
    members = (tmp_path / "members_export.csv").read_bytes()
    assert members.startswith("\ufeff会员卡号,手机号,邮箱".encode())
    assert len(members.decode("utf-8-sig").splitlines()) == 1 + len(world["member_bindings"]) + 1
    assert sorted(m.keys["pos_orders"]) == sorted(world["offline_pos_orders"]["order_no"])
    calendar = (tmp_path / "campaigns.csv").read_bytes().decode("utf-8-sig").splitlines()
    assert calendar[0].startswith("Campaign ID,") and len(calendar) == 1 + len(world["campaigns"]) + 1
    audience = (tmp_path / "audience_export.csv").read_text(encoding="utf-8").splitlines()
    assert len(audience) == 1 + len(m.keys["campaign_audience"]) == 1 + len(set(m.keys["campaign_audience"]))
    clean = tmp_path / "clean"
    assert write_drops(world, clean, broken=False).broken == dict.fromkeys(m.broken, 0)
    sh_local = world["offline_pos_orders"].query("store_code == 'SH01'")["paid_at"] + pd.Timedelta(hours=8)
    weeks = {f"{d.isocalendar()[0]}-W{d.isocalendar()[1]:02d}" for d in sh_local}
    assert len(m.files["pos_orders"]) == len(weeks) + 1  # a GBK file per week, one UTF-8-BOM export
