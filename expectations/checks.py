"""The frames behind the gate's cross-table checks, derived from the warehouse (DuckDB or Postgres, same SQL).

- `checks.member_reconciliation`: per platform, the accounts in `marts.dim_member_accounts` against the rows of the
  staging model identity resolution reads for it; and the members of `marts.dim_members` against the members the
  accounts name. Every difference must be 0.
- `checks.revenue_reconciliation`: per platform and currency, the revenue of `marts.community_health_weekly`
  (community 'all') against the net revenue of the counted orders computed here, independently of dbt, from the
  raw orders (latest version of each order; paid, not cancelled, not a test; net of refunds, never below 0: the
  rules of `int_orders_unified`). Within `quality.revenue_tolerance` (0.5 %).
- `checks.row_count_drift`: rows per week of the fact tables, the last complete week against the week before.

`query(sql) -> DataFrame` runs SQL on the working warehouse; `name(table)` maps `schema.table` to its name there
(Postgres builds into `*_work` schemas); `present` is the set of tables and views that exist.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from expectations.suites import (
    MART,
    MEMBER_RECONCILIATION,
    REVENUE_RECONCILIATION,
    ROW_COUNT_DRIFT,
    _to_utc,
)

if TYPE_CHECKING:
    import pandas as pd

Query = Callable[[str], "pd.DataFrame"]

# identity resolution's account sources (models/intermediate/identity/int_identity__<platform>_accounts.sql)
ACCOUNT_STAGING = {
    "discourse": "staging.stg_discourse__users",
    "discord": "staging.stg_discord__members",
    "reddit": "staging.stg_reddit__authors",
    "shopify": "staging.stg_shopify__customers",
    "woocommerce": "staging.stg_woocommerce__customers",
    "youzan": "staging.stg_youzan__customers",
    "wechat_mp": "staging.stg_wechat_mp__followers",
    "wecom_groups": "staging.stg_wecom_groups__external_contacts",
    "membership": "staging.stg_files__member_bindings",
}

# fact tables whose weekly row counts should not jump: table -> the date or timestamp column that places a row
DRIFT_TABLES = {
    "marts.fct_engagement_events": "event_date",
    "marts.fct_questions": "created_week",
    "intermediate.int_orders_unified": "order_date",
}


def derived_frames(
    query: Query,
    name: Callable[[str], str],
    present: set[str],
    raw: dict[str, pd.DataFrame],
    today: dt.date | None = None,
) -> dict[str, pd.DataFrame]:
    """Every check frame whose inputs exist. raw: the raw frames already read (`raw.shopify__orders`...)."""
    out = {}
    members = member_reconciliation(query, name, present)
    if members is not None:
        out[MEMBER_RECONCILIATION] = members
    if MART in present:
        revenue = revenue_reconciliation(query(f"select * from {name(MART)} where community = 'all'"), raw)
        if revenue is not None:
            out[REVENUE_RECONCILIATION] = revenue
    drift = row_count_drift(query, name, present, today or dt.date.today())
    if drift is not None:
        out[ROW_COUNT_DRIFT] = drift
    return out


def member_reconciliation(query: Query, name: Callable[[str], str], present: set[str]) -> pd.DataFrame | None:
    import pandas as pd

    accounts = "marts.dim_member_accounts"
    if accounts not in present:
        return None
    in_marts = query(f"select platform, count(*) as n from {name(accounts)} group by platform")
    per_platform = {str(p): int(n) for p, n in in_marts.itertuples(index=False)}
    rows = []
    for platform, model in ACCOUNT_STAGING.items():
        if model not in present:
            continue
        staged = int(query(f"select count(*) as n from {name(model)}")["n"].iloc[0])
        mart = per_platform.get(platform, 0)
        rows.append(("accounts", platform, mart, staged, mart - staged))
    if "marts.dim_members" in present:
        members = int(query(f"select count(*) as n from {name('marts.dim_members')}")["n"].iloc[0])
        named = int(query(f"select count(distinct member_id) as n from {name(accounts)}")["n"].iloc[0])
        rows.append(("members", "all", members, named, members - named))
    return pd.DataFrame(rows, columns=["what", "platform", "mart_rows", "staging_rows", "difference"])


# ------------------------------------------------------------------------------------------------ revenue


def _record(value: Any) -> dict:
    if isinstance(value, dict):
        return value
    try:
        parsed = json.loads(value)
    except (TypeError, json.JSONDecodeError):
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _money(value: Any) -> Decimal:
    try:
        return Decimal(str(value).strip()) if value not in (None, "") else Decimal(0)
    except ArithmeticError:
        return Decimal(0)


def _latest(df: pd.DataFrame, updated_at: str) -> list[dict]:
    """The latest version of each (_source, _pk): staging's `latest_version` (updated_at, then extraction)."""
    best: dict[tuple, tuple] = {}
    floor = dt.datetime.min.replace(tzinfo=dt.UTC)
    for source, pk, extracted, batch, digest, raw in df[
        ["_source", "_pk", "_extracted_at", "_batch_id", "_hash", "_record"]
    ].itertuples(index=False):
        rec = _record(raw)
        rank = (
            _to_utc(rec.get(updated_at)) or floor,
            _to_utc(str(extracted)) or floor,
            str(batch or ""),
            str(digest or ""),
        )
        key = (source, pk)
        if key not in best or rank > best[key][0]:
            best[key] = (rank, rec)
    return [rec for _, rec in best.values()]


def shopify_net(records: list[dict]) -> dict[str, Decimal]:
    """Net revenue per currency of counted Shopify orders."""
    out: dict[str, Decimal] = {}
    for r in records:
        counted = (
            r.get("financial_status") in ("paid", "partially_refunded", "refunded", "partially_paid")
            and not r.get("cancelled_at")
            and not r.get("test")
        )
        if not counted:
            continue
        refunded = sum(
            (
                _money(t.get("amount"))
                for refund in r.get("refunds") or []
                for t in refund.get("transactions") or []
                if t.get("kind") == "refund" and (t.get("status") or "success") == "success"
            ),
            Decimal(0),
        )
        currency = str(r.get("currency"))
        out[currency] = out.get(currency, Decimal(0)) + max(
            Decimal(0), _money(r.get("total_price")) - refunded
        )
    return out


def woocommerce_net(records: list[dict]) -> dict[str, Decimal]:
    """Net revenue per currency of counted WooCommerce orders."""
    out: dict[str, Decimal] = {}
    for r in records:
        status = r.get("status")
        refunds = r.get("refunds") or []
        paid = (
            status == "refunded"
            or bool(refunds)
            or status in ("processing", "completed")
            or bool(r.get("date_paid_gmt"))
        )
        if status in ("cancelled", "failed", "trash") or not paid:
            continue
        refunded = sum((abs(_money(x.get("total"))) for x in refunds), Decimal(0))
        currency = str(r.get("currency"))
        out[currency] = out.get(currency, Decimal(0)) + max(Decimal(0), _money(r.get("total")) - refunded)
    return out


# platform of the health mart -> (raw table, the field staging orders versions by, net revenue per currency)
RAW_ORDERS = {
    "shopify": ("raw.shopify__orders", "updated_at", shopify_net),
    "woocommerce": ("raw.woocommerce__orders", "date_modified_gmt", woocommerce_net),
}


def revenue_reconciliation(mart: pd.DataFrame, raw: dict[str, pd.DataFrame]) -> pd.DataFrame | None:
    """mart: the health mart's community='all' rows. One row per (platform, currency) with raw orders."""
    import pandas as pd

    rows = []
    for platform, (table, updated_at, net) in RAW_ORDERS.items():
        frame = raw.get(table)
        if frame is None or frame.empty:
            continue
        reference = net(_latest(frame, updated_at))
        if "platform" in mart.columns:
            part = mart[mart["platform"] == platform]
        elif platform == "shopify":  # the health mart's first grain: no platform column, Shopify orders only
            part = mart
        else:
            continue
        for currency, expected in sorted(reference.items()):
            if "revenue_currency" in part.columns:
                mixed = part[part["revenue_currency"] == "mixed"]
                if len(mixed):  # revenue left null where a row would add currencies: nothing to compare
                    continue
                in_mart = part[part["revenue_currency"] == currency]["revenue"]
            else:
                in_mart = part["revenue"]
            actual = Decimal(str(pd.to_numeric(in_mart, errors="coerce").fillna(0).sum()))
            if expected == 0:
                relative = 0.0 if actual == 0 else 1.0
            else:
                relative = float((actual - expected) / expected)
            rows.append((platform, currency, float(actual), float(expected), round(relative, 6)))
    if not rows:
        return None
    return pd.DataFrame(
        rows, columns=["platform", "currency", "mart_revenue", "raw_revenue", "relative_difference"]
    )


# ------------------------------------------------------------------------------------------------ drift


def row_count_drift(
    query: Query, name: Callable[[str], str], present: set[str], today: dt.date
) -> pd.DataFrame | None:
    """Per fact table: rows in its last complete week (the week before `today`'s, or the data's last week if
    that is earlier) against the week before."""
    import pandas as pd

    this_monday = today - dt.timedelta(days=today.weekday())
    rows = []
    for table, column in DRIFT_TABLES.items():
        if table not in present:
            continue
        weekly = query(
            f"""select cast(date_trunc('week', cast({column} as date)) as date) as week_start, count(*) as n
                from {name(table)} where {column} is not null group by 1"""
        )
        counts = {pd.Timestamp(w).date(): int(n) for w, n in weekly.itertuples(index=False)}
        complete = [w for w in counts if w < this_monday]
        if not complete:
            continue
        last = max(complete)
        previous = counts.get(last - dt.timedelta(weeks=1), 0)
        change = None if previous == 0 else round(counts[last] / previous - 1, 4)
        rows.append((table, last, counts[last], previous, change))
    if not rows:
        return None
    frame = pd.DataFrame(rows, columns=["table", "week_start", "rows", "previous_rows", "change"])
    frame["change"] = frame["change"].astype("float64")
    return frame
