"""Shopify Admin REST API (custom app access token).

Quirks handled here: pagination only through the `Link` header's `page_info` cursors (no other filters may follow
the first page), `limit` <= 250, a leaky bucket of 40 calls leaking 2/s reported in
`X-Shopify-Shop-Api-Call-Limit` (over it, 429 + Retry-After), money as strings (kept verbatim in landing).
"""

from __future__ import annotations

from ingestion.runtime.auth import HeaderAuth
from ingestion.runtime.spec import LinkHeader, SourceType, Stream

API = "admin/api/2025-01"


def _stream(name: str, path: str, records: str, **params) -> Stream:
    return Stream(
        name=name,
        path=f"{API}/{path}",
        records=records,
        primary_key="id",
        paginator=LinkHeader(),
        params=params,
        page_size_param="limit",
        page_size=250,
        max_page_size=250,
        cursor_field="updated_at",
        cursor_mode="filter",
        cursor_param="updated_at_min",
    )


STREAMS = {
    "customers": _stream("customers", "customers.json", "customers"),
    "orders": _stream("orders", "orders.json", "orders", status="any"),
}


def auth(credentials: dict[str, str]) -> HeaderAuth:
    return HeaderAuth({"X-Shopify-Access-Token": credentials["access_token"]})


SOURCE_TYPE = SourceType(
    name="shopify",
    streams=STREAMS,
    credentials=("access_token",),
    auth=auth,
    requests_per_second=2.0,
)
