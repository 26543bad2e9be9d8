"""Per-customer RFM summaries (frequency, recency, T, monetary value) from a transaction log.

Conventions (those of Fader & Hardie's BG/NBD and Gamma-Gamma papers, so published fits can be reproduced):
- Only transactions at or before `calibration_end` count; a customer whose first purchase is later is absent.
- With `combine_same_day` (default) a purchase is a calendar day with orders: a day's orders are one purchase
  whose value is their sum, and dates are compared as days (calibration_end's time of day is ignored).
  Without it each row is a purchase and times are exact (fractional days).
- frequency: purchases after the first (repeat purchases); 0 for a one-time buyer.
- recency: time from the first to the last purchase; 0 when frequency is 0.
- T: time from the first purchase to calibration_end (the customer's observation window).
- monetary_value: mean value of the repeat purchases, the first excluded; 0 when frequency is 0.
- Times are in weeks (unit="W", 7 days) or days (unit="D"); the fitted alpha is in the same unit.
Dates are taken as they are in `ts`: convert to the business time zone first if days should be local days.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

import numpy as np
import pandas as pd

UNIT_DAYS: dict[str, int] = {"W": 7, "D": 1}
COLUMNS = ("customer_id", "ts", "amount")


def _calibration_end(value: str | dt.date | dt.datetime | pd.Timestamp, ts: pd.Series) -> pd.Timestamp:
    try:
        end = pd.Timestamp(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"calibration_end: {value!r} is not a date or timestamp ({exc})") from None
    if pd.isna(end):
        raise ValueError(f"calibration_end: {value!r} is not a date or timestamp")
    zone = ts.dt.tz
    if zone is not None and end.tzinfo is None:
        end = end.tz_localize(zone)  # a naive end is read in the transactions' time zone
    elif zone is None and end.tzinfo is not None:
        raise ValueError(f"calibration_end: {value!r} has a time zone but the transactions' ts have none")
    return end


def _transactions(transactions: pd.DataFrame) -> pd.DataFrame:
    missing = [c for c in COLUMNS if c not in transactions.columns]
    if missing:
        raise ValueError(f"transactions: missing column(s) {missing}; expected {list(COLUMNS)}")
    frame = transactions.loc[:, list(COLUMNS)].copy()
    try:
        if not pd.api.types.is_datetime64_any_dtype(frame["ts"]):
            frame["ts"] = pd.to_datetime(frame["ts"], format="ISO8601")  # dates and datetimes may be mixed
    except (TypeError, ValueError) as exc:
        raise ValueError(f"transactions.ts: not parseable as timestamps ({exc})") from None
    frame["amount"] = pd.to_numeric(frame["amount"], errors="coerce")
    for column in COLUMNS:
        bad = np.flatnonzero(frame[column].isna().to_numpy())
        if bad.size:
            row = transactions.index[bad[0]]
            raise ValueError(
                f"transactions.{column}: missing or not a number at row {row!r} ({bad.size} rows)"
            )
    return frame


def rfm_summary(
    transactions: pd.DataFrame,
    calibration_end: str | dt.date | dt.datetime | pd.Timestamp,
    unit: Literal["W", "D"] = "W",
    combine_same_day: bool = True,
) -> pd.DataFrame:
    """One row per customer (index customer_id): frequency (int), recency, T, monetary_value (see module doc).

    `transactions` has columns customer_id, ts (timestamps or ISO strings) and amount; others are ignored.
    """
    if unit not in UNIT_DAYS:
        raise ValueError(f"unit: {unit!r}; expected 'W' (weeks) or 'D' (days)")
    frame = _transactions(transactions)
    end = _calibration_end(calibration_end, frame["ts"])
    if combine_same_day:
        end = end.normalize()
        frame["ts"] = frame["ts"].dt.normalize()
        frame = frame[frame["ts"] <= end]
        frame = frame.groupby(["customer_id", "ts"], sort=True, as_index=False)["amount"].sum()
    else:
        frame = frame[frame["ts"] <= end].sort_values(["customer_id", "ts"], kind="stable")
    grouped = frame.groupby("customer_id", sort=True)
    first = grouped["ts"].min()
    purchases = grouped["ts"].size()
    total = grouped["amount"].sum()
    first_amount = grouped["amount"].first()  # rows are sorted by ts within each customer
    unit_length = pd.Timedelta(days=UNIT_DAYS[unit])
    frequency = (purchases - 1).astype("int64")
    repeat_value = (total - first_amount).astype("float64")
    out = pd.DataFrame(
        {
            "frequency": frequency,
            "recency": (grouped["ts"].max() - first) / unit_length,
            "T": (end - first) / unit_length,
            "monetary_value": np.where(frequency > 0, repeat_value / frequency.clip(lower=1), 0.0),
        }
    )
    out.index.name = "customer_id"
    return out
