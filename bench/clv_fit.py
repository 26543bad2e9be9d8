"""Time of the CLV model fits on simulated customers (no RFM step, no warehouse).

    .venv/bin/python bench/clv_fit.py --customers 1000000

Simulates customers from a BG/NBD process with the CDNOW parameters (r=0.243, alpha=4.414, a=0.793, b=2.426,
observed 1 to 52 weeks) and Gamma-Gamma spend (p=6.25, q=3.74, gamma=15.44), then times fit_bgnbd and
fit_gamma_gamma (input checks and merging of identical rows included) and prints one JSON line: seconds per
fit, the recovered parameters next to the true ones, and the number of distinct rows actually fitted.
Times are continuous by default (no two customers alike: the worst case for row merging); --whole-days floors
recency and T to whole days, as summaries from day-level order dates are.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pulse.clv import fit_bgnbd, fit_gamma_gamma, simulate_bgnbd, simulate_gamma_gamma  # noqa: E402

BGNBD = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
GAMMA_GAMMA = {"p": 6.25, "q": 3.74, "gamma": 15.44}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--whole-days", action="store_true", help="floor recency and T to whole days")
    args = parser.parse_args(argv)

    rng = np.random.default_rng(args.seed)
    started = time.perf_counter()
    customers = simulate_bgnbd(args.customers, **BGNBD, T=rng.uniform(1, 52, args.customers), rng=rng)
    if args.whole_days:
        customers["recency"] = np.floor(customers["recency"] * 7) / 7
        customers["T"] = np.floor(customers["T"] * 7) / 7
    spend = simulate_gamma_gamma(customers["frequency"], **GAMMA_GAMMA, rng=rng)
    simulate_seconds = time.perf_counter() - started

    started = time.perf_counter()
    bgnbd = fit_bgnbd(customers["frequency"], customers["recency"], customers["T"])
    bgnbd_seconds = time.perf_counter() - started
    started = time.perf_counter()
    gg = fit_gamma_gamma(customers["frequency"], spend)
    gg_seconds = time.perf_counter() - started

    distinct = len(customers.drop_duplicates())
    result = {
        "customers": args.customers,
        "seed": args.seed,
        "whole_days": args.whole_days,
        "distinct_rows": distinct,
        "simulate_seconds": round(simulate_seconds, 3),
        "bgnbd_seconds": round(bgnbd_seconds, 3),
        "gamma_gamma_seconds": round(gg_seconds, 3),
        "bgnbd": {k: [round(getattr(bgnbd, k), 4), v] for k, v in BGNBD.items()},
        "bgnbd_fit": {"converged": bgnbd.converged, "iterations": bgnbd.iterations, "method": bgnbd.method},
        "gamma_gamma": {k: [round(getattr(gg, k), 4), v] for k, v in GAMMA_GAMMA.items()},
        "gamma_gamma_fit": {
            "converged": gg.converged,
            "iterations": gg.iterations,
            "repeat_buyers": gg.n_customers,
        },
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
