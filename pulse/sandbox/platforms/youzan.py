"""Youzan Cloud's Open API (有赞云) over the World's `youzan_*` tables.

Paths (under the `/youzan` prefix):
- `POST /auth/token` with JSON `{client_id, client_secret, authorize_type: "silent", grant_id: <kdt_id>}` ->
  `{"success": true, "code": 200, "data": {"access_token", "expires": <epoch ms>, "scope", "authority_id"}}`.
  Wrong credentials: HTTP 200, `{"success": false, "code": 4001, "message": ...}`.
- `POST /api/<api-name>/<version>?access_token=...` with the API's parameters as a JSON object (GET with query
  parameters works too):
  - `youzan.trades.sold.get/4.0.0`: `page_no` (from 1), `page_size` (1..100, default 20), `start_created`/
    `end_created`, `start_update`/`end_update` (`yyyy-MM-dd HH:mm:ss`, Asia/Shanghai, inclusive), `status`,
    `tid`; newest created first -> `data: {"full_order_info_list": [{"full_order_info": {order_info,
    buyer_info, pay_info, orders, ...}}], "total_results": N}`.
  - `youzan.scrm.customer.list/1.0.0`: `page_no`, `page_size` (1..50), `updated_at_start`/`updated_at_end`;
    oldest first -> `data: {"record_list": [...], "total": N, "page_no", "page_size"}`.
  - `youzan.crm.customer.points.changelog.search/4.0.0`: `page_no`, `page_size` (1..100), `start_time`/`end_time`
    (on `create_time`); by id -> `data: {"items": [...], "paginator": {"page", "page_size", "total_count"}}`.

As Youzan really answers: every error is HTTP 200. Gateway errors carry `{"success": false, "gw_err_resp":
{"err_code", "err_msg"}}`: 4201 token invalid, 4202 token expired, 4203 token not for this shop (refresh the token),
4301 calls too frequent and 5001 service busy (retry), 4302 the day's call quota spent, 4004 no such API. An API's
own errors (a bad parameter) are `{"success": false, "code": 40010, "message": ...}`. Values are often strings
that look like other types: `"true"`/`"false"`, `"null"`, numbers as `"177"`; empty times are `""`; some fields
hold JSON as text (`order_extra`, `sku_properties_name`, `address_extra`, `ext_info`, `extra_info`). Times are
`yyyy-MM-dd HH:mm:ss` in Asia/Shanghai without offset; money is a string (`"128.00"`).

Rate limit: a sliding window of 20 calls per second per app (times `rate_scale`), answered in-band (4301).
`token_uses` (None by default) makes every token expire after that many API calls, so tests can exercise the
refresh; `revoke_tokens()` invalidates all tokens issued so far; `quota_left` (None) is the number of API calls
left for the day, after which every call answers 4302; `stats` counts tokens issued and calls refused.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone

import numpy as np
import pandas as pd

from pulse.sandbox.platforms import (
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

SHANGHAI = timezone(timedelta(hours=8))
TOKEN_SECONDS = 7 * 24 * 3600
CALLS_PER_SECOND = 20
_NULL_MS = np.iinfo(np.int64).min

CUSTOMERS = (
    "yz_open_id",
    "mobile",
    "name",
    "union_id",
    "gender",
    "created_at",
    "updated_at",
    "is_member",
    "member_level",
    "points",
    "source",
)
TRADES = (
    "tid",
    "yz_open_id",
    "buyer_phone",
    "fans_id",
    "created_at",
    "pay_time",
    "consign_time",
    "success_time",
    "update_time",
    "status",
    "refund_state",
    "total_fee",
    "discount",
    "post_fee",
    "payment",
    "coupon_code",
    "buyer_message",
    "platform",
)
ITEMS = ("oid", "tid", "item_id", "sku_id", "outer_sku_id", "title", "sku_name", "num", "price", "payment")
POINTS = ("log_id", "yz_open_id", "amount", "balance", "event_type", "description", "tid", "created_at")

STATUS_STR = {
    "WAIT_BUYER_PAY": "待付款",
    "WAIT_SELLER_SEND_GOODS": "待发货",
    "WAIT_BUYER_CONFIRM_GOODS": "已发货",
    "TRADE_SUCCESS": "已完成",
    "TRADE_CLOSE": "已关闭",
}
CITIES = (
    ("上海市", "上海市", "浦东新区", "世纪大道100号", 121.5066, 31.2453),
    ("浙江省", "杭州市", "西湖区", "龙井路1号", 120.1290, 30.2349),
    ("北京市", "北京市", "朝阳区", "建国路88号", 116.4645, 39.9087),
    ("广东省", "深圳市", "南山区", "科技园路2号", 113.9445, 22.5405),
)

TOKEN_INVALID, TOKEN_EXPIRED, TOKEN_OTHER_SHOP = 4201, 4202, 4203
TOO_FREQUENT, QUOTA_SPENT, SERVICE_BUSY, NO_SUCH_API = 4301, 4302, 5001, 4004
PARAM_ERROR, BAD_CLIENT = 40010, 4001
GW_MESSAGES = {
    TOKEN_INVALID: "access_token 不合法",
    TOKEN_EXPIRED: "access_token 已过期",
    TOKEN_OTHER_SHOP: "access_token 与店铺不匹配",
    TOO_FREQUENT: "接口调用频率超限，请稍后再试",
    QUOTA_SPENT: "接口今日调用次数已达上限",
    SERVICE_BUSY: "服务繁忙，请稍后再试",
    NO_SUCH_API: "api 不存在",
}

_API = re.compile(r"^/api/([a-z][a-z0-9_.]*)/(\d+\.\d+\.\d+)/?$")
_TIME = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")


class ParamError(Exception):
    pass


def sh_text(series: pd.Series) -> list[str | None]:
    """Naive UTC -> `2025-10-13 00:33:33` in Asia/Shanghai; None for NaT."""
    arr = series.to_numpy(dtype="datetime64[us]").astype("datetime64[s]") + np.timedelta64(8 * 3600, "s")
    text = np.datetime_as_string(arr, unit="s")
    return [None if t == "NaT" else t.replace("T", " ") for t in text.tolist()]


def money_str(series: pd.Series) -> list[str]:
    return [f"{float(v):.2f}" for v in series.tolist()]


def parse_time_ms(name: str, value) -> int:
    if not isinstance(value, str) or not _TIME.match(value.strip()):
        raise ParamError(f"参数 {name} 格式错误，应为 yyyy-MM-dd HH:mm:ss")
    dt = datetime.strptime(value.strip(), "%Y-%m-%d %H:%M:%S").replace(tzinfo=SHANGHAI)
    return int(dt.timestamp() * 1000)


def _trace() -> str:
    return f"yz7-0a{int(time.time() * 1000) % 10**10:010d}-{threading.get_ident() % 10**6:06d}"


def ok(data: dict) -> Response:
    return json_response(
        200, {"trace_id": _trace(), "code": 200, "data": data, "success": True, "message": "successful"}
    )


def gateway_error(code: int) -> Response:
    body = {
        "success": False,
        "gw_err_resp": {"err_msg": GW_MESSAGES[code], "err_code": code},
        "trace_id": _trace(),
    }
    return json_response(200, body)


def api_error(code: int, message: str) -> Response:
    return json_response(
        200, {"trace_id": _trace(), "code": code, "data": None, "success": False, "message": message}
    )


class YouzanPlatform:
    name = "youzan"

    def __init__(
        self,
        tables: Mapping[str, pd.DataFrame],
        client_id: str,
        client_secret: str,
        grant_id: str,
        rate_limits: bool = True,
        rate_scale: float = 1.0,
    ):
        self.client_id, self.client_secret, self.grant_id = client_id, client_secret, str(grant_id)
        self.limiter = (
            SlidingWindowLimiter(max(1, round(CALLS_PER_SECOND * rate_scale)), 1.0) if rate_limits else None
        )
        self.token_uses: int | None = None
        self.quota_left: int | None = None  # tests: API calls left today (None: no quota), then 4302
        self.stats = {"tokens_issued": 0, "token_rejected": 0, "throttled": 0, "quota_spent": 0}
        self._tokens: dict[str, list] = {}  # token -> [expires epoch s, calls made]
        self._lock = threading.Lock()
        self._issued = 0
        self._selections = Selections()
        self._load_trades(table(tables, "youzan_trades", TRADES), table(tables, "youzan_trade_items", ITEMS))
        self._load_customers(table(tables, "youzan_customers", CUSTOMERS))
        self._load_points(table(tables, "youzan_points", POINTS))

    # ------------------------------------------------------------------ loading
    def _load_trades(self, t: pd.DataFrame, items: pd.DataFrame) -> None:
        self.t = {c: opt_str(t[c]) for c in ("tid", "yz_open_id", "buyer_phone", "status", "coupon_code")}
        self.t["message"] = opt_str(t["buyer_message"])
        self.t["platform"] = opt_str(t["platform"])
        self.t["fans_id"] = opt_int(t["fans_id"])
        self.t["refund_state"] = opt_int(t["refund_state"])
        for c in ("created_at", "pay_time", "consign_time", "success_time", "update_time"):
            self.t[c] = sh_text(t[c])
        for c in ("total_fee", "discount", "post_fee", "payment"):
            self.t[c] = money_str(t[c])
        self.t_created_ms = epoch_ms(t["created_at"])
        self.t_update_ms = epoch_ms(t["update_time"])
        # newest first, as trades.sold.get lists them
        self.t_order = np.lexsort((np.asarray(self.t["tid"], dtype=object), self.t_created_ms))[::-1].copy()
        self.t_status = np.asarray(self.t["status"], dtype=object)
        self.t_tid = np.asarray(self.t["tid"], dtype=object)
        self.i = {
            "oid": opt_int(items["oid"]),
            "item_id": opt_int(items["item_id"]),
            "sku_id": opt_int(items["sku_id"]),
            "outer": opt_str(items["outer_sku_id"]),
            "title": opt_str(items["title"]),
            "sku_name": opt_str(items["sku_name"]),
            "num": opt_int(items["num"]),
            "price": money_str(items["price"]),
            "payment": money_str(items["payment"]),
        }
        self.items_of: dict[str, list[int]] = {}
        for x, tid in enumerate(opt_str(items["tid"])):
            self.items_of.setdefault(tid, []).append(x)
        self.trades = Fragments(len(t), lambda r: dumps(self._trade(r)))

    def _load_customers(self, c: pd.DataFrame) -> None:
        self.c = {k: opt_str(c[k]) for k in ("yz_open_id", "mobile", "name", "union_id", "source")}
        self.c["gender"] = opt_int(c["gender"])
        self.c["is_member"] = as_bool(c["is_member"])
        self.c["level"] = opt_int(c["member_level"])
        self.c["points"] = opt_int(c["points"])
        self.c["created"] = sh_text(c["created_at"])
        self.c["updated"] = sh_text(c["updated_at"])
        self.c_updated_ms = epoch_ms(c["updated_at"])
        self.c_order = np.lexsort((np.asarray(self.c["yz_open_id"], dtype=object), epoch_ms(c["created_at"])))
        self.customers = Fragments(len(c), lambda r: dumps(self._customer(r)))

    def _load_points(self, p: pd.DataFrame) -> None:
        self.p = {
            "id": opt_int(p["log_id"]),
            "open_id": opt_str(p["yz_open_id"]),
            "amount": opt_int(p["amount"]),
            "balance": opt_int(p["balance"]),
            "event": opt_str(p["event_type"]),
            "description": opt_str(p["description"]),
            "tid": opt_str(p["tid"]),
            "created": sh_text(p["created_at"]),
        }
        self.p_created_ms = epoch_ms(p["created_at"])
        self.p_order = np.argsort(np.asarray(self.p["id"], dtype=np.int64), kind="stable")
        self.points = Fragments(len(p), lambda r: dumps(self._point(r)))

    # ------------------------------------------------------------------ records
    def _trade(self, r: int) -> dict:
        t = self.t
        tid = t["tid"][r]
        status = t["status"][r]
        h = int(hashlib.md5(tid.encode()).hexdigest()[:8], 16)
        province, city, district, street, lon, lat = CITIES[h % len(CITIES)]
        paid = t["pay_time"][r] is not None
        orders = []
        for x in self.items_of.get(tid, []):
            orders.append(
                {
                    "oid": self.i["oid"][x],
                    "outer_sku_id": self.i["outer"][x],
                    "goods_url": f"https://shop{self.grant_id}.youzan.com/v2/goods/{self.i['item_id'][x]}",
                    "item_id": self.i["item_id"][x],
                    "outer_item_id": self.i["outer"][x].split("-")[0],
                    "item_type": 0,
                    "num": self.i["num"][x],
                    "sku_id": self.i["sku_id"][x],
                    "sku_properties_name": json.dumps(
                        [
                            {
                                "k": "规格",
                                "k_id": 14,
                                "v": self.i["sku_name"][x],
                                "v_id": self.i["sku_id"][x] % 100000,
                            }
                        ],
                        ensure_ascii=False,
                        separators=(",", ":"),
                    ),
                    "pic_path": f"https://img01.yzcdn.cn/upload_files/{self.i['item_id'][x]}.jpg",
                    "title": self.i["title"][x],
                    "price": self.i["price"][x],
                    "total_fee": self.i["payment"][x],
                    "payment": self.i["payment"][x],
                    "discount_price": self.i["price"][x],
                    "is_present": False,
                    "item_message": "",
                    "points_price": "0",
                }
            )
        fans = t["fans_id"][r]
        return {
            "full_order_info": {
                "order_info": {
                    "tid": tid,
                    "type": 0,
                    "status": status,
                    "status_str": STATUS_STR.get(status, status),
                    "created": t["created_at"][r],
                    "update_time": t["update_time"][r],
                    "pay_time": t["pay_time"][r] or "",
                    "consign_time": t["consign_time"][r] or "",
                    "success_time": t["success_time"][r] or "",
                    "expired_time": "",
                    "close_type": 1
                    if status == "TRADE_CLOSE" and not paid
                    else (2 if status == "TRADE_CLOSE" else 0),
                    "refund_state": t["refund_state"][r],
                    "pay_type": 10 if paid else 0,
                    "pay_type_str": "WEIXIN_DAIXIAO" if paid else "",
                    "express_type": 0,
                    "team_type": 0,
                    "node_kdt_id": int(self.grant_id),
                    "offline_id": 0,
                    "is_retail_order": False,
                    "order_tags": {
                        "is_payed": paid,
                        "is_secured_transactions": paid,
                        "is_member": "true" if fans else "false",
                        "is_feedback": t["refund_state"][r] > 0,
                        "is_refund": t["refund_state"][r] > 0,
                        "is_virtual": False,
                    },
                    "order_extra": json.dumps(
                        {
                            "is_from_cart": "true" if h % 3 else "false",
                            "is_points_order": "0",
                            "buyer_name": "null",
                            "coupon_code": t["coupon_code"][r],
                        },
                        ensure_ascii=False,
                        separators=(",", ":"),
                    ),
                },
                "source_info": {
                    "is_offline_order": False,
                    "book_key": hashlib.md5(f"book-{tid}".encode()).hexdigest(),
                    "source": {"platform": t["platform"][r], "wx_entrance": "direct_buy"},
                },
                "buyer_info": {
                    "buyer_id": h % 900_000_000 + 100_000_000,
                    "buyer_phone": t["buyer_phone"][r] or "",
                    "fans_type": 1 if fans else 0,
                    "fans_id": fans or 0,
                    "fans_nickname": "null" if not fans else f"茶友{fans % 100000}",
                    "outer_user_id": "null",
                    "yz_open_id": t["yz_open_id"][r],
                },
                "pay_info": {
                    "payment": t["payment"][r],
                    "total_fee": t["total_fee"][r],
                    "post_fee": t["post_fee"][r],
                    "real_payment": t["payment"][r] if paid else "0.00",
                    "deduction_pay": "0.00",
                    "outer_transactions": [f"42000{h:010d}"] if paid else [],
                    "transaction": [f"2025{h:012d}"] if paid else [],
                },
                "remark_info": {"buyer_message": t["message"][r] or "", "trade_memo": "", "star": 0},
                "address_info": {
                    "receiver_name": "null",
                    "receiver_tel": t["buyer_phone"][r] or "",
                    "delivery_province": province,
                    "delivery_city": city,
                    "delivery_district": district,
                    "delivery_address": street,
                    "delivery_postal_code": "",
                    "address_extra": json.dumps({"lon": lon, "lat": lat}, separators=(",", ":")),
                },
                "orders": orders,
            }
        }

    def _customer(self, r: int) -> dict:
        c = self.c
        level = c["level"][r]
        return {
            "yz_open_id": c["yz_open_id"][r],
            "mobile": c["mobile"][r] or "",
            "name": c["name"][r],
            "show_name": c["name"][r],
            "gender": c["gender"][r],
            "union_id": c["union_id"][r] or "null",
            "created_at": c["created"][r],
            "updated_at": c["updated"][r],
            "is_member": "true" if c["is_member"][r] else "false",
            "member_level": "null" if level is None else str(level),
            "points": c["points"][r],
            "source": c["source"][r],
            "ext_info": json.dumps(
                {"channel": c["source"][r], "tags": ["茶友"] if c["is_member"][r] else []},
                ensure_ascii=False,
                separators=(",", ":"),
            ),
        }

    def _point(self, r: int) -> dict:
        p = self.p
        tid = p["tid"][r]
        return {
            "id": p["id"][r],
            "yz_open_id": p["open_id"][r],
            "amount": p["amount"][r],
            "total": str(p["balance"][r]),
            "event_type": p["event"][r],
            "description": p["description"][r],
            "create_time": p["created"][r],
            "biz_value": tid or "null",
            "extra_info": json.dumps(
                {"tid": tid} if tid else {"source": p["event"][r].lower()}, separators=(",", ":")
            ),
        }

    # ------------------------------------------------------------------ dispatch
    def handle(self, request: Request) -> Response:
        if request.path.rstrip("/") == "/auth/token":
            return self.token(request)
        m = _API.match(request.path)
        if m is None:
            return json_response(404, {"status": 404, "error": "Not Found", "path": request.path})
        token = request.arg("access_token")
        with self._lock:
            entry = self._tokens.get(token or "")
            if entry is None:
                self.stats["token_rejected"] += 1
                return gateway_error(TOKEN_INVALID)
            if time.time() >= entry[0] or (self.token_uses is not None and entry[1] >= self.token_uses):
                self.stats["token_rejected"] += 1
                return gateway_error(TOKEN_EXPIRED)
            entry[1] += 1
            if self.quota_left is not None:
                if self.quota_left <= 0:
                    self.stats["quota_spent"] += 1
                    return gateway_error(QUOTA_SPENT)
                self.quota_left -= 1
        if self.limiter is not None and self.limiter.hit(self.client_id) > 0:
            with self._lock:
                self.stats["throttled"] += 1
            return gateway_error(TOO_FREQUENT)
        api, version = m.groups()
        handler = {
            ("youzan.trades.sold.get", "4.0.0"): self.trades_sold_get,
            ("youzan.scrm.customer.list", "1.0.0"): self.customer_list,
            ("youzan.crm.customer.points.changelog.search", "4.0.0"): self.points_search,
        }.get((api, version))
        if handler is None:
            return gateway_error(NO_SUCH_API)
        params = self._params(request)
        if params is None:
            return api_error(PARAM_ERROR, "请求参数不是合法的 JSON")
        try:
            return handler(params)
        except ParamError as exc:
            return api_error(PARAM_ERROR, str(exc))

    def _params(self, request: Request) -> dict | None:
        params = {k: v[-1] for k, v in request.query.items() if k != "access_token" and v}
        if request.body:
            try:
                body = json.loads(request.body)
            except (ValueError, UnicodeDecodeError):
                return None
            if not isinstance(body, dict):
                return None
            params.update(body)
        return params

    def token(self, request: Request) -> Response:
        try:
            body = json.loads(request.body or b"{}")
        except (ValueError, UnicodeDecodeError):
            body = {}
        if not isinstance(body, dict):
            body = {}
        if body.get("client_id") != self.client_id or body.get("client_secret") != self.client_secret:
            return api_error(BAD_CLIENT, "client_id 或 client_secret 错误")
        if body.get("authorize_type") != "silent" or str(body.get("grant_id")) != self.grant_id:
            return api_error(BAD_CLIENT, "grant_id 未授权给该应用")
        with self._lock:
            self._issued += 1
            self.stats["tokens_issued"] += 1
            token = hashlib.sha256(f"{self.client_secret}:{self._issued}:{time.time()}".encode()).hexdigest()[
                :32
            ]
            expires = time.time() + TOKEN_SECONDS
            self._tokens[token] = [expires, 0]
        return ok(
            {
                "access_token": token,
                "expires": int(expires * 1000),
                "scope": "trade user points",
                "authority_id": self.grant_id,
            }
        )

    def revoke_tokens(self) -> None:
        with self._lock:
            self._tokens.clear()

    def fault_response(self, status: int, retry_after: float) -> Response:
        if status == 429:
            return gateway_error(TOO_FREQUENT)
        if status == 500:
            return gateway_error(SERVICE_BUSY)
        return html_error(status)

    def reset(self) -> None:
        if self.limiter is not None:
            self.limiter.reset()

    def warm(self) -> None:
        for rows in (self.trades, self.customers, self.points):
            rows.warm()

    # ------------------------------------------------------------------ APIs
    @staticmethod
    def _page(params: dict, max_size: int, default: int) -> tuple[int, int]:
        try:
            page = int(params.get("page_no", 1))
            size = int(params.get("page_size", default))
        except (TypeError, ValueError):
            raise ParamError("参数 page_no / page_size 必须是整数") from None
        if page < 1:
            raise ParamError("参数 page_no 必须大于 0")
        if not 1 <= size <= max_size:
            raise ParamError(f"参数 page_size 取值范围为 1-{max_size}")
        return page, size

    @staticmethod
    def _window(params: dict, start: str, end: str, column: np.ndarray) -> np.ndarray:
        mask = column != _NULL_MS
        if params.get(start) not in (None, ""):
            mask &= column >= parse_time_ms(start, params[start])
        if params.get(end) not in (None, ""):
            mask &= column <= parse_time_ms(end, params[end])
        return mask

    def _selected(self, api: str, params: dict, compute) -> np.ndarray:
        """The listing's rows for these filters (every parameter but the page's), kept for the next pages."""
        key = (
            api,
            tuple(sorted((k, str(v)) for k, v in params.items() if k not in ("page_no", "page_size"))),
        )
        return self._selections.get(key, compute)

    def _windowed(
        self, order: np.ndarray, params: dict, start: str, end: str, column: np.ndarray
    ) -> np.ndarray:
        """`order` (a listing's rows in its order) kept where `column` is inside the params' window."""
        return order[self._window(params, start, end, column)[order]]

    def _trades_selected(self, params: dict) -> np.ndarray:
        mask = self._window(params, "start_created", "end_created", self.t_created_ms)
        mask &= self._window(params, "start_update", "end_update", self.t_update_ms)
        if params.get("status"):
            mask &= self.t_status == params["status"]
        if params.get("tid"):
            mask &= self.t_tid == params["tid"]
        return self.t_order[mask[self.t_order]]

    def trades_sold_get(self, params: dict) -> Response:
        page, size = self._page(params, 100, 20)
        rows = self._selected("trades", params, lambda: self._trades_selected(params))
        chunk = rows[(page - 1) * size : page * size]
        listing = b"[" + b",".join(self.trades.get(int(r)) for r in chunk) + b"]"
        return self._wrap(
            b'{"full_order_info_list":' + listing + b',"total_results":' + str(len(rows)).encode() + b"}"
        )

    def customer_list(self, params: dict) -> Response:
        page, size = self._page(params, 50, 20)
        window = ("updated_at_start", "updated_at_end", self.c_updated_ms)
        rows = self._selected("customers", params, lambda: self._windowed(self.c_order, params, *window))
        chunk = rows[(page - 1) * size : page * size]
        listing = b"[" + b",".join(self.customers.get(int(r)) for r in chunk) + b"]"
        tail = f',"total":{len(rows)},"page_no":{page},"page_size":{size}}}'.encode()
        return self._wrap(b'{"record_list":' + listing + tail)

    def points_search(self, params: dict) -> Response:
        page, size = self._page(params, 100, 20)
        window = ("start_time", "end_time", self.p_created_ms)
        rows = self._selected("points", params, lambda: self._windowed(self.p_order, params, *window))
        chunk = rows[(page - 1) * size : page * size]
        listing = b"[" + b",".join(self.points.get(int(r)) for r in chunk) + b"]"
        tail = f',"paginator":{{"page":{page},"page_size":{size},"total_count":{len(rows)}}}}}'.encode()
        return self._wrap(b'{"items":' + listing + tail)

    @staticmethod
    def _wrap(data: bytes) -> Response:
        head = f'{{"trace_id":"{_trace()}","code":200,"data":'.encode()
        return Response(200, head + data + b',"success":true,"message":"successful"}')


PLATFORM = PlatformSpec(
    name="youzan",
    credentials={
        "client_id": "yz_sandbox_client_0001",
        "client_secret": "yz_sandbox_secret_0000000000000000",
        "grant_id": "91234567",
    },
    build=lambda tables, creds, rate_limits, rate_scale: YouzanPlatform(
        tables,
        client_id=creds["client_id"],
        client_secret=creds["client_secret"],
        grant_id=creds["grant_id"],
        rate_limits=rate_limits,
        rate_scale=rate_scale,
    ),
)
