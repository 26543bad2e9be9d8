"""The frames behind the gate's cross-table checks, derived from the warehouse in SQL (DuckDB or Postgres, the same
SQL text): aggregates come back, never a table's records.

- `checks.raw_integrity`: per raw table, on every row: rows, nulls of the key columns, the `_extracted_at` range,
  the duplicate-version rate (rows - distinct (_source, _pk, _hash), over rows) and the keys repeated within one
  batch. The raw suites may run on a sample (expectations/inputs.py); these whole-table counts do not.
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
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from expectations.suites import (
    BATCH_DUPLICATES,
    DUPLICATE_VERSION_RATE,
    EXTRACTED_MAX,
    EXTRACTED_MIN,
    MART,
    MEMBER_RECONCILIATION,
    RAW_INTEGRITY,
    RAW_KEY_COLUMNS,
    REVENUE_RECONCILIATION,
    ROW_COUNT_DRIFT,
    is_raw_table,
    null_count_column,
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

# the health mart's columns the revenue reconciliation reads
REVENUE_MART_COLUMNS = ("platform", "revenue", "revenue_currency")


def derived_frames(
    query: Query,
    name: Callable[[str], str],
    present: set[str],
    today: dt.date | None = None,
) -> dict[str, pd.DataFrame]:
    """Every check frame whose inputs exist."""
    out = {}
    integrity = raw_integrity(query, name, [t for t in present if is_raw_table(t)])
    if integrity is not None:
        out[RAW_INTEGRITY] = integrity
    members = member_reconciliation(query, name, present)
    if members is not None:
        out[MEMBER_RECONCILIATION] = members
    if MART in present:
        columns = [c for c in columns_of(query, name(MART)) if c in REVENUE_MART_COLUMNS]
        if "revenue" in columns:
            mart = query(f"select {', '.join(columns)} from {name(MART)} where community = 'all'")
            revenue = revenue_reconciliation(mart, raw_order_revenue(query, name, present))
            if revenue is not None:
                out[REVENUE_RECONCILIATION] = revenue
    drift = row_count_drift(query, name, present, today or dt.date.today())
    if drift is not None:
        out[ROW_COUNT_DRIFT] = drift
    return out


def columns_of(query: Query, relation: str) -> list[str]:
    """The columns of a table or view, in order (no rows read)."""
    return [str(c) for c in query(f"select * from {relation} limit 0").columns]


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


# ------------------------------------------------------------------------------------------------ raw integrity

VERSION_KEY = ("_source", "_pk", "_hash")  # one stored version of a record
BATCH_KEY = ("_batch_id", "_source", "_pk")  # a record once per batch


def raw_integrity(query: Query, name: Callable[[str], str], tables: Iterable[str]) -> pd.DataFrame | None:
    """One row per raw table, counted in SQL on every row (the raw suite may see a sample only): rows, the nulls of
    each key column, the range of `_extracted_at` (epoch seconds), the duplicate-version rate (rows - distinct
    (_source, _pk, _hash), over rows) and the key repeated within a batch (rows - distinct (_batch_id, _source,
    _pk)). A column the table lacks gives null counts (its absence fails the raw suite's `expect_column_to_exist`).
    The same SQL on DuckDB and Postgres."""
    import pandas as pd

    rows = []
    for table in sorted(tables):
        relation = name(table)
        columns = set(columns_of(query, relation))
        counts = [
            f"count(*) - count({c}) as {quoted(null_count_column(c))}"
            if c in columns
            else f"cast(null as bigint) as {quoted(null_count_column(c))}"
            for c in RAW_KEY_COLUMNS
        ]
        if "_extracted_at" in columns:
            counts += [
                f"extract(epoch from min(_extracted_at)) as {quoted(EXTRACTED_MIN)}",
                f"extract(epoch from max(_extracted_at)) as {quoted(EXTRACTED_MAX)}",
            ]
        for alias, key in (("versions", VERSION_KEY), ("batch_keys", BATCH_KEY)):
            if set(key) <= columns:
                counts.append(
                    f"(select count(*) from (select 1 as one from {relation} group by {', '.join(key)}) as k)"
                    f" as {alias}"
                )
            else:
                counts.append(f"cast(null as bigint) as {alias}")
        found = query(f"select count(*) as n, {', '.join(counts)} from {relation}").iloc[0]
        n = int(found["n"])
        row: dict[str, Any] = {"table": table, "rows": n}
        for c in RAW_KEY_COLUMNS:
            row[null_count_column(c)] = _int(found[null_count_column(c)])
        for c in (EXTRACTED_MIN, EXTRACTED_MAX):
            row[c] = _float(found[c]) if c in found.index else None
        versions, batch_keys = _int(found["versions"]), _int(found["batch_keys"])
        row[DUPLICATE_VERSION_RATE] = None if versions is None else (n - versions) / n if n else 0.0
        row[BATCH_DUPLICATES] = None if batch_keys is None else n - batch_keys
        rows.append(row)
    if not rows:
        return None
    frame = pd.DataFrame(rows)
    for c in frame.columns.drop("table"):  # numbers (int, or float where a count is missing), not objects
        frame[c] = pd.to_numeric(frame[c])
    return frame


def quoted(column: str) -> str:
    """A column name as a quoted SQL identifier (DuckDB and Postgres)."""
    return '"' + column.replace('"', '""') + '"'


def _int(value: Any) -> int | None:
    import pandas as pd

    return None if pd.isna(value) else int(value)


def _float(value: Any) -> float | None:  # Postgres' extract(epoch ...) is numeric: a Decimal
    import pandas as pd

    return None if pd.isna(value) else float(value)


# ------------------------------------------------------------------------------------------------ revenue
#
# The net revenue of the raw orders, in SQL (aggregates come back, never records), with the rules of
# `int_orders_unified`: the latest version of each (_source, _pk) (staging's `latest_version`: the record's own
# updated-at as an instant, then _extracted_at, then _batch_id, then _hash); Shopify's orders counted when paid
# (financial_status paid, partially_refunded, refunded, partially_paid), not cancelled, not a test, net of their
# successful `refund` transactions; WooCommerce's when not cancelled/failed/trash and paid (refunded, processing,
# completed, refunds or a payment date), net of their refunds' totals; never below 0; per currency; in decimals.
# A JSON value counts as set the way Python's truth does: not null, false, 0, "", [] or {}. Money that does not
# parse as a number counts as 0.
#
# One SQL text for DuckDB (_record json) and Postgres (_record jsonb): `->`, `->>`, `~` with anchored patterns,
# casts, window functions and a recursive CTE mean the same on both. JSON arrays are walked by index
# (`array -> i` for i below json_array_length) instead of unnest / jsonb_array_elements, which differ.

ISO_WITH_OFFSET = "^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)?([Zz]|[+-][0-9]{2}(:?[0-9]{2})?)$"
ISO_WITHOUT_OFFSET = "^[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)?)?$"
JSON_NUMBER = "^-?[0-9]+([.][0-9]+)?([eE][+-]?[0-9]+)?$"
DECIMAL_TEXT = "^[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]+)?$"
FALSY_JSON = "('null', 'false', '0', '0.0', '-0', '\"\"', '[]', '{}')"
MONEY = "decimal(38, 10)"


def _text(obj: str, key: str) -> str:
    return f"trim(({obj}) ->> '{key}')"


def _timestamp(obj: str, key: str) -> str:
    """`obj.key` as timestamptz: ISO 8601 text with its offset as written, without one as UTC (never the session's
    zone), a JSON number as seconds since the epoch; anything else null (it ranks last, as in staging)."""
    text = _text(obj, key)
    return (
        f"case when cast(({obj}) -> '{key}' as varchar) ~ '{JSON_NUMBER}'"
        f" then to_timestamp(cast({text} as float8))"
        f" when {text} ~ '{ISO_WITH_OFFSET}' then cast({text} as timestamptz)"
        f" when {text} ~ '{ISO_WITHOUT_OFFSET}' then cast({text} as timestamp) at time zone 'UTC' end"
    )


def _money(obj: str, key: str) -> str:
    """`obj.key` as a decimal: a number, or text that reads as one; anything else 0."""
    text = _text(obj, key)
    return f"case when {text} ~ '{DECIMAL_TEXT}' then cast({text} as {MONEY}) else cast(0 as {MONEY}) end"


def _is_set(value: str) -> str:
    """A JSON value is set the way Python's truth has it: not missing, null, false, 0, "", [] or {}."""
    return f"coalesce(cast({value} as varchar), 'null') not in {FALSY_JSON}"


def _length(value: str) -> str:
    """Elements of a JSON array; 0 for anything else."""
    return f"case when cast({value} as varchar) like '[%' then json_array_length(cast({value} as json)) else 0 end"


def _slots(cte: str, value: str, source: str) -> str:
    """A recursive CTE of array positions 0.. up to the longest array `value` of `source`."""
    return f"""{cte} (i) as (
        select 0
        union all
        select {cte}.i + 1 from {cte} where {cte}.i + 1 < (select max({_length(value)}) from {source})
    )"""


def _latest_versions(relation: str, updated_at: str, fields: str) -> str:
    """The CTE `versions`: `fields` of each raw row with its rank among the versions of its (_source, _pk) (1 =
    latest): staging's `latest_version`."""
    return f"""versions as (
        select
            {fields},
            row_number() over (
                partition by o._source, o._pk
                order by
                    {_timestamp("o._record", updated_at)} desc nulls last,
                    o._extracted_at desc nulls last,
                    o._batch_id desc nulls last,
                    o._hash desc nulls last
            ) as version_rank
        from {relation} as o
    )"""


NET_PER_CURRENCY = """select o.currency, sum(greatest(o.total - coalesce(r.amount, 0), 0)) as net_revenue
    from orders as o
    left join refunded as r on o.order_row = r.order_row
    group by o.currency"""


def shopify_net_sql(relation: str) -> str:
    """Net revenue per currency of the counted Shopify orders of `relation` (raw.shopify__orders)."""
    fields = f"""o._record ->> 'currency' as currency,
            o._record ->> 'financial_status' as financial_status,
            o._record -> 'cancelled_at' as cancelled_at,
            o._record -> 'test' as test,
            {_money("o._record", "total_price")} as total,
            o._record -> 'refunds' as refunds"""
    tx = "(r.transactions -> t.i)"
    return f"""with recursive
    {_latest_versions(relation, "updated_at", fields)},
    orders as (
        select row_number() over () as order_row, v.currency, v.total, v.refunds
        from versions as v
        where
            v.version_rank = 1
            and coalesce(v.financial_status, '') in ('paid', 'partially_refunded', 'refunded', 'partially_paid')
            and not {_is_set("v.cancelled_at")}
            and not {_is_set("v.test")}
    ),
    {_slots("refund_slots", "o.refunds", "orders as o")},
    refunds as (
        select o.order_row, ((o.refunds -> s.i) -> 'transactions') as transactions
        from orders as o
        inner join refund_slots as s on s.i < {_length("o.refunds")}
    ),
    {_slots("transaction_slots", "r.transactions", "refunds as r")},
    refunded as (
        select r.order_row, sum({_money(tx, "amount")}) as amount
        from refunds as r
        inner join transaction_slots as t on t.i < {_length("r.transactions")}
        where
            coalesce({tx} ->> 'kind', '') = 'refund'
            and (not {_is_set(f"{tx} -> 'status'")} or coalesce({tx} ->> 'status', '') = 'success')
        group by r.order_row
    )
    {NET_PER_CURRENCY}"""


def woocommerce_net_sql(relation: str) -> str:
    """Net revenue per currency of the counted WooCommerce orders of `relation` (raw.woocommerce__orders)."""
    fields = f"""o._record ->> 'currency' as currency,
            coalesce(o._record ->> 'status', '') as status,
            o._record -> 'date_paid_gmt' as date_paid,
            {_money("o._record", "total")} as total,
            o._record -> 'refunds' as refunds"""
    return f"""with recursive
    {_latest_versions(relation, "date_modified_gmt", fields)},
    orders as (
        select row_number() over () as order_row, v.currency, v.total, v.refunds
        from versions as v
        where
            v.version_rank = 1
            and v.status not in ('cancelled', 'failed', 'trash')
            and (
                v.status in ('refunded', 'processing', 'completed')
                or {_is_set("v.refunds")}
                or {_is_set("v.date_paid")}
            )
    ),
    {_slots("refund_slots", "o.refunds", "orders as o")},
    refunded as (
        select o.order_row, sum(abs({_money("o.refunds -> s.i", "total")})) as amount
        from orders as o
        inner join refund_slots as s on s.i < {_length("o.refunds")}
        group by o.order_row
    )
    {NET_PER_CURRENCY}"""


# platform of the health mart -> (raw orders table, its net revenue per currency in SQL)
RAW_ORDERS = {
    "shopify": ("raw.shopify__orders", shopify_net_sql),
    "woocommerce": ("raw.woocommerce__orders", woocommerce_net_sql),
}


def raw_order_revenue(
    query: Query, name: Callable[[str], str], present: set[str]
) -> dict[str, dict[str, Decimal]]:
    """Per platform whose raw orders table exists: net revenue per currency of its counted orders, computed in the
    warehouse (a currency the orders do not name is 'None')."""
    import pandas as pd

    out: dict[str, dict[str, Decimal]] = {}
    for platform, (table, net_sql) in RAW_ORDERS.items():
        if table not in present:
            continue
        found = query(net_sql(name(table)))
        out[platform] = {
            "None" if pd.isna(currency) else str(currency): Decimal(str(revenue))
            for currency, revenue in found.itertuples(index=False)
        }
    return out


def revenue_reconciliation(
    mart: pd.DataFrame, reference: dict[str, dict[str, Decimal]]
) -> pd.DataFrame | None:
    """mart: the health mart's community='all' rows; reference: `raw_order_revenue`. One row per (platform,
    currency) with raw orders."""
    import pandas as pd

    rows = []
    for platform, per_currency in reference.items():
        if "platform" in mart.columns:
            part = mart[mart["platform"] == platform]
        elif platform == "shopify":  # the health mart's first grain: no platform column, Shopify orders only
            part = mart
        else:
            continue
        for currency, expected in sorted(per_currency.items()):
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
