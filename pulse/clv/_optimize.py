"""Maximum likelihood over log-parameters, shared by the BG/NBD and the Gamma-Gamma fits.

Every parameter of both models is positive, so the search runs on log(theta): no constraint is needed, the scale
of r (~0.2) and alpha (~5 in weeks, ~30 in days) stops mattering, and the box |log theta| <= 15 keeps exp() finite.
L-BFGS-B with an analytic gradient is fast; if it does not converge from any start, Nelder-Mead (no gradient, so
robust to a bad one) restarts from the best point and L-BFGS-B polishes the result.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import OptimizeResult, minimize

# exp(+-15) = 3e-7 .. 3e6: far beyond any plausible parameter, in weeks or in days.
LOG_BOUND = 15.0
# At the optimum the gradient of the mean log-likelihood (per customer) is this small when L-BFGS-B stops on a
# line-search failure caused by rounding rather than by a bad model.
_STATIONARY = 1e-5

# log-parameters -> (mean negative log-likelihood per customer, its gradient in the log-parameters)
Objective = Callable[[np.ndarray], tuple[float, np.ndarray]]


@dataclass(frozen=True, slots=True)
class Optimum:
    """The best parameters found (natural scale) and how they were found."""

    params: np.ndarray
    mean_neg_log_likelihood: float
    converged: bool
    iterations: int
    method: str


def _guarded(objective: Objective) -> Objective:
    """Overflow at a wild trial point becomes a huge finite value: L-BFGS-B backtracks instead of failing."""

    def wrapped(theta: np.ndarray) -> tuple[float, np.ndarray]:
        with np.errstate(all="ignore"):
            value, grad = objective(theta)
        if not (np.isfinite(value) and np.all(np.isfinite(grad))):
            return 1e100, np.zeros_like(theta)
        return value, grad

    return wrapped


def _lbfgsb(objective: Objective, theta0: np.ndarray) -> OptimizeResult:
    bounds = [(-LOG_BOUND, LOG_BOUND)] * theta0.size
    return minimize(
        objective,
        np.clip(theta0, -LOG_BOUND, LOG_BOUND),
        jac=True,
        method="L-BFGS-B",
        bounds=bounds,
        options={"maxiter": 1000, "ftol": 1e-13, "gtol": 1e-9},
    )


def _converged(res: OptimizeResult) -> bool:
    """Stopped at an interior stationary point (an optimum on the box edge is a degenerate fit, not a converged one)."""
    if not np.isfinite(res.fun) or res.fun >= 1e100:
        return False
    interior = bool(np.all(np.abs(res.x) < LOG_BOUND - 1e-6))
    stationary = bool(res.success) or float(np.max(np.abs(res.jac))) < _STATIONARY
    return interior and stationary


def maximize_log_likelihood(objective: Objective, starts: Sequence[Sequence[float]]) -> Optimum:
    """Try L-BFGS-B from each start (natural scale) until one converges; else Nelder-Mead, then polish."""
    guarded = _guarded(objective)
    best: OptimizeResult | None = None
    iterations = 0
    for start in starts:
        res = _lbfgsb(guarded, np.log(np.asarray(start, dtype=np.float64)))
        iterations += int(res.nit)
        if best is None or res.fun < best.fun:
            best = res
        if _converged(res):
            return Optimum(np.exp(res.x), float(res.fun), True, iterations, "L-BFGS-B")
    if best is None:
        raise ValueError("starts: no start values given; pass at least one tuple of parameters")
    simplex = minimize(
        lambda theta: guarded(theta)[0],
        best.x,
        method="Nelder-Mead",
        options={"maxiter": 20_000, "xatol": 1e-9, "fatol": 1e-13},
    )
    polished = _lbfgsb(guarded, simplex.x)
    iterations += int(simplex.nit) + int(polished.nit)
    if _converged(polished) and polished.fun <= simplex.fun:
        return Optimum(np.exp(polished.x), float(polished.fun), True, iterations, "Nelder-Mead+L-BFGS-B")
    final = min((simplex, best), key=lambda res: res.fun)
    interior = bool(np.all(np.abs(final.x) < LOG_BOUND - 1e-6))
    converged = final is simplex and bool(simplex.success) and interior
    method = "Nelder-Mead" if final is simplex else "L-BFGS-B"
    return Optimum(
        np.exp(np.clip(final.x, -LOG_BOUND, LOG_BOUND)), float(final.fun), converged, iterations, method
    )


@dataclass(frozen=True, slots=True)
class Frequencies:
    """Frequencies (and row weights) indexed by their distinct values.

    Terms that depend on x alone (gammaln(r + x), digamma(b + x), ...) are computed once per distinct x (at most
    a few hundred small integers) and gathered, and the weighted sum of such a term over customers is a dot
    product over distinct x: that keeps one likelihood evaluation on a million rows to a few dozen array passes.
    """

    values: np.ndarray
    distinct: np.ndarray
    index: np.ndarray
    weights: np.ndarray
    weight_per_x: np.ndarray

    @classmethod
    def of(cls, x: np.ndarray, weights: np.ndarray | None = None) -> Frequencies:
        distinct, index = np.unique(x, return_inverse=True)
        w = np.ones(x.size) if weights is None else weights
        return cls(x, distinct, index, w, np.bincount(index, weights=w, minlength=distinct.size))

    def expand(self, per_x: np.ndarray) -> np.ndarray:
        """A per-distinct-x value for every row."""
        return per_x[self.index]

    def sum_by_x(self, per_row: np.ndarray) -> np.ndarray:
        """Per-row values summed within each distinct x."""
        return np.bincount(self.index, weights=per_row, minlength=self.distinct.size)


def compress_rows(
    *columns: np.ndarray, weights: np.ndarray | None = None
) -> tuple[list[np.ndarray], np.ndarray]:
    """Identical rows merged, with their summed weights.

    The likelihood of k identical customers is k times one customer's, so a warehouse with day-level dates
    (many members share (x, t_x, T)) is fitted on its distinct rows only.
    """
    n = columns[0].size
    w = np.ones(n) if weights is None else weights
    if n == 0:
        return [c.copy() for c in columns], w.copy()
    order = np.lexsort(columns[::-1])
    ordered = [c[order] for c in columns]
    change = np.zeros(n, dtype=bool)
    change[0] = True
    for c in ordered:
        change[1:] |= c[1:] != c[:-1]
    firsts = np.flatnonzero(change)
    return [c[firsts] for c in ordered], np.add.reduceat(w[order], firsts)


def check_weights(weights: object, n: int) -> np.ndarray | None:
    """Per-row counts (e.g. from a SQL GROUP BY): finite, non-negative, one per row."""
    if weights is None:
        return None
    w = np.asarray(weights, dtype=np.float64).reshape(-1)
    if w.size != n:
        raise ValueError(f"weights: {w.size} values but {n} customers; one weight per row")
    bad = np.flatnonzero(~np.isfinite(w) | (w < 0))
    if bad.size:
        raise ValueError(f"weights: {w[bad[0]]!r} at position {int(bad[0])} is not a non-negative count")
    return w
