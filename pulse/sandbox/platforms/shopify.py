"""Shopify's REST Admin API over the World's `shopify_*` tables.

Paths (under the `/shopify` prefix): `/admin/api/{version}/customers.json`, `.../customers/count.json`,
`.../customers/{id}.json`, `.../orders.json`, `.../orders/count.json`, `.../orders/{id}.json`.

Shapes follow `real-api-samples/shopify/`: ids are integers, money is a string (`"598.94"`),
timestamps carry the shop's offset (`+08:00`), `fulfillment_status` may be null, guest orders have
no `customer` key. Behaviour worth knowing:
- Results are ordered by id ascending. Pagination is only through the `Link` header
  (`<...&page_info=...>; rel="previous", <...>; rel="next"`); `page_info` is opaque base64 JSON
  holding the position and the first request's filters. A request with `page_info` may carry only
  `limit` and `fields`; anything else is 400, as Shopify does.
- `limit` defaults to 50; more than 250 (or less than 1) is 400.
- `orders.json` defaults to `status=open` (not cancelled): pass `status=any` to get every order.
- Filters: `since_id`, `ids`, `created_at_min/max`, `updated_at_min/max` (inclusive; orders also
  `processed_at_min/max`, `status`, `financial_status`, `fulfillment_status`). Dates without an
  offset are read in the shop's time zone (+08:00).
- Auth: `X-Shopify-Access-Token`; otherwise 401. Leaky bucket of 40 calls leaking 2/s (times
  `rate_scale`), reported in `X-Shopify-Shop-Api-Call-Limit: used/40`; over it 429 with
  `Retry-After: 2.0`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta, timezone
from urllib.parse import urlencode

import numpy as np
import pandas as pd

from pulse.sandbox.platforms import (
    Fragments,
    PlatformSpec,
    Request,
    Response,
    Selections,
    as_bool,
    cents,
    dumps,
    epoch_ms,
    html_error,
    iso_offset,
    jint,
    json_response,
    jstr,
    money,
    opt_int,
    opt_str,
    ranges_by_key,
    table,
)
from pulse.sandbox.ratelimit import LeakyBucket

CUSTOMERS = (
    "customer_id",
    "email",
    "phone",
    "first_name",
    "last_name",
    "created_at",
    "updated_at",
    "state",
    "accepts_marketing",
    "tags",
    "verified_email",
)
ORDERS = (
    "order_id",
    "order_number",
    "name",
    "customer_id",
    "email",
    "phone",
    "created_at",
    "updated_at",
    "processed_at",
    "cancelled_at",
    "financial_status",
    "fulfillment_status",
    "currency",
    "subtotal_price",
    "total_discounts",
    "total_tax",
    "total_price",
    "discount_code",
    "landing_site",
    "source_name",
    "test",
)
ORDER_LINES = ("line_id", "order_id", "product_id", "variant_id", "sku", "title", "quantity", "price")
REFUNDS = ("refund_id", "order_id", "created_at", "amount", "note")

SHOP_TZ_HOURS = 8
DEFAULT_LIMIT = 50
MAX_LIMIT = 250
BUCKET_SIZE = 40
LEAK_PER_SECOND = 2.0

UNAUTHORIZED = {"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"}
NOT_FOUND = {"errors": "Not Found"}
THROTTLED = {
    "errors": "Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted service."
}
PAGINATION_DOCS = "https://shopify.dev/api/usage/pagination-rest"

_PATH = re.compile(r"^/admin/api/(\d{4}-\d{2}|unstable)/(customers|orders)(?:/(count|\d+))?\.json$")
_NULL_MS = np.iinfo(np.int64).min


class BadRequest(Exception):
    def __init__(self, errors: object):
        super().__init__(str(errors))
        self.errors = errors


def seconds_text(x: float) -> str:
    """`2.0`, `0.05`: Shopify writes Retry-After as a float."""
    text = f"{x:.3f}".rstrip("0")
    return text + "0" if text.endswith(".") else text


def parse_time_ms(name: str, value: str) -> int:
    """An ISO 8601 filter value as epoch ms; no offset means the shop's time zone."""
    try:
        dt = datetime.fromisoformat(value.strip().replace(" ", "T", 1))
    except ValueError as exc:
        raise BadRequest({name: f"{name} is not a valid ISO 8601 date: {value!r}"}) from exc
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone(timedelta(hours=SHOP_TZ_HOURS)))
    return int(dt.timestamp() * 1000)


def encode_page_info(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_page_info(token: str) -> dict:
    try:
        padded = token + "=" * (-len(token) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(data, dict) or data.get("direction") not in ("next", "prev"):
            raise ValueError("not a page_info")
        int(data["last_id"])
    except (ValueError, KeyError, TypeError, binascii.Error, UnicodeDecodeError) as exc:
        raise BadRequest({"page_info": "Invalid value."}) from exc
    return data


class _Resource:
    """One listable resource: its rows by id, its filters, and its record builder."""

    def __init__(
        self,
        name: str,
        ids: list[int],
        build_json: Callable[[int], bytes],
        times: dict[str, np.ndarray],
        filters: tuple[str, ...],
    ):
        self.name = name
        self.singular = name[:-1]
        ids_arr = np.asarray(ids, dtype=np.int64)
        self.order = np.argsort(ids_arr, kind="stable")
        self.ids = ids_arr[self.order]
        self.build_json = build_json
        self.times = {k: v[self.order] for k, v in times.items()}
        self.filter_names = filters
        self.row_of = {int(i): int(r) for i, r in zip(self.ids, self.order, strict=True)}
        self._fragments = Fragments(len(ids), build_json)
        self._selections = Selections()
        self.extra_mask: Callable[[dict[str, str]], np.ndarray | None] = lambda f: None

    def fragment(self, row: int) -> bytes:
        """The record's JSON."""
        return self._fragments.get(row)

    def record(self, row: int) -> dict:
        return json.loads(self.fragment(row))

    def warm(self) -> None:
        self._fragments.warm()

    def selected(self, filters: dict[str, str]) -> np.ndarray:
        """Positions (into `self.ids`) that pass the filters; cached, since pages repeat them."""
        return self._selections.get(tuple(sorted(filters.items())), lambda: self._select(filters))

    def _select(self, filters: dict[str, str]) -> np.ndarray:
        mask = np.ones(len(self.ids), dtype=bool)
        for name, value in filters.items():
            if name == "since_id":
                mask &= self.ids > _to_int(name, value)
            elif name == "ids":
                wanted = [_to_int(name, v) for v in value.split(",") if v.strip()]
                mask &= np.isin(self.ids, np.asarray(wanted, dtype=np.int64))
            elif name.endswith("_min") or name.endswith("_max"):
                column = self.times[name[:-4]]
                bound = parse_time_ms(name, value)
                valid = column != _NULL_MS
                mask &= valid & ((column >= bound) if name.endswith("_min") else (column <= bound))
        extra = self.extra_mask(filters)
        if extra is not None:
            mask &= extra
        return np.nonzero(mask)[0]


def _to_int(name: str, value: str) -> int:
    try:
        return int(value)
    except ValueError as exc:
        raise BadRequest({name: f"{name} must be an integer, got {value!r}"}) from exc


class ShopifyPlatform:
    name = "shopify"

    def __init__(
        self,
        tables: Mapping[str, pd.DataFrame],
        access_token: str,
        rate_limits: bool = True,
        rate_scale: float = 1.0,
    ):
        self.access_token = access_token
        self.rate_scale = rate_scale
        self.bucket = LeakyBucket(BUCKET_SIZE, LEAK_PER_SECOND * rate_scale) if rate_limits else None
        self._load_orders(table(tables, "shopify_orders", ORDERS))
        self._load_lines(table(tables, "shopify_order_lines", ORDER_LINES))
        self._load_refunds(table(tables, "shopify_refunds", REFUNDS))
        self._load_customers(table(tables, "shopify_customers", CUSTOMERS))
        self.customers = _Resource(
            "customers",
            self.c_id,
            lambda r: dumps(self._customer(r)),
            {"created_at": self.c_created_ms, "updated_at": self.c_updated_ms},
            ("since_id", "ids", "created_at_min", "created_at_max", "updated_at_min", "updated_at_max"),
        )
        self.orders = _Resource(
            "orders",
            self.o_id,
            self._order_json,
            {
                "created_at": self.o_created_ms,
                "updated_at": self.o_updated_ms,
                "processed_at": self.o_processed_ms,
            },
            (
                "since_id",
                "ids",
                "created_at_min",
                "created_at_max",
                "updated_at_min",
                "updated_at_max",
                "processed_at_min",
                "processed_at_max",
                "status",
                "financial_status",
                "fulfillment_status",
            ),
        )
        self.orders.extra_mask = self._order_mask

    # ------------------------------------------------------------------ loading
    def _load_orders(self, o: pd.DataFrame) -> None:
        self.o_id = opt_int(o["order_id"])
        self.o_number = opt_int(o["order_number"])
        self.o_name = opt_str(o["name"])
        self.o_customer = opt_int(o["customer_id"])
        self.o_email = opt_str(o["email"])
        self.o_phone = opt_str(o["phone"])
        self.o_created = iso_offset(o["created_at"], SHOP_TZ_HOURS)
        self.o_updated = iso_offset(o["updated_at"], SHOP_TZ_HOURS)
        self.o_processed = iso_offset(o["processed_at"], SHOP_TZ_HOURS)
        self.o_cancelled = iso_offset(o["cancelled_at"], SHOP_TZ_HOURS)
        self.o_created_ms = epoch_ms(o["created_at"])
        self.o_updated_ms = epoch_ms(o["updated_at"])
        self.o_processed_ms = epoch_ms(o["processed_at"])
        self.o_financial = opt_str(o["financial_status"])
        self.o_fulfillment = opt_str(o["fulfillment_status"])
        self.o_currency = [v or "CNY" for v in opt_str(o["currency"])]
        self.o_subtotal = money(o["subtotal_price"])
        self.o_discounts = money(o["total_discounts"])
        self.o_tax = money(o["total_tax"])
        self.o_total = money(o["total_price"])
        self.o_total_cents = cents(o["total_price"])
        self.o_discount_code = opt_str(o["discount_code"])
        self.o_landing = opt_str(o["landing_site"])
        self.o_source = opt_str(o["source_name"])
        self.o_test = as_bool(o["test"])
        self.o_row = {oid: i for i, oid in enumerate(self.o_id)}
        currencies = pd.Series(self.o_currency, dtype=object)
        self.shop_currency = str(currencies.mode().iloc[0]) if len(currencies) else "CNY"

    def _load_lines(self, lines: pd.DataFrame) -> None:
        self.l_id = opt_int(lines["line_id"])
        self.l_product = opt_int(lines["product_id"])
        self.l_variant = opt_int(lines["variant_id"])
        self.l_sku = opt_str(lines["sku"])
        self.l_title = opt_str(lines["title"])
        self.l_quantity = [0 if v is None else v for v in opt_int(lines["quantity"])]
        self.l_price = money(lines["price"])
        self.l_price_cents = cents(lines["price"])
        self.lines_of = self._group(opt_int(lines["order_id"]), self.l_id)

    def _load_refunds(self, refunds: pd.DataFrame) -> None:
        self.r_id = opt_int(refunds["refund_id"])
        self.r_order = opt_int(refunds["order_id"])
        self.r_created = iso_offset(refunds["created_at"], SHOP_TZ_HOURS)
        self.r_amount = money(refunds["amount"])
        self.r_amount_cents = cents(refunds["amount"])
        self.r_note = opt_str(refunds["note"])
        self.refunds_of = self._group(self.r_order, self.r_id)

    @staticmethod
    def _group(keys: list[int | None], ids: list[int | None]) -> dict[int, list[int]]:
        """Rows per key, each list in id order."""
        if not keys:
            return {}
        k = np.asarray([-1 if v is None else v for v in keys], dtype=np.int64)
        i = np.asarray([-1 if v is None else v for v in ids], dtype=np.int64)
        by_id = np.argsort(i, kind="stable")
        order, uniq, starts = ranges_by_key(k[by_id])
        return {
            int(key): [int(r) for r in by_id[order[starts[j] : starts[j + 1]]]]
            for j, key in enumerate(uniq)
            if key != -1
        }

    def _load_customers(self, c: pd.DataFrame) -> None:
        self.c_id = opt_int(c["customer_id"])
        self.c_email = opt_str(c["email"])
        self.c_phone = opt_str(c["phone"])
        self.c_first = opt_str(c["first_name"])
        self.c_last = opt_str(c["last_name"])
        self.c_created = iso_offset(c["created_at"], SHOP_TZ_HOURS)
        self.c_updated = iso_offset(c["updated_at"], SHOP_TZ_HOURS)
        self.c_created_ms = epoch_ms(c["created_at"])
        self.c_updated_ms = epoch_ms(c["updated_at"])
        self.c_state = [v or "enabled" for v in opt_str(c["state"])]
        self.c_marketing = as_bool(c["accepts_marketing"])
        self.c_tags = [v or "" for v in opt_str(c["tags"])]
        self.c_verified = as_bool(c["verified_email"])
        self.c_row = {cid: i for i, cid in enumerate(self.c_id)}
        self._embedded: dict[int, bytes] = {}
        # orders_count, total_spent (net of refunds, cancelled orders excluded), last order.
        self.c_orders: dict[int, list[int]] = {}
        for r, cid in enumerate(self.o_customer):
            if cid is not None:
                self.c_orders.setdefault(cid, []).append(r)

    # ------------------------------------------------------------------ serializers
    def _money_set(self, amount: str | None, currency: str) -> dict:
        bag = {"amount": amount, "currency_code": currency}
        return {"shop_money": bag, "presentment_money": dict(bag)}

    @staticmethod
    def _money_set_json(amount: str | None, currency: str) -> str:
        bag = f'{{"amount":{jstr(amount)},"currency_code":{jstr(currency)}}}'
        return f'{{"shop_money":{bag},"presentment_money":{bag}}}'

    def _marketing_consent(self, r: int) -> dict | None:
        if self.c_email[r] is None:
            return None
        return {
            "state": "subscribed" if self.c_marketing[r] else "not_subscribed",
            "opt_in_level": "single_opt_in",
            "consent_updated_at": self.c_updated[r] if self.c_marketing[r] else None,
        }

    def _customer(self, r: int) -> dict:
        cid = self.c_id[r]
        orders = self.c_orders.get(cid, [])
        spent = 0
        for o in orders:
            if self.o_cancelled[o] is None:
                spent += int(self.o_total_cents[o])
                spent -= sum(int(self.r_amount_cents[x]) for x in self.refunds_of.get(self.o_id[o], []))
        last = max(orders, key=lambda o: (self.o_created_ms[o], self.o_id[o])) if orders else None
        return {
            "id": cid,
            "email": self.c_email[r],
            "created_at": self.c_created[r],
            "updated_at": self.c_updated[r],
            "first_name": self.c_first[r],
            "last_name": self.c_last[r],
            "orders_count": len(orders),
            "state": self.c_state[r],
            "total_spent": f"{max(spent, 0) / 100:.2f}",
            "last_order_id": self.o_id[last] if last is not None else None,
            "note": None,
            "verified_email": self.c_verified[r],
            "multipass_identifier": None,
            "tax_exempt": False,
            "tags": self.c_tags[r],
            "last_order_name": self.o_name[last] if last is not None else None,
            "currency": self.shop_currency,
            "phone": self.c_phone[r],
            "addresses": [],
            "accepts_marketing": self.c_marketing[r],
            "accepts_marketing_updated_at": self.c_updated[r],
            "marketing_opt_in_level": "single_opt_in" if self.c_marketing[r] else None,
            "tax_exemptions": [],
            "email_marketing_consent": self._marketing_consent(r),
            "sms_marketing_consent": None,
            "admin_graphql_api_id": f"gid://shopify/Customer/{cid}",
        }

    def _embedded_customer_json(self, cid: int) -> bytes:
        item = self._embedded.get(cid)
        if item is None:
            item = self._embedded[cid] = dumps(self._embedded_customer(cid))
        return item

    def _embedded_customer(self, cid: int) -> dict:
        """The customer as embedded in an order (a shorter object than customers.json's)."""
        r = self.c_row.get(cid)
        if r is None:  # an order pointing at a customer the world does not hold
            return {"id": cid, "admin_graphql_api_id": f"gid://shopify/Customer/{cid}"}
        return {
            "id": cid,
            "email": self.c_email[r],
            "created_at": self.c_created[r],
            "updated_at": self.c_updated[r],
            "first_name": self.c_first[r],
            "last_name": self.c_last[r],
            "state": self.c_state[r],
            "note": None,
            "verified_email": self.c_verified[r],
            "multipass_identifier": None,
            "tax_exempt": False,
            "phone": self.c_phone[r],
            "email_marketing_consent": self._marketing_consent(r),
            "sms_marketing_consent": None,
            "tags": self.c_tags[r],
            "currency": self.shop_currency,
            "tax_exemptions": [],
            "admin_graphql_api_id": f"gid://shopify/Customer/{cid}",
        }

    def _line_json(self, x: int, currency: str) -> str:
        """A line item, assembled as text (orders are the heaviest records; this halves their cost)."""
        lid = jint(self.l_id[x])
        title = jstr(self.l_title[x])
        price = jstr(self.l_price[x])
        quantity = jint(self.l_quantity[x])
        zero = self._money_set_json("0.00", currency)
        return (
            f'{{"id":{lid},"admin_graphql_api_id":"gid://shopify/LineItem/{lid}",'
            f'"fulfillable_quantity":{quantity},"fulfillment_service":"manual","fulfillment_status":null,'
            f'"gift_card":false,"grams":0,"name":{title},"price":{price},'
            f'"price_set":{self._money_set_json(self.l_price[x], currency)},"product_exists":true,'
            f'"product_id":{jint(self.l_product[x])},"properties":[],"quantity":{quantity},'
            f'"requires_shipping":true,"sku":{jstr(self.l_sku[x])},"taxable":true,"title":{title},'
            f'"total_discount":"0.00","total_discount_set":{zero},"variant_id":{jint(self.l_variant[x])},'
            f'"variant_inventory_management":"shopify","variant_title":null,"vendor":null,"tax_lines":[],'
            f'"duties":[],"discount_allocations":[]}}'
        )

    def _refund(self, x: int, currency: str) -> dict:
        rid = self.r_id[x]
        oid = self.r_order[x]
        return {
            "id": rid,
            "admin_graphql_api_id": f"gid://shopify/Refund/{rid}",
            "created_at": self.r_created[x],
            "note": self.r_note[x],
            "order_id": oid,
            "processed_at": self.r_created[x],
            "restock": False,
            "total_duties_set": self._money_set("0.00", currency),
            "user_id": None,
            "order_adjustments": [],
            "transactions": [
                {
                    "id": rid * 10 + 1,
                    "admin_graphql_api_id": f"gid://shopify/OrderTransaction/{rid * 10 + 1}",
                    "amount": self.r_amount[x],
                    "authorization": None,
                    "created_at": self.r_created[x],
                    "currency": currency,
                    "device_id": None,
                    "error_code": None,
                    "gateway": "manual",
                    "kind": "refund",
                    "location_id": None,
                    "message": "Refunded",
                    "order_id": oid,
                    "parent_id": None,
                    "processed_at": self.r_created[x],
                    "receipt": {},
                    "source_name": "web",
                    "status": "success",
                    "test": False,
                    "user_id": None,
                }
            ],
            "refund_line_items": [],
            "duties": [],
        }

    def _order_json(self, r: int) -> bytes:
        """An order: its scalar part through the encoder, the nested lists spliced in as text."""
        oid = self.o_id[r]
        cur = self.o_currency[r]
        head = dumps(self._order_head(r))
        code = self.o_discount_code[r]
        parts = [head[:-1]]
        cid = self.o_customer[r]
        if cid is not None:
            parts.append(b',"customer":' + self._embedded_customer_json(cid))
        applications = (
            [
                {
                    "target_type": "line_item",
                    "type": "discount_code",
                    "value": self.o_discounts[r],
                    "value_type": "fixed_amount",
                    "allocation_method": "across",
                    "target_selection": "all",
                    "code": code,
                }
            ]
            if code
            else []
        )
        lines = ",".join(self._line_json(x, cur) for x in self.lines_of.get(oid, []))
        refunds = [self._refund(x, cur) for x in self.refunds_of.get(oid, [])]
        parts.append(
            b',"discount_applications":'
            + dumps(applications)
            + b',"fulfillments":[],"line_items":['
            + lines.encode("utf-8")
            + b'],"refunds":'
            + dumps(refunds)
            + b',"shipping_lines":[]}'
        )
        return b"".join(parts)

    def _order_head(self, r: int) -> dict:
        oid = self.o_id[r]
        cur = self.o_currency[r]
        lines = self.lines_of.get(oid, [])
        refunds = self.refunds_of.get(oid, [])
        line_cents = sum(int(self.l_price_cents[x]) * self.l_quantity[x] for x in lines)
        refunded = sum(int(self.r_amount_cents[x]) for x in refunds)
        current_total = f"{max(int(self.o_total_cents[r]) - refunded, 0) / 100:.2f}"
        cid = self.o_customer[r]
        crow = self.c_row.get(cid) if cid is not None else None
        code = self.o_discount_code[r]
        number = self.o_number[r]
        order = {
            "id": oid,
            "admin_graphql_api_id": f"gid://shopify/Order/{oid}",
            "app_id": 580111,
            "browser_ip": None,
            "buyer_accepts_marketing": self.c_marketing[crow] if crow is not None else False,
            "cancel_reason": "customer" if self.o_cancelled[r] is not None else None,
            "cancelled_at": self.o_cancelled[r],
            "cart_token": None,
            "checkout_id": None,
            "checkout_token": None,
            "client_details": None,
            "closed_at": None,
            "confirmation_number": None,
            "confirmed": True,
            "contact_email": self.o_email[r],
            "created_at": self.o_created[r],
            "currency": cur,
            "current_subtotal_price": self.o_subtotal[r],
            "current_total_discounts": self.o_discounts[r],
            "current_total_price": current_total,
            "current_total_price_set": self._money_set(current_total, cur),
            "current_total_tax": self.o_tax[r],
            "customer_locale": "zh-CN",
            "device_id": None,
            "discount_codes": (
                [{"code": code, "amount": self.o_discounts[r], "type": "fixed_amount"}] if code else []
            ),
            "email": self.o_email[r],
            "estimated_taxes": False,
            "financial_status": self.o_financial[r],
            "fulfillment_status": self.o_fulfillment[r],
            "gateway": "manual",
            "landing_site": self.o_landing[r],
            "landing_site_ref": None,
            "location_id": None,
            "name": self.o_name[r],
            "note": None,
            "note_attributes": [],
            "number": number - 1000 if number is not None else None,
            "order_number": number,
            "order_status_url": None,
            "payment_gateway_names": ["manual"],
            "phone": self.o_phone[r],
            "presentment_currency": cur,
            "processed_at": self.o_processed[r],
            "reference": None,
            "referring_site": None,
            "source_identifier": None,
            "source_name": self.o_source[r],
            "source_url": None,
            "subtotal_price": self.o_subtotal[r],
            "subtotal_price_set": self._money_set(self.o_subtotal[r], cur),
            "tags": "",
            "tax_lines": [],
            "taxes_included": False,
            "test": self.o_test[r],
            "token": hashlib.md5(str(oid).encode()).hexdigest(),
            "total_discounts": self.o_discounts[r],
            "total_discounts_set": self._money_set(self.o_discounts[r], cur),
            "total_line_items_price": f"{line_cents / 100:.2f}",
            "total_line_items_price_set": self._money_set(f"{line_cents / 100:.2f}", cur),
            "total_outstanding": "0.00",
            "total_price": self.o_total[r],
            "total_price_set": self._money_set(self.o_total[r], cur),
            "total_shipping_price_set": self._money_set("0.00", cur),
            "total_tax": self.o_tax[r],
            "total_tax_set": self._money_set(self.o_tax[r], cur),
            "total_tip_received": "0.00",
            "total_weight": 0,
            "updated_at": self.o_updated[r],
            "user_id": None,
        }
        return order

    def _order_mask(self, filters: dict[str, str]) -> np.ndarray | None:
        order = self.orders.order
        mask = None

        def both(m: np.ndarray) -> None:
            nonlocal mask
            mask = m if mask is None else (mask & m)

        status = filters.get("status", "open")
        cancelled = np.asarray([self.o_cancelled[r] is not None for r in order], dtype=bool)
        if status == "open":
            both(~cancelled)
        elif status == "cancelled":
            both(cancelled)
        elif status == "closed":
            both(np.zeros(len(order), dtype=bool))
        elif status != "any":
            raise BadRequest(
                {"status": f"status must be one of open, closed, cancelled, any; got {status!r}"}
            )
        fin = filters.get("financial_status", "any")
        if fin != "any":
            wanted = {"unpaid": {"authorized", "pending", "partially_paid"}}.get(fin, {fin})
            both(np.asarray([self.o_financial[r] in wanted for r in order], dtype=bool))
        ful = filters.get("fulfillment_status", "any")
        if ful != "any":
            wanted_f = {
                "shipped": {"fulfilled"},
                "partial": {"partial"},
                "unshipped": {None},
                "unfulfilled": {None, "partial"},
            }.get(ful, {ful})
            both(np.asarray([self.o_fulfillment[r] in wanted_f for r in order], dtype=bool))
        return mask

    # ------------------------------------------------------------------ dispatch
    def handle(self, request: Request) -> Response:
        if request.headers.get("X-Shopify-Access-Token") != self.access_token:
            return json_response(401, UNAUTHORIZED)
        used = 1
        if self.bucket is not None:
            allowed, used = self.bucket.hit(self.access_token)
            if not allowed:
                return self.throttled(2.0 / self.rate_scale)
        m = _PATH.match(request.path)
        if m is None or request.method != "GET":
            response = json_response(404, NOT_FOUND)
        else:
            version, resource_name, sub = m.groups()
            resource = self.customers if resource_name == "customers" else self.orders
            try:
                if sub == "count":
                    response = self.count(resource, request)
                elif sub is not None:
                    response = self.one(resource, int(sub))
                else:
                    response = self.list(resource, request, version)
            except BadRequest as exc:
                response = json_response(400, {"errors": exc.errors})
        response.headers.append(("X-Shopify-Shop-Api-Call-Limit", f"{used}/{BUCKET_SIZE}"))
        response.headers.append(("X-Shopify-API-Version", m.group(1) if m else "2025-01"))
        return response

    def throttled(self, retry_after: float) -> Response:
        headers = [
            ("Retry-After", seconds_text(retry_after)),
            ("X-Shopify-Shop-Api-Call-Limit", f"{BUCKET_SIZE}/{BUCKET_SIZE}"),
        ]
        return json_response(429, THROTTLED, headers)

    def fault_response(self, status: int, retry_after: float) -> Response:
        if status == 429:
            return self.throttled(retry_after)
        if status == 500:
            return json_response(500, {"errors": "Internal Server Error"})
        return html_error(status)

    def reset(self) -> None:
        if self.bucket is not None:
            self.bucket.reset()

    def warm(self) -> None:
        """Encode every record now rather than on first request."""
        self.customers.warm()
        self.orders.warm()

    # ------------------------------------------------------------------ endpoints
    def one(self, resource: _Resource, rid: int) -> Response:
        row = resource.row_of.get(rid)
        if row is None:
            return json_response(404, NOT_FOUND)
        return Response(200, b'{"' + resource.singular.encode() + b'":' + resource.fragment(row) + b"}")

    def _filters(self, resource: _Resource, request: Request) -> dict[str, str]:
        return {k: v[-1] for k, v in request.query.items() if k in resource.filter_names and v}

    def count(self, resource: _Resource, request: Request) -> Response:
        filters = self._filters(resource, request)
        return json_response(200, {"count": len(resource.selected(filters))})

    def list(self, resource: _Resource, request: Request, version: str) -> Response:
        query = request.query
        limit_text = request.arg("limit")
        try:
            limit = DEFAULT_LIMIT if limit_text in (None, "") else int(limit_text)
        except ValueError as exc:
            raise BadRequest({"limit": f"limit must be an integer, got {limit_text!r}"}) from exc
        if not 1 <= limit <= MAX_LIMIT:
            raise BadRequest({"limit": f"limit must be between 1 and {MAX_LIMIT}, got {limit}"})
        fields_text = request.arg("fields")
        token = request.arg("page_info")
        if token is not None:
            for name in query:
                if name not in ("page_info", "limit", "fields"):
                    raise BadRequest(
                        {
                            name: f"{name} cannot be passed when page_info is present. See {PAGINATION_DOCS} for more information."
                        }
                    )
            info = decode_page_info(token)
            filters = {k: str(v) for k, v in info.items() if k in resource.filter_names}
        else:
            info = None
            filters = self._filters(resource, request)

        positions = resource.selected(filters)
        ids = resource.ids[positions]
        if info is None:
            start = 0
        elif info["direction"] == "next":
            start = int(np.searchsorted(ids, int(info["last_id"]), side="right"))
        else:
            start = max(int(np.searchsorted(ids, int(info["last_id"]), side="left")) - limit, 0)
        end = min(start + limit, len(ids))
        page = positions[start:end]
        rows = resource.order[page]

        links = []
        base = f"http://{request.host}{request.prefix}/admin/api/{version}/{resource.name}.json"
        extra = {"fields": fields_text} if fields_text else {}
        if info is not None and start > 0 and end > start:
            tok = encode_page_info(
                {**filters, "direction": "prev", "last_id": int(ids[start]), "last_value": str(ids[start])}
            )
            links.append(f'<{base}?{urlencode({"limit": limit, **extra, "page_info": tok})}>; rel="previous"')
        if end < len(ids) and end > start:
            last = int(ids[end - 1])
            tok = encode_page_info({**filters, "direction": "next", "last_id": last, "last_value": str(last)})
            links.append(f'<{base}?{urlencode({"limit": limit, **extra, "page_info": tok})}>; rel="next"')
        headers = [("Link", ", ".join(links))] if links else []

        if fields_text:
            wanted = [f.strip() for f in fields_text.split(",") if f.strip()]
            records = [{k: v for k, v in resource.record(int(r)).items() if k in wanted} for r in rows]
            return json_response(200, {resource.name: records}, headers)
        body = (
            b'{"'
            + resource.name.encode()
            + b'":['
            + b",".join([resource.fragment(int(r)) for r in rows])
            + b"]}"
        )
        return Response(200, body, headers)


PLATFORM = PlatformSpec(
    name="shopify",
    credentials={"access_token": "shpat_sandbox_token"},
    build=lambda tables, creds, rate_limits, rate_scale: ShopifyPlatform(
        tables, access_token=creds["access_token"], rate_limits=rate_limits, rate_scale=rate_scale
    ),
)
