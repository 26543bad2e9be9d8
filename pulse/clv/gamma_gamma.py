"""Gamma-Gamma spend model (Fader, Hardie & Lee 2005, "RFM and CLV"; Fader & Hardie 2013 note).

Each transaction value is Gamma(p, nu) around a customer's own mean p/nu, with nu ~ Gamma(q, gamma) across
customers. Only the mean m_x of a customer's x repeat transactions enters, so the model is fitted on customers
with x > 0 and shrinks each m_x towards the population mean p gamma / (q - 1) the fewer purchases back it.
It assumes spend is independent of purchase frequency; check corr(frequency, monetary_value) before trusting it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
from scipy.special import gammaln, psi

from pulse.clv._optimize import Frequencies, check_weights, compress_rows, maximize_log_likelihood
from pulse.clv.inputs import check_inputs, positive_parameter


@dataclass(frozen=True, slots=True)
class GammaGammaParams:
    """Fitted (or given) Gamma-Gamma parameters and how the fit went; n_customers counts repeat buyers."""

    p: float
    q: float
    gamma: float
    log_likelihood: float = math.nan
    n_customers: int = 0
    converged: bool = True
    iterations: int = 0
    method: str = "given"

    def __post_init__(self) -> None:
        for name in ("p", "q", "gamma"):
            object.__setattr__(self, name, positive_parameter("Gamma-Gamma", name, getattr(self, name)))

    @property
    def population_mean(self) -> float:
        """Mean transaction value across customers, p gamma / (q - 1); infinite when q <= 1."""
        return self.p * self.gamma / (self.q - 1) if self.q > 1 else math.inf


def _loglik(theta: Sequence[float], x: Frequencies, m: np.ndarray) -> np.ndarray:
    """Per-row log density of the mean m of x repeat transactions:

    f(m | x) = G(px+q) / (G(px) G(q)) gamma^q m^(px-1) x^(px) / (gamma + m x)^(px+q)
    """
    p, q, gamma = theta
    xu, px = x.distinct, p * x.values
    return (
        x.expand(gammaln(p * xu + q) - gammaln(p * xu))
        - gammaln(q)
        + q * math.log(gamma)
        + (px - 1) * np.log(m)
        + px * np.log(x.values)
        - (px + q) * np.log(gamma + m * x.values)
    )


class _Spend(NamedTuple):
    """The data-only parts of the Gamma-Gamma log-likelihood sums, computed once per fit."""

    x: Frequencies
    spend: np.ndarray  # m x, each customer's total repeat spend
    w_x: np.ndarray  # weight x frequency per row
    log_terms: float  # sum of w x (log m + log x): the p-coefficient of the data-only terms
    log_m: float  # sum of w log m

    @classmethod
    def of(cls, x: Frequencies, m: np.ndarray) -> _Spend:
        w, xv = x.weights, x.values
        log_m = np.log(m)
        return cls(x, m * xv, w * xv, float((w * xv) @ (log_m + np.log(xv))), float(w @ log_m))


def _total_and_gradient(theta: Sequence[float], data: _Spend) -> tuple[float, np.ndarray]:
    """Weighted sum of the log-likelihood and its gradient in (p, q, gamma); per-x parts summed over distinct x."""
    p, q, gamma = theta
    x = data.x
    xu, w_u, w = x.distinct, x.weight_per_x, x.weights
    w_total = float(w_u.sum())
    log_total = np.log(gamma + data.spend)
    w_log_total = float(w @ log_total)
    wx_log_total = float(data.w_x @ log_total)
    inv_total = 1.0 / (gamma + data.spend)
    psi_pxq = psi(p * xu + q)
    total = (
        float(w_u @ (gammaln(p * xu + q) - gammaln(p * xu)))
        + w_total * (q * math.log(gamma) - gammaln(q))
        + p * data.log_terms
        - data.log_m
        - p * wx_log_total
        - q * w_log_total
    )
    gradient = np.array(
        [
            float((w_u * xu) @ (psi_pxq - psi(p * xu))) + data.log_terms - wx_log_total,
            float(w_u @ psi_pxq) + w_total * (math.log(gamma) - psi(q)) - w_log_total,
            w_total * q / gamma - float((p * data.w_x + q * w) @ inv_total),
        ]
    )
    return total, gradient


def _repeat_buyers(frequency: Any, monetary_value: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(x, m, mask) for customers with x > 0; a zero mean repeat value has no Gamma density, so it is an error."""
    s = check_inputs(frequency, monetary_value=monetary_value)
    assert s.monetary_value is not None
    repeat = s.frequency > 0
    zero = np.flatnonzero(repeat & (s.monetary_value <= 0))
    if zero.size:
        raise ValueError(
            f"monetary_value: 0 at position {int(zero[0])} where frequency is {s.frequency[zero[0]]:g}; the"
            " Gamma-Gamma model needs a positive mean repeat-purchase value (drop zero-value orders upstream)"
        )
    return s.frequency[repeat], s.monetary_value[repeat], repeat


def gamma_gamma_log_likelihood(params: GammaGammaParams, frequency: Any, monetary_value: Any) -> np.ndarray:
    """Log-likelihood of each repeat buyer (customers with frequency 0 are left out, as in the fit)."""
    x, m, _ = _repeat_buyers(frequency, monetary_value)
    return _loglik((params.p, params.q, params.gamma), Frequencies.of(x), m)


def fit_gamma_gamma(
    frequency: Any,
    monetary_value: Any,
    *,
    weights: Any = None,
    starts: Sequence[tuple[float, float, float]] | None = None,
) -> GammaGammaParams:
    """Maximum-likelihood p, q, gamma on the customers with frequency > 0 (the others are ignored).

    `monetary_value` is each customer's mean repeat-transaction value (the first purchase excluded), as
    `rfm_summary` returns it. `weights` and `starts` work as in `fit_bgnbd`.
    """
    x_all = check_inputs(frequency).frequency
    w_all = check_weights(weights, x_all.size)
    x, m, repeat = _repeat_buyers(frequency, monetary_value)
    (x, m), w = compress_rows(x, m, weights=None if w_all is None else w_all[repeat])
    keep = w > 0
    x, m, w = x[keep], m[keep], w[keep]
    total = float(w.sum())
    if total == 0:
        raise ValueError("frequency: no customer has a repeat purchase; the Gamma-Gamma model needs some")
    mean = float(w @ m) / total
    default = [(1.0, 2.0, mean), (5.0, 3.0, 0.4 * mean), (1.0, 1.0, 1.0)]

    data = _Spend.of(Frequencies.of(x, w), m)

    def objective(log_theta: np.ndarray) -> tuple[float, np.ndarray]:
        theta = np.exp(log_theta)
        value, grad = _total_and_gradient(theta, data)
        return -value / total, -grad * theta / total

    found = maximize_log_likelihood(objective, starts or default)
    p, q, gamma = (float(v) for v in found.params)
    return GammaGammaParams(
        p=p,
        q=q,
        gamma=gamma,
        log_likelihood=-found.mean_neg_log_likelihood * total,
        n_customers=int(round(total)),
        converged=found.converged,
        iterations=found.iterations,
        method=found.method,
    )


def expected_order_value(params: GammaGammaParams, frequency: Any, monetary_value: Any) -> np.ndarray:
    """E[mean transaction value | x, m_x] = p (gamma + m_x x) / (p x + q - 1).

    A weighted mean of the population mean and the customer's own m_x; with frequency 0 it is the population
    mean p gamma / (q - 1) whatever monetary_value says. Infinite expectations (p x + q <= 1) are an error.
    """
    s = check_inputs(frequency, monetary_value=monetary_value)
    assert s.monetary_value is not None
    x, m = s.frequency, s.monetary_value
    denominator = params.p * x + params.q - 1
    bad = np.flatnonzero(denominator <= 0)
    if bad.size:
        raise ValueError(
            f"Gamma-Gamma q={params.q:.4g}, p={params.p:.4g}: the expected order value is infinite for frequency"
            f" {x[bad[0]]:g} (position {int(bad[0])}); the fit has too heavy a tail to value these customers"
        )
    return params.p * (params.gamma + m * x) / denominator
