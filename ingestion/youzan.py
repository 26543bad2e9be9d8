"""Youzan (有赞云) stores: trades, customers and points changes through the Open API.

Quirks handled here, as Youzan really behaves:
- A token comes from `POST /auth/token` (`authorize_type: silent`, `grant_id` = the shop's kdt_id); `expires` is
  an epoch in milliseconds. Calls are `POST /api/<name>/<version>?access_token=...` with a JSON body; the token is
  redacted from every recorded path.
- Errors come with HTTP 200: `gw_err_resp.err_code` from the gateway (4201/4202/4203: the token is invalid,
  expired or not this shop's -> fetch a new one and retry; 4301 too frequent, 5001 busy -> back off and retry;
  4302 the day's quota -> stop cleanly, resume next run; anything else is fatal), or `success: false` with the
  API's own `code` and `message` (a bad parameter: fatal). Matched on codes, never on messages.
- Pages are `page_no` (from 1) and `page_size`; the total is in the body, so a stream ends at its first empty page.
- Times are `yyyy-MM-dd HH:mm:ss` in Asia/Shanghai without an offset: cursors are read in that zone
  (`cursor_timezone`) and filters written in it (`start_update`, `updated_at_start`, `start_time`).
- Values are landed as sent: `"true"`/`"null"` strings, numbers as strings, JSON inside strings (`order_extra`,
  `sku_properties_name`, `extra_info`), empty times as `""`. Trades nest their key:
  `full_order_info.order_info.tid`.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any
from zoneinfo import ZoneInfo

from ingestion.runtime.auth import TokenAuth
from ingestion.runtime.errors import (
    QuotaExhaustedError,
    RetryableError,
    SourceRequestError,
    TokenExpiredError,
)
from ingestion.runtime.http import HttpClient
from ingestion.runtime.spec import PageNumber, SourceType, Stream

TZ = "Asia/Shanghai"
TOKEN_CODES = {4201: "token invalid", 4202: "token expired", 4203: "token not for this shop"}
RETRY_CODES = {4301: 1.0, 5001: None, 5002: None}  # code -> seconds to wait (None: backoff)
QUOTA_CODES = {4302}


def local_time(value: str) -> str:
    """The cursor (ISO 8601 with offset) as Youzan writes times: `2026-01-05 12:00:00` in Asia/Shanghai."""
    return dt.datetime.fromisoformat(value).astimezone(ZoneInfo(TZ)).strftime("%Y-%m-%d %H:%M:%S")


def _stream(
    name: str, api: str, records: str, primary_key: str, cursor_field: str, cursor_param: str, size: int
):
    return Stream(
        name=name,
        path=f"api/{api}",
        records=records,
        primary_key=primary_key,
        paginator=PageNumber(param="page_no", start=1),
        method="POST",
        body={},
        page_size_param="page_size",
        page_size=size,
        max_page_size=size,
        cursor_field=cursor_field,
        cursor_mode="filter",
        cursor_param=cursor_param,
        cursor_format=local_time,
        cursor_timezone=TZ,
    )


STREAMS = {
    "trades": _stream(
        "trades",
        "youzan.trades.sold.get/4.0.0",
        "data.full_order_info_list",
        "full_order_info.order_info.tid",
        "full_order_info.order_info.update_time",
        "start_update",
        100,
    ),
    "customers": _stream(
        "customers",
        "youzan.scrm.customer.list/1.0.0",
        "data.record_list",
        "yz_open_id",
        "updated_at",
        "updated_at_start",
        50,
    ),
    "points": _stream(
        "points",
        "youzan.crm.customer.points.changelog.search/4.0.0",
        "data.items",
        "id",
        "create_time",
        "start_time",
        100,
    ),
}


def check_body(data: Any) -> None:
    """Youzan's in-band errors (HTTP 200), by code."""
    if not isinstance(data, dict):
        return
    gw = data.get("gw_err_resp")
    if isinstance(gw, dict) and str(gw.get("err_code", "0")) not in ("0", "200", ""):
        try:
            code = int(gw.get("err_code"))
        except (TypeError, ValueError):
            code = -1
        what = f"youzan gateway error {gw.get('err_code')}: {gw.get('err_msg')}"
        if code in TOKEN_CODES:
            raise TokenExpiredError(what)
        if code in RETRY_CODES:
            raise RetryableError(what, RETRY_CODES[code])
        if code in QUOTA_CODES:
            raise QuotaExhaustedError(what)
        raise SourceRequestError(what)
    if data.get("success") in (False, "false"):
        raise SourceRequestError(f"youzan error {data.get('code')}: {data.get('message')}")


def auth(credentials: dict[str, str]) -> TokenAuth:
    def fetch(client: HttpClient) -> tuple[str, float]:
        body = {
            "client_id": credentials["client_id"],
            "client_secret": credentials["client_secret"],
            "authorize_type": "silent",
            "grant_id": credentials["grant_id"],
        }
        # checked like any call: a busy gateway (in-band 4301/5001) is retried, a refusal names its code
        page = client.request("POST", "auth/token", json_body=body, auth=False)
        data = page.data if isinstance(page.data, dict) else {}
        token = (data.get("data") or {}).get("access_token") if data.get("success") is True else None
        if not token:
            gw = data.get("gw_err_resp") or {}
            code = gw.get("err_code", data.get("code"))
            raise SourceRequestError(
                f"youzan token request refused ({code}: {gw.get('err_msg') or data.get('message')}); "
                "check credentials client_id, client_secret and grant_id (the shop's kdt_id)"
            )
        expires_ms = (data.get("data") or {}).get("expires")
        lifetime = float(expires_ms) / 1000 - time.time() if expires_ms else 3600.0
        return token, max(lifetime, 60.0)

    return TokenAuth(fetch, place="query", name="access_token")


SOURCE_TYPE = SourceType(
    name="youzan",
    streams=STREAMS,
    credentials=("client_id", "client_secret", "grant_id"),
    auth=auth,
    requests_per_second=10.0,
    check_body=check_body,
    daily_quota=True,
)
