"""WooCommerce's REST API (v3) over the World's `woo_*` tables.

Paths (under the `/woocommerce` prefix): `/wp-json/wc/v3/customers`, `/orders`, `/coupons` and `/<resource>/{id}`.

As WooCommerce and WordPress really behave:
- Auth: HTTP Basic with `consumer_key:consumer_secret`, or the two as query parameters (for hosts that strip the
  Authorization header). Without them 401 `woocommerce_rest_cannot_view`; a wrong key
  `woocommerce_rest_authentication_error` ("Consumer key is invalid.").
- Pagination: `page` (from 1) and `per_page` (default 10, 1..100, else 400 `rest_invalid_param`); every list
  answers `X-WP-Total` and `X-WP-TotalPages` and a `Link` header (rel="next"/"prev", all query args kept); a page
  past the last is an empty list.
- Order: orders and coupons `orderby=date|id|include|title|slug|modified` (default date), `order=desc|asc`
  (default desc); customers `orderby=id|include|name|registered_date` (default name, asc) and `role=customer`
  by default (`all` for everyone; staff are `administrator`/`shop_manager`).
- Filters: `after`/`before` (created), `modified_after`/`modified_before` (orders, coupons; customers ignore
  them, as unknown arguments are ignored), read in the site's time zone unless they carry an offset or
  `dates_are_gmt=true`; orders `status` (default any; comma list) and `customer`; `include`; customers `email`.
- Shapes: ids are integers; `date_*` are site-local without offset (America/Los_Angeles here), `date_*_gmt` UTC
  without offset; money fields are strings ("12.99") as documented, except that line items' `price` is a JSON
  number (as WooCommerce really sends it) and orders written by the legacy import plugin (every order whose id
  is 3 mod 7) carry their totals as numbers too. Guests have `customer_id` 0. Refunds appear in the order as
  `{"id", "reason", "total": "-5.00"}`; coupons used as `coupon_lines` `{code, discount}`.
- Errors are JSON `{"code", "message", "data": {"status"}}`; a PHP fatal (the 500 fault) is WordPress's HTML
  "critical error" page; the host's rate limit (a sliding window of 25 requests per 10 s, the window divided by
  `rate_scale`) answers 429 with `Retry-After` (whole seconds) and an nginx HTML page.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable, Mapping
from datetime import datetime
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from pulse.sandbox.platforms import (
    JSON_TYPE,
    Fragments,
    PlatformSpec,
    Request,
    Response,
    Selections,
    as_bool,
    dumps,
    epoch_ms,
    html_error,
    json_response,
    opt_int,
    opt_str,
    table,
)
from pulse.sandbox.ratelimit import SlidingWindowLimiter

SITE_URL = "https://shop.lumotea.example"  # the store's WordPress address (links are written from it)
SITE_TZ = "America/Los_Angeles"
VERSION = "9.4.2"
DEFAULT_PER_PAGE = 10
MAX_PER_PAGE = 100
WINDOW_REQUESTS, WINDOW_SECONDS = 25, 10.0
_NULL_MS = np.iinfo(np.int64).min

CUSTOMERS = (
    "customer_id",
    "email",
    "first_name",
    "last_name",
    "username",
    "role",
    "date_created",
    "date_modified",
    "billing_phone",
    "billing_country",
    "is_paying_customer",
)
ORDERS = (
    "order_id",
    "number",
    "customer_id",
    "status",
    "currency",
    "date_created",
    "date_modified",
    "date_paid",
    "date_completed",
    "billing_email",
    "billing_phone",
    "billing_first_name",
    "billing_last_name",
    "billing_country",
    "discount_total",
    "shipping_total",
    "total_tax",
    "total",
    "payment_method",
    "created_via",
    "coupon_code",
)
LINES = (
    "line_id",
    "order_id",
    "product_id",
    "variation_id",
    "sku",
    "name",
    "quantity",
    "price",
    "subtotal",
    "total",
)
REFUNDS = ("refund_id", "order_id", "amount", "reason", "date_created")
COUPONS = (
    "coupon_id",
    "code",
    "amount",
    "discount_type",
    "description",
    "date_created",
    "date_modified",
    "date_expires",
    "usage_count",
    "campaign_id",
)

PAYMENT_TITLES = {"stripe": "Credit Card (Stripe)", "ppcp-gateway": "PayPal", "cod": "Cash on delivery"}
ROLES = ("all", "administrator", "editor", "author", "contributor", "subscriber", "customer", "shop_manager")
ORDER_STATUSES = ("pending", "processing", "on-hold", "completed", "cancelled", "refunded", "failed", "trash")
ADDRESSES = {
    "US": ("1 Market St", "San Francisco", "CA", "94105"),
    "GB": ("10 Downing Lane", "London", "", "SW1A 2AA"),
    "CA": ("200 King St W", "Toronto", "ON", "M5H 3T4"),
    "AU": ("1 Martin Pl", "Sydney", "NSW", "2000"),
    "DE": ("Unter den Linden 5", "Berlin", "", "10117"),
}

_PATH = re.compile(r"^/wp-json/wc/v3/(customers|orders|coupons)(?:/(\d+))?/?$")
_DATE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}(:?\d{2})?)?$"
)


class RestError(Exception):
    def __init__(self, status: int, code: str, message: str, params: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.params = status, code, message, params

    def response(self) -> Response:
        data: dict = {"status": self.status}
        if self.params:
            data["params"] = dict(self.params)
            data["details"] = {
                k: {"code": "rest_invalid_param", "message": v, "data": None} for k, v in self.params.items()
            }
        return json_response(self.status, {"code": self.code, "message": self.message, "data": data})


def _invalid(name: str, problem: str) -> RestError:
    return RestError(400, "rest_invalid_param", f"Invalid parameter(s): {name}", {name: problem})


def gmt_text(series: pd.Series) -> list[str | None]:
    """`2025-10-12T18:48:20` (UTC, no offset), None for NaT."""
    arr = series.to_numpy(dtype="datetime64[us]").astype("datetime64[s]")
    text = np.datetime_as_string(arr, unit="s")
    return [None if t == "NaT" else t for t in text.tolist()]


def local_text(series: pd.Series, tz: str = SITE_TZ) -> list[str | None]:
    """The site's wall clock, without offset (what `date_created` holds)."""
    s = pd.Series(series.to_numpy(dtype="datetime64[us]"))
    local = s.dt.tz_localize("UTC").dt.tz_convert(tz).dt.tz_localize(None).astype("datetime64[s]")
    text = np.datetime_as_string(local.to_numpy(), unit="s")
    return [None if t == "NaT" else t for t in text.tolist()]


def money_str(series: pd.Series) -> list[str | None]:
    return [None if v is None or v != v else f"{float(v):.2f}" for v in series.tolist()]


def parse_date_ms(name: str, value: str, gmt: bool) -> int:
    """A WordPress REST date argument as epoch ms: an offset wins; else UTC with dates_are_gmt, else site time."""
    if not _DATE.match(value.strip()):
        raise _invalid(name, "Invalid date.")
    dt = datetime.fromisoformat(value.strip().replace("z", "Z").replace("Z", "+00:00").replace(" ", "T", 1))
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=ZoneInfo("UTC") if gmt else ZoneInfo(SITE_TZ))
    return int(dt.timestamp() * 1000)


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


class _Listing:
    """One resource: ids, JSON fragments built on first use, time columns (epoch ms) and sort keys."""

    def __init__(self, ids: list[int], build: Callable[[int], bytes], times: dict[str, np.ndarray]):
        self.ids = np.asarray(ids, dtype=np.int64)
        self.row_of = {int(i): r for r, i in enumerate(self.ids)}
        self.build = build
        self.times = times
        self._fragments = Fragments(len(self.ids), build)
        self.selections = Selections()

    def fragment(self, row: int) -> bytes:
        return self._fragments.get(row)

    def warm(self) -> None:
        self._fragments.warm()


class WooCommercePlatform:
    name = "woocommerce"

    def __init__(
        self,
        tables: Mapping[str, pd.DataFrame],
        consumer_key: str,
        consumer_secret: str,
        rate_limits: bool = True,
        rate_scale: float = 1.0,
    ):
        self.key, self.secret = consumer_key, consumer_secret
        self.rate_scale = rate_scale
        # the window shrinks with rate_scale (25 requests per 1 s at 10x), so a throttled client waits briefly
        self.limiter = (
            SlidingWindowLimiter(WINDOW_REQUESTS, WINDOW_SECONDS / rate_scale) if rate_limits else None
        )
        self._load_orders(
            table(tables, "woo_orders", ORDERS),
            table(tables, "woo_order_lines", LINES),
            table(tables, "woo_refunds", REFUNDS),
        )
        self._load_customers(table(tables, "woo_customers", CUSTOMERS))
        self._load_coupons(table(tables, "woo_coupons", COUPONS))

    # ------------------------------------------------------------------ loading
    def _load_orders(self, o: pd.DataFrame, lines: pd.DataFrame, refunds: pd.DataFrame) -> None:
        self.o = {
            "id": opt_int(o["order_id"]),
            "number": opt_str(o["number"]),
            "customer_id": [v or 0 for v in opt_int(o["customer_id"])],
            "status": opt_str(o["status"]),
            "currency": opt_str(o["currency"]),
            "email": opt_str(o["billing_email"]),
            "phone": opt_str(o["billing_phone"]),
            "first": opt_str(o["billing_first_name"]),
            "last": opt_str(o["billing_last_name"]),
            "country": opt_str(o["billing_country"]),
            "discount": money_str(o["discount_total"]),
            "shipping": money_str(o["shipping_total"]),
            "tax": money_str(o["total_tax"]),
            "total": money_str(o["total"]),
            "payment": opt_str(o["payment_method"]),
            "via": opt_str(o["created_via"]),
            "coupon": opt_str(o["coupon_code"]),
        }
        for col in ("date_created", "date_modified", "date_paid", "date_completed"):
            self.o[col] = local_text(o[col])
            self.o[col + "_gmt"] = gmt_text(o[col])
        self.o_created_ms = epoch_ms(o["date_created"])
        self.o_modified_ms = epoch_ms(o["date_modified"])
        self.l = {
            "id": opt_int(lines["line_id"]),
            "product": opt_int(lines["product_id"]),
            "variation": opt_int(lines["variation_id"]),
            "sku": opt_str(lines["sku"]),
            "name": opt_str(lines["name"]),
            "quantity": opt_int(lines["quantity"]),
            "price": [float(v) for v in lines["price"].tolist()],
            "subtotal": money_str(lines["subtotal"]),
            "total": money_str(lines["total"]),
        }
        self.lines_of: dict[int, list[int]] = {}
        for x, oid in enumerate(opt_int(lines["order_id"])):
            self.lines_of.setdefault(oid, []).append(x)
        self.refunds_of: dict[int, list[tuple[int, str, str]]] = {}
        for rid, oid, amount, reason in zip(
            opt_int(refunds["refund_id"]),
            opt_int(refunds["order_id"]),
            money_str(refunds["amount"]),
            opt_str(refunds["reason"]),
            strict=True,
        ):
            self.refunds_of.setdefault(oid, []).append((rid, reason or "", f"-{amount}"))
        status = np.asarray(self.o["status"], dtype=object)
        self.orders = _Listing(
            self.o["id"],
            self._order_json,
            {"created": self.o_created_ms, "modified": self.o_modified_ms},
        )
        self.o_status = status
        self.o_customer = np.asarray(self.o["customer_id"], dtype=np.int64)

    def _load_customers(self, c: pd.DataFrame) -> None:
        self.c = {
            "id": opt_int(c["customer_id"]),
            "email": opt_str(c["email"]),
            "first": opt_str(c["first_name"]),
            "last": opt_str(c["last_name"]),
            "username": opt_str(c["username"]),
            "role": opt_str(c["role"]),
            "phone": opt_str(c["billing_phone"]),
            "country": opt_str(c["billing_country"]),
            "paying": as_bool(c["is_paying_customer"]),
        }
        for col in ("date_created", "date_modified"):
            self.c[col] = local_text(c[col])
            self.c[col + "_gmt"] = gmt_text(c[col])
        self.customers = _Listing(
            self.c["id"],
            lambda r: dumps(self._customer(r)),
            {"created": epoch_ms(c["date_created"]), "modified": epoch_ms(c["date_modified"])},
        )
        self.c_role = np.asarray(self.c["role"], dtype=object)
        self.c_email = np.asarray([(e or "").lower() for e in self.c["email"]], dtype=object)
        names = [
            f"{a or ''} {b or ''}".strip().lower()
            for a, b in zip(self.c["first"], self.c["last"], strict=True)
        ]
        self.c_name_rank = np.argsort(
            np.argsort(np.asarray(names, dtype=object), kind="stable"), kind="stable"
        )

    def _load_coupons(self, c: pd.DataFrame) -> None:
        self.k = {
            "id": opt_int(c["coupon_id"]),
            "code": opt_str(c["code"]),
            "amount": money_str(c["amount"]),
            "type": opt_str(c["discount_type"]),
            "description": opt_str(c["description"]),
            "usage": opt_int(c["usage_count"]),
        }
        for col in ("date_created", "date_modified", "date_expires"):
            self.k[col] = local_text(c[col])
            self.k[col + "_gmt"] = gmt_text(c[col])
        self.coupons = _Listing(
            self.k["id"],
            lambda r: dumps(self._coupon(r)),
            {"created": epoch_ms(c["date_created"]), "modified": epoch_ms(c["date_modified"])},
        )
        self.k_code = np.asarray([(v or "").lower() for v in self.k["code"]], dtype=object)

    # ------------------------------------------------------------------ records
    def _links(self, host: str, prefix: str, resource: str, rid: int, customer: int | None = None) -> dict:
        """Hypermedia links as WordPress writes them: from the site's configured URL (its `home` option), not the
        request's Host, so a record reads the same whichever port the sandbox listens on."""
        base = f"{SITE_URL}/wp-json/wc/v3/{resource}"
        links = {"self": [{"href": f"{base}/{rid}"}], "collection": [{"href": base}]}
        if customer:
            links["customer"] = [{"href": f"{SITE_URL}/wp-json/wc/v3/customers/{customer}"}]
        return links

    @staticmethod
    def _address(first, last, email, phone, country, with_email: bool) -> dict:
        street, city, state, postcode = ADDRESSES.get(country or "US", ADDRESSES["US"])
        out = {
            "first_name": first or "",
            "last_name": last or "",
            "company": "",
            "address_1": street,
            "address_2": "",
            "city": city,
            "state": state,
            "postcode": postcode,
            "country": country or "",
        }
        if with_email:
            out["email"] = email or ""
        out["phone"] = phone or ""
        return out

    def _order(self, r: int) -> dict:
        o = self.o
        oid = o["id"][r]
        legacy = oid % 7 == 3  # written by the import plugin: totals as numbers

        def m(value: str | None):
            return float(value) if legacy and value is not None else value

        cur = o["currency"][r] or "USD"
        lines = []
        for x in self.lines_of.get(oid, []):
            lines.append(
                {
                    "id": self.l["id"][x],
                    "name": self.l["name"][x],
                    "product_id": self.l["product"][x],
                    "variation_id": self.l["variation"][x],
                    "quantity": self.l["quantity"][x],
                    "tax_class": "",
                    "subtotal": m(self.l["subtotal"][x]),
                    "subtotal_tax": "0.00",
                    "total": m(self.l["total"][x]),
                    "total_tax": "0.00",
                    "taxes": [],
                    "meta_data": [],
                    "sku": self.l["sku"][x],
                    "price": self.l["price"][x],
                    "image": {"id": "", "src": ""},
                    "parent_name": None,
                }
            )
        coupon_lines = []
        if o["coupon"][r]:
            coupon_lines.append(
                {
                    "id": 900_000 + 2 * oid,  # coupon and shipping lines are order items too
                    "code": o["coupon"][r],
                    "discount": m(o["discount"][r]),
                    "discount_tax": "0.00",
                    "meta_data": [],
                }
            )
        shipping_lines = [
            {
                "id": 900_001 + 2 * oid,
                "method_title": "Flat rate" if o["shipping"][r] != "0.00" else "Free shipping",
                "method_id": "flat_rate" if o["shipping"][r] != "0.00" else "free_shipping",
                "instance_id": "1",
                "total": m(o["shipping"][r]),
                "total_tax": "0.00",
                "taxes": [],
                "meta_data": [],
            }
        ]
        refunds = [
            {"id": rid, "reason": reason, "total": total}
            for rid, reason, total in self.refunds_of.get(oid, [])
        ]
        refunds.sort(key=lambda x: -x["id"])  # newest first, as WooCommerce lists them
        status = o["status"][r]
        key = hashlib.sha1(f"order-{oid}".encode()).hexdigest()[:13]
        return {
            "id": oid,
            "parent_id": 0,
            "status": status,
            "currency": cur,
            "version": VERSION,
            "prices_include_tax": False,
            "date_created": o["date_created"][r],
            "date_modified": o["date_modified"][r],
            "discount_total": m(o["discount"][r]),
            "discount_tax": "0.00",
            "shipping_total": m(o["shipping"][r]),
            "shipping_tax": "0.00",
            "cart_tax": "0.00",
            "total": m(o["total"][r]),
            "total_tax": m(o["tax"][r]),
            "customer_id": o["customer_id"][r],
            "order_key": f"wc_order_{key}",
            "billing": self._address(
                o["first"][r], o["last"][r], o["email"][r], o["phone"][r], o["country"][r], with_email=True
            ),
            "shipping": self._address(
                o["first"][r], o["last"][r], None, "", o["country"][r], with_email=False
            ),
            "payment_method": o["payment"][r],
            "payment_method_title": PAYMENT_TITLES.get(o["payment"][r] or "", ""),
            "transaction_id": "" if o["date_paid"][r] is None else f"ch_{key}",
            "customer_ip_address": f"203.0.113.{oid % 250 + 1}",
            "customer_user_agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X)",
            "created_via": o["via"][r],
            "customer_note": "",
            "date_completed": o["date_completed"][r],
            "date_paid": o["date_paid"][r],
            "cart_hash": hashlib.md5(f"cart-{oid}".encode()).hexdigest(),
            "number": o["number"][r],
            "meta_data": [],
            "line_items": lines,
            "tax_lines": [],
            "shipping_lines": shipping_lines,
            "fee_lines": [],
            "coupon_lines": coupon_lines,
            "refunds": refunds,
            "payment_url": f"https://shop.example.com/checkout/order-pay/{oid}/?pay_for_order=true&key=wc_order_{key}",
            "is_editable": status in ("pending", "on-hold"),
            "needs_payment": status == "pending",
            "needs_processing": True,
            "date_created_gmt": o["date_created_gmt"][r],
            "date_modified_gmt": o["date_modified_gmt"][r],
            "date_completed_gmt": o["date_completed_gmt"][r],
            "date_paid_gmt": o["date_paid_gmt"][r],
            "currency_symbol": "$" if cur == "USD" else cur,
        }

    def _order_json(self, r: int) -> bytes:
        return dumps(self._order(r))

    def _customer(self, r: int) -> dict:
        c = self.c
        return {
            "id": c["id"][r],
            "date_created": c["date_created"][r],
            "date_created_gmt": c["date_created_gmt"][r],
            "date_modified": c["date_modified"][r],
            "date_modified_gmt": c["date_modified_gmt"][r],
            "email": c["email"][r],
            "first_name": c["first"][r] or "",
            "last_name": c["last"][r] or "",
            "role": c["role"][r],
            "username": c["username"][r],
            "billing": self._address(
                c["first"][r], c["last"][r], c["email"][r], c["phone"][r], c["country"][r], True
            ),
            "shipping": self._address(c["first"][r], c["last"][r], None, "", c["country"][r], False),
            "is_paying_customer": c["paying"][r],
            "avatar_url": "https://secure.gravatar.com/avatar/"
            + hashlib.md5((c["email"][r] or "").strip().lower().encode()).hexdigest()
            + "?s=96&d=mm&r=g",
            "meta_data": [],
        }

    def _coupon(self, r: int) -> dict:
        k = self.k
        return {
            "id": k["id"][r],
            "code": k["code"][r],
            "amount": k["amount"][r],
            "status": "publish",
            "date_created": k["date_created"][r],
            "date_created_gmt": k["date_created_gmt"][r],
            "date_modified": k["date_modified"][r],
            "date_modified_gmt": k["date_modified_gmt"][r],
            "discount_type": k["type"][r],
            "description": k["description"][r] or "",
            "date_expires": k["date_expires"][r],
            "date_expires_gmt": k["date_expires_gmt"][r],
            "usage_count": k["usage"][r],
            "individual_use": True,
            "product_ids": [],
            "excluded_product_ids": [],
            "usage_limit": None,
            "usage_limit_per_user": 1 if k["code"][r] == "welcome10" else None,
            "limit_usage_to_x_items": None,
            "free_shipping": k["type"][r] == "fixed_cart" and k["amount"][r] == "0.00",
            "product_categories": [],
            "excluded_product_categories": [],
            "exclude_sale_items": False,
            "minimum_amount": "0.00",
            "maximum_amount": "0.00",
            "email_restrictions": [],
            "used_by": [],
            "meta_data": [],
        }

    # ------------------------------------------------------------------ dispatch
    def _authorized(self, request: Request) -> RestError | None:
        header = request.headers.get("Authorization") or ""
        key = secret = None
        if header.startswith("Basic "):
            try:
                key, _, secret = base64.b64decode(header[6:].strip()).decode().partition(":")
            except (ValueError, UnicodeDecodeError):
                key = secret = None
        elif request.arg("consumer_key") is not None:
            key, secret = request.arg("consumer_key"), request.arg("consumer_secret")
        if key is None:
            return RestError(401, "woocommerce_rest_cannot_view", "Sorry, you cannot list resources.")
        if key != self.key:
            return RestError(401, "woocommerce_rest_authentication_error", "Consumer key is invalid.")
        if secret != self.secret:
            return RestError(401, "woocommerce_rest_authentication_error", "Consumer secret is invalid.")
        return None

    def handle(self, request: Request) -> Response:
        if self.limiter is not None:
            wait = self.limiter.hit(request.headers.get("X-Forwarded-For") or "client")
            if wait > 0:
                return self.throttled(wait)
        m = _PATH.match(request.path)
        if m is None or request.method != "GET":
            return RestError(
                404, "rest_no_route", "No route was found matching the URL and request method."
            ).response()
        denied = self._authorized(request)
        if denied is not None:
            return denied.response()
        resource, rid = m.groups()
        listing = {"customers": self.customers, "orders": self.orders, "coupons": self.coupons}[resource]
        try:
            if rid is not None:
                return self.one(listing, resource, int(rid), request)
            return self.list(listing, resource, request)
        except RestError as exc:
            return exc.response()

    def throttled(self, wait: float) -> Response:
        page = (
            "<html>\r\n<head><title>429 Too Many Requests</title></head>\r\n<body>\r\n"
            "<center><h1>429 Too Many Requests</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
        )
        seconds = max(1, int(np.ceil(wait)))
        return Response(429, page.encode(), [("Retry-After", str(seconds))], content_type="text/html")

    def fault_response(self, status: int, retry_after: float) -> Response:
        if status == 429:
            return self.throttled(retry_after)
        if status == 500:  # a PHP fatal: WordPress's own page, not JSON
            page = (
                '<!DOCTYPE html>\n<html lang="en-US">\n<head><meta charset="UTF-8" />'
                '<title>WordPress &rsaquo; Error</title></head>\n<body id="error-page">\n'
                '<div class="wp-die-message"><p>There has been a critical error on this website.</p>'
                '<p><a href="https://wordpress.org/documentation/article/faq-troubleshooting/">'
                "Learn more about troubleshooting WordPress.</a></p></div></body>\n</html>\n"
            )
            return Response(500, page.encode(), [], content_type="text/html; charset=UTF-8")
        return html_error(status)

    def reset(self) -> None:
        if self.limiter is not None:
            self.limiter.reset()

    def warm(self) -> None:
        for listing in (self.customers, self.orders, self.coupons):
            listing.warm()

    # ------------------------------------------------------------------ endpoints
    def one(self, listing: _Listing, resource: str, rid: int, request: Request) -> Response:
        row = listing.row_of.get(rid)
        if row is None:
            singular = resource[:-1]
            return RestError(404, f"woocommerce_rest_{singular}_invalid_id", "Invalid ID.").response()
        return Response(200, self._with_links(listing.fragment(row), request, resource, rid, row))

    def _with_links(self, fragment: bytes, request: Request, resource: str, rid: int, row: int) -> bytes:
        customer = self.o["customer_id"][row] if resource == "orders" else None
        links = dumps(self._links(request.host, request.prefix, resource, rid, customer))
        return fragment[:-1] + b',"_links":' + links + b"}"

    def _int_arg(self, request: Request, name: str, default: int, lo: int, hi: int | None) -> int:
        text = request.arg(name)
        if text is None or text == "":
            return default
        try:
            value = int(text)
        except ValueError:
            raise _invalid(name, f"{name} is not of type integer.") from None
        if value < lo or (hi is not None and value > hi):
            bound = (
                f"between {lo} (inclusive) and {hi} (inclusive)" if hi else f"greater than or equal to {lo}"
            )
            raise _invalid(name, f"{name} must be {bound}")
        return value

    def _select(self, listing: _Listing, resource: str, request: Request) -> np.ndarray:
        q = {k: v[-1] for k, v in request.query.items() if v}
        gmt = _truthy(q.get("dates_are_gmt"))
        if resource == "customers":
            orderby, order = q.get("orderby", "name"), q.get("order", "asc")
            allowed = ("id", "include", "name", "registered_date")
        else:
            orderby, order = q.get("orderby", "date"), q.get("order", "desc")
            allowed = ("date", "id", "include", "title", "slug", "modified")
        if orderby not in allowed:
            raise _invalid("orderby", f"orderby is not one of {', '.join(allowed)}.")
        if order not in ("asc", "desc"):
            raise _invalid("order", "order is not one of asc, desc.")
        filters = []
        for name in ("after", "before", "modified_after", "modified_before"):
            if resource == "customers" or name not in q:
                continue
            filters.append((name, parse_date_ms(name, q[name], gmt)))
        include = q.get("include")
        wanted_ids = None
        if include:
            try:
                wanted_ids = [int(x) for x in include.split(",") if x.strip()]
            except ValueError:
                raise _invalid("include", "include[0] is not of type integer.") from None
        extra = []
        if resource == "orders":
            status = q.get("status", "any")
            statuses = [s.strip() for s in status.split(",") if s.strip()]
            for s in statuses:
                if s != "any" and s not in ORDER_STATUSES:
                    raise _invalid("status", f"status[0] is not one of any, {', '.join(ORDER_STATUSES)}.")
            if "any" not in statuses:
                extra.append(("status", tuple(statuses)))
            if "customer" in q:
                extra.append(("customer", self._int_arg(request, "customer", 0, 0, None)))
        elif resource == "customers":
            role = q.get("role", "customer")
            if role not in ROLES:
                raise _invalid("role", f"role is not one of {', '.join(ROLES)}.")
            if role != "all":
                extra.append(("role", role))
            if q.get("email"):
                extra.append(("email", q["email"].strip().lower()))
        elif resource == "coupons" and q.get("code"):
            extra.append(("code", q["code"].strip().lower()))
        key = (resource, orderby, order, tuple(filters), tuple(wanted_ids or ()), tuple(extra))

        def compute() -> np.ndarray:
            mask = np.ones(len(listing.ids), dtype=bool)
            for name, bound in filters:
                column = listing.times["modified" if name.startswith("modified") else "created"]
                valid = column != _NULL_MS
                mask &= valid & ((column > bound) if name.endswith("after") else (column < bound))
            if wanted_ids is not None:
                mask &= np.isin(listing.ids, np.asarray(wanted_ids, dtype=np.int64))
            for name, value in extra:
                if name == "status":
                    mask &= np.isin(self.o_status, list(value))
                elif name == "customer":
                    mask &= self.o_customer == value
                elif name == "role":
                    mask &= self.c_role == value
                elif name == "email":
                    mask &= self.c_email == value
                elif name == "code":
                    mask &= self.k_code == value
            rows = np.flatnonzero(mask)
            if orderby in ("id", "include", "title", "slug"):
                sort_key = listing.ids[rows]
            elif orderby == "name":
                sort_key = self.c_name_rank[rows]
            elif orderby == "modified":
                sort_key = listing.times["modified"][rows]
            else:  # date, registered_date
                sort_key = listing.times["created"][rows]
            ranked = rows[np.lexsort((listing.ids[rows], sort_key))]
            return ranked[::-1] if order == "desc" else ranked

        return listing.selections.get(key, compute)

    def list(self, listing: _Listing, resource: str, request: Request) -> Response:
        page = self._int_arg(request, "page", 1, 1, None)
        per_page = self._int_arg(request, "per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE)
        rows = self._select(listing, resource, request)
        total = len(rows)
        pages = -(-total // per_page)
        chunk = rows[(page - 1) * per_page : page * per_page]
        body = (
            b"["
            + b",".join(
                self._with_links(listing.fragment(int(r)), request, resource, int(listing.ids[r]), int(r))
                for r in chunk
            )
            + b"]"
        )
        base = f"http://{request.host}{request.prefix}{request.path}"
        args = {k: v[-1] for k, v in request.query.items()}
        links = []
        if page > 1 and pages:
            links.append(f'<{base}?{urlencode({**args, "page": min(page - 1, pages)})}>; rel="prev"')
        if page < pages:
            links.append(f'<{base}?{urlencode({**args, "page": page + 1})}>; rel="next"')
        headers = [("X-WP-Total", str(total)), ("X-WP-TotalPages", str(pages))]
        if links:
            headers.append(("Link", ", ".join(links)))
        return Response(200, body, headers, JSON_TYPE)


PLATFORM = PlatformSpec(
    name="woocommerce",
    table_prefix="woo_",
    credentials={
        "consumer_key": "ck_sandbox0000000000000000000000000000000000",
        "consumer_secret": "cs_sandbox0000000000000000000000000000000000",
    },
    build=lambda tables, creds, rate_limits, rate_scale: WooCommercePlatform(
        tables,
        consumer_key=creds["consumer_key"],
        consumer_secret=creds["consumer_secret"],
        rate_limits=rate_limits,
        rate_scale=rate_scale,
    ),
)
