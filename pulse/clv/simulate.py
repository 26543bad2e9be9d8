"""Customers simulated from the BG/NBD and Gamma-Gamma processes, to test parameter recovery and time fits.

Simulating the generative story (not the likelihood) makes a recovery test a real check of the likelihood code.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd


def simulate_bgnbd(
    n: int, r: float, alpha: float, a: float, b: float, T: Any, rng: np.random.Generator
) -> pd.DataFrame:
    """frequency, recency, T for n customers observed for T units (a scalar or one per customer).

    Each customer buys at time 0, then at Poisson rate lambda ~ Gamma(r, rate alpha) until they drop out, which
    happens right after each repeat purchase with probability p ~ Beta(a, b).
    """
    t_end = np.broadcast_to(np.asarray(T, dtype=np.float64), (n,)).copy()
    rate = rng.gamma(r, 1.0 / alpha, n)
    dropout = rng.beta(a, b, n)
    frequency = np.zeros(n, dtype=np.int64)
    recency = np.zeros(n)
    clock = np.zeros(n)
    active = np.flatnonzero(rate > 0)
    while active.size:
        clock[active] += rng.exponential(1.0, active.size) / rate[active]
        active = active[clock[active] <= t_end[active]]
        frequency[active] += 1
        recency[active] = clock[active]
        active = active[rng.random(active.size) >= dropout[active]]
    return pd.DataFrame({"frequency": frequency, "recency": recency, "T": t_end})


def simulate_gamma_gamma(
    frequency: Any, p: float, q: float, gamma: float, rng: np.random.Generator
) -> np.ndarray:
    """Mean repeat-transaction value per customer (0 where frequency is 0).

    nu ~ Gamma(q, rate gamma) per customer; each of x transactions ~ Gamma(p, rate nu), so their mean is
    Gamma(p x, rate nu x), drawn directly.
    """
    x = np.asarray(frequency, dtype=np.float64)
    nu = rng.gamma(q, 1.0 / gamma, x.size)
    repeat = x > 0
    out = np.zeros(x.size)
    out[repeat] = rng.gamma(p * x[repeat], 1.0 / (nu[repeat] * x[repeat]))
    return out
