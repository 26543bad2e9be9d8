"""Customer lifetime value: BG/NBD expected purchases x Gamma-Gamma expected order value, discounted monthly.

CLV over `months` = sum over months i = 1..M of
    (E[purchases by end of month i] - E[purchases by end of month i-1]) x E[order value] / (1 + d)^(i/12)
with d the annual discount rate and a month of 365.25/12 days; each month's purchases are discounted as if paid
at its end. This is the monthly discounted-cash-flow form of the `lifetimes` package (its
`customer_lifetime_value`), with an annual rate instead of a monthly one. It is the value of the customer's
future purchases, excluding the purchases already made, and is in the currency of `monetary_value`
(revenue unless margins were applied upstream).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from pulse.clv.bgnbd import BgNbdParams, _expected, _p_alive
from pulse.clv.gamma_gamma import GammaGammaParams, expected_order_value
from pulse.clv.inputs import check_inputs

DAYS_PER_MONTH = 365.25 / 12


def _check_settings(months: int, annual_discount_rate: float, unit_days: float) -> None:
    if not (isinstance(months, int) and months >= 1):
        raise ValueError(f"months={months!r}: expected a whole number of months >= 1")
    if not (np.isfinite(annual_discount_rate) and annual_discount_rate > -1):
        raise ValueError(f"annual_discount_rate={annual_discount_rate!r}: expected a rate such as 0.1 (10%)")
    if not (np.isfinite(unit_days) and unit_days > 0):
        raise ValueError(f"unit_days={unit_days!r}: days per model time unit, 7 for weeks, 1 for days")


def customer_lifetime_value(
    bgnbd: BgNbdParams,
    gg: GammaGammaParams,
    frequency: Any,
    recency: Any,
    T: Any,
    monetary_value: Any,
    months: int = 12,
    annual_discount_rate: float = 0.1,
    unit_days: float = 7,
) -> np.ndarray:
    """Discounted expected spend over the next `months` per customer (see module doc for the formula).

    `unit_days` is the length of the time unit recency, T and the BG/NBD fit are in (7 for weeks, 1 for days).
    """
    _check_settings(months, annual_discount_rate, unit_days)
    s = check_inputs(frequency, recency, T, monetary_value)
    assert s.T is not None
    alive = _p_alive(bgnbd, s)
    span = bgnbd.alpha + s.T
    value = np.zeros(s.frequency.size)
    before = np.zeros(s.frequency.size)
    for month in range(1, months + 1):
        horizon = np.full(s.frequency.size, month * DAYS_PER_MONTH / unit_days)
        cumulative = alive * _expected(bgnbd, horizon, s.frequency, span)
        value += (cumulative - before) / (1 + annual_discount_rate) ** (month / 12)
        before = cumulative
    return value * expected_order_value(gg, s.frequency, s.monetary_value)


def clv_predictions(
    bgnbd: BgNbdParams,
    gg: GammaGammaParams,
    summary: pd.DataFrame,
    *,
    unit_days: float = 7,
    horizons_days: Sequence[int] = (90, 365),
    months: int = 12,
    annual_discount_rate: float = 0.1,
) -> pd.DataFrame:
    """The per-member prediction columns, indexed like `summary` (an `rfm_summary` frame).

    Columns: p_alive, expected_purchases_<h>d for each horizon, expected_order_value, clv (over `months`).
    """
    missing = [c for c in ("frequency", "recency", "T", "monetary_value") if c not in summary.columns]
    if missing:
        raise ValueError(f"summary: missing column(s) {missing}; pass the output of rfm_summary")
    _check_settings(months, annual_discount_rate, unit_days)
    s = check_inputs(summary["frequency"], summary["recency"], summary["T"], summary["monetary_value"])
    assert s.T is not None
    alive = _p_alive(bgnbd, s)
    out = pd.DataFrame({"p_alive": alive}, index=summary.index)
    for days in horizons_days:
        horizon = np.full(s.frequency.size, days / unit_days)
        out[f"expected_purchases_{days}d"] = alive * _expected(bgnbd, horizon, s.frequency, bgnbd.alpha + s.T)
    out["expected_order_value"] = expected_order_value(gg, s.frequency, s.monetary_value)
    out["clv"] = customer_lifetime_value(
        bgnbd, gg, s.frequency, s.recency, s.T, s.monetary_value, months, annual_discount_rate, unit_days
    )
    return out
