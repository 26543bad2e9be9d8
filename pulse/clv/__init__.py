"""Predictive customer lifetime value: BG/NBD purchases x Gamma-Gamma spend, fitted by maximum likelihood.

Pure functions on arrays and DataFrames, no warehouse I/O; the pipeline step reads order summaries and writes
predictions. Typical use:

    summary = rfm_summary(orders, calibration_end="2026-06-30", unit="W")
    bgnbd = fit_bgnbd(summary["frequency"], summary["recency"], summary["T"])
    gg = fit_gamma_gamma(summary["frequency"], summary["monetary_value"])
    predictions = clv_predictions(bgnbd, gg, summary, unit_days=7)

Modules: `rfm` (summaries and their conventions), `bgnbd`, `gamma_gamma`, `value` (CLV), `inputs` (validation),
`simulate` (synthetic customers for tests and benchmarks).
"""

from __future__ import annotations

from pulse.clv.bgnbd import (
    BgNbdParams,
    bgnbd_log_likelihood,
    expected_purchases,
    expected_purchases_new,
    fit_bgnbd,
    p_alive,
)
from pulse.clv.gamma_gamma import (
    GammaGammaParams,
    expected_order_value,
    fit_gamma_gamma,
    gamma_gamma_log_likelihood,
)
from pulse.clv.inputs import check_inputs
from pulse.clv.rfm import rfm_summary
from pulse.clv.simulate import simulate_bgnbd, simulate_gamma_gamma
from pulse.clv.value import clv_predictions, customer_lifetime_value

__all__ = [
    "BgNbdParams",
    "GammaGammaParams",
    "bgnbd_log_likelihood",
    "check_inputs",
    "clv_predictions",
    "customer_lifetime_value",
    "expected_order_value",
    "expected_purchases",
    "expected_purchases_new",
    "fit_bgnbd",
    "fit_gamma_gamma",
    "gamma_gamma_log_likelihood",
    "p_alive",
    "rfm_summary",
    "simulate_bgnbd",
    "simulate_gamma_gamma",
]
