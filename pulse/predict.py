"""The CLV step: fit BG/NBD + Gamma-Gamma on the warehouse's store orders and write `marts.member_clv` and
`marts.clv_model_params` (issue #5).

It runs after `dbt build` (it reads `intermediate.int_orders_unified`, counted orders with a member) and before the
quality gate, in the working warehouse, so the gate checks the predictions and publish ships them with the rest.
dbt cannot do it: the fit is an optimisation, and Postgres has no Python models.

One model per currency: spend in CNY and USD cannot share a Gamma-Gamma fit, and converting would bake a rate into
the parameters. A currency with too few customers or repeat buyers gets a parameter row saying so and no
predictions, rather than a fit nobody should trust. The calibration window ends at the day after the latest order
(the data's "today"); times are business days, the model's unit is the week.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from pulse.clv import clv_predictions, fit_bgnbd, fit_gamma_gamma, rfm_summary

log = logging.getLogger(__name__)

UNIT, UNIT_DAYS = "W", 7
MEMBER_COLUMNS = {
    "member_id": "text",
    "currency": "text",
    "orders_count": "bigint",
    "first_order_date": "date",
    "last_order_date": "date",
    "historical_value": "double precision",
    "frequency": "bigint",
    "recency_weeks": "double precision",
    "tenure_weeks": "double precision",
    "avg_repeat_order_value": "double precision",
    "p_alive": "double precision",
    "expected_purchases_90d": "double precision",
    "expected_purchases_365d": "double precision",
    "expected_order_value": "double precision",
    "clv_12m": "double precision",
    "calibration_end": "date",
}
PARAM_COLUMNS = {
    "currency": "text",
    "status": "text",
    "customers": "bigint",
    "repeat_buyers": "bigint",
    "calibration_start": "date",
    "calibration_end": "date",
    "time_unit": "text",
    "bgnbd_r": "double precision",
    "bgnbd_alpha": "double precision",
    "bgnbd_a": "double precision",
    "bgnbd_b": "double precision",
    "bgnbd_log_likelihood": "double precision",
    "bgnbd_converged": "boolean",
    "gg_p": "double precision",
    "gg_q": "double precision",
    "gg_gamma": "double precision",
    "gg_log_likelihood": "double precision",
    "gg_converged": "boolean",
    "spend_frequency_correlation": "double precision",
    "annual_discount_rate": "double precision",
    "clv_months": "bigint",
    "fitted_at": "timestamp with time zone",
}


@dataclass(frozen=True)
class ClvResult:
    members: pd.DataFrame  # MEMBER_COLUMNS
    params: pd.DataFrame  # PARAM_COLUMNS


def fit_and_predict(
    orders: pd.DataFrame,
    *,
    annual_discount_rate: float = 0.1,
    months: int = 12,
    min_customers: int = 50,
    min_repeat_buyers: int = 20,
    fitted_at: dt.datetime | None = None,
) -> ClvResult:
    """`orders`: member_id, currency, order_date (a business day), net_amount - counted orders only. One fit per
    currency; members who bought in two currencies get a row per currency."""
    fitted_at = fitted_at or dt.datetime.now(dt.UTC)
    members, params = [], []
    for currency, group in orders.groupby("currency", sort=True):
        member_rows, param_row = _one_currency(
            str(currency), group, annual_discount_rate, months, min_customers, min_repeat_buyers
        )
        param_row["fitted_at"] = fitted_at
        params.append(param_row)
        if member_rows is not None:
            members.append(member_rows)
    member_frame = (
        pd.concat(members, ignore_index=True) if members else pd.DataFrame(columns=list(MEMBER_COLUMNS))
    )
    return ClvResult(member_frame[list(MEMBER_COLUMNS)], pd.DataFrame(params, columns=list(PARAM_COLUMNS)))


def _one_currency(currency, group, annual_discount_rate, months, min_customers, min_repeat_buyers):
    days = pd.to_datetime(group["order_date"])
    end = days.max().normalize() + pd.Timedelta(days=1)
    tx = pd.DataFrame(
        {"customer_id": group["member_id"].to_numpy(), "ts": days.to_numpy(), "amount": group["net_amount"]}
    )
    tx["amount"] = tx["amount"].astype("float64")
    summary = rfm_summary(tx, calibration_end=end, unit=UNIT)
    history = tx.groupby("customer_id").agg(
        orders_count=("ts", "size"),
        first_order_date=("ts", "min"),
        last_order_date=("ts", "max"),
        historical_value=("amount", "sum"),
    )
    repeat = int((summary["frequency"] > 0).sum())
    row: dict[str, Any] = {
        "currency": currency,
        "customers": len(summary),
        "repeat_buyers": repeat,
        "calibration_start": days.min().date(),
        "calibration_end": end.date(),
        "time_unit": "week",
        "annual_discount_rate": annual_discount_rate,
        "clv_months": months,
    }
    if len(summary) < min_customers or repeat < min_repeat_buyers:
        row["status"] = (
            f"not enough data: {len(summary)} customers, {repeat} repeat buyers "
            f"(need {min_customers} and {min_repeat_buyers})"
        )
        return None, row
    bgnbd = fit_bgnbd(summary["frequency"], summary["recency"], summary["T"])
    buyers = summary[(summary["frequency"] > 0) & (summary["monetary_value"] > 0)]
    gg = fit_gamma_gamma(buyers["frequency"], buyers["monetary_value"])
    row.update(
        status="fitted" if bgnbd.converged and gg.converged else "fitted, not converged",
        bgnbd_r=bgnbd.r,
        bgnbd_alpha=bgnbd.alpha,
        bgnbd_a=bgnbd.a,
        bgnbd_b=bgnbd.b,
        bgnbd_log_likelihood=bgnbd.log_likelihood,
        bgnbd_converged=bgnbd.converged,
        gg_p=gg.p,
        gg_q=gg.q,
        gg_gamma=gg.gamma,
        gg_log_likelihood=gg.log_likelihood,
        gg_converged=gg.converged,
        spend_frequency_correlation=float(np.corrcoef(buyers["frequency"], buyers["monetary_value"])[0, 1])
        if len(buyers) > 2
        else None,
    )
    # repeat buyers whose repeat orders were all free (net 0) are left out of the spend fit (no density there);
    # their expected order value shrinks towards 0 from the population mean, as their own history says
    predicted = clv_predictions(
        bgnbd,
        gg,
        summary,
        unit_days=UNIT_DAYS,
        horizons_days=(90, 365),
        months=months,
        annual_discount_rate=annual_discount_rate,
    )
    out = summary.join(history).join(predicted)
    out = out.reset_index().rename(
        columns={
            "customer_id": "member_id",
            "recency": "recency_weeks",
            "T": "tenure_weeks",
            "monetary_value": "avg_repeat_order_value",
            "clv": "clv_12m",
        }
    )
    out["currency"] = currency
    out["calibration_end"] = end.date()
    out["first_order_date"] = out["first_order_date"].dt.date
    out["last_order_date"] = out["last_order_date"].dt.date
    return out, row


# ------------------------------------------------------------------------------------------------ warehouse I/O


def predict_clv(config) -> dict:
    """Read counted orders from the working warehouse, fit, write marts(_work).member_clv and clv_model_params."""
    from pulse.warehouse import fetch_df, open_warehouse

    started = time.perf_counter()
    wh = open_warehouse(config)
    suffix = wh.suffix if wh.kind == "postgres" else ""
    rules = config["rules"]["clv"]
    with wh.writer() as con:
        orders = fetch_df(
            con,
            f"""select member_id, currency, order_date, net_amount
                from intermediate{suffix}.int_orders_unified
                where is_counted and member_id is not null""",
        )
        result = fit_and_predict(
            orders,
            annual_discount_rate=float(rules["annual_discount_rate"]),
            months=int(rules["months"]),
            min_customers=int(rules["min_customers"]),
            min_repeat_buyers=int(rules["min_repeat_buyers"]),
        )
        write_table(con, wh.kind, f"marts{suffix}", "member_clv", result.members, MEMBER_COLUMNS)
        write_table(con, wh.kind, f"marts{suffix}", "clv_model_params", result.params, PARAM_COLUMNS)
    for row in result.params.itertuples(index=False):
        log.info("clv currency=%s status=%s customers=%d", row.currency, row.status, row.customers)
    return {
        "members": len(result.members),
        "models": result.params[["currency", "status"]].to_dict("records"),
        "seconds": round(time.perf_counter() - started, 2),
    }


def write_table(con, kind: str, schema: str, name: str, frame: pd.DataFrame, columns: dict[str, str]) -> None:
    """Replace schema.name with `frame` (columns and SQL types from `columns`), in the caller's transaction."""
    ddl = ", ".join(f"{c} {t}" for c, t in columns.items())
    frame = frame[list(columns)]
    if kind == "duckdb":
        con.execute(f"create schema if not exists {schema}")
        con.execute(f"create or replace table {schema}.{name} ({ddl})")
        con.register("_frame", frame)
        try:
            con.execute(f"insert into {schema}.{name} select * from _frame")
        finally:
            con.unregister("_frame")
        return
    with con.cursor() as cur:
        cur.execute(f"create schema if not exists {schema}")
        cur.execute(f"drop table if exists {schema}.{name}")
        cur.execute(f"create table {schema}.{name} ({ddl})")
        buf = io.StringIO()
        frame.to_csv(buf, index=False, header=False, na_rep="\\N")
        buf.seek(0)
        cur.copy_expert(f"copy {schema}.{name} from stdin with (format csv, null '\\N')", buf)
