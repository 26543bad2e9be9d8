"""CLV model core: the published CDNOW fits, parameter recovery on simulated customers, and the properties the
marts rely on (probabilities in [0, 1], expectations finite and monotone over the tested domain, clear errors)."""

from __future__ import annotations

import math
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.special import gammaln, logsumexp

from pulse.clv import (
    BgNbdParams,
    GammaGammaParams,
    bgnbd_log_likelihood,
    check_inputs,
    clv_predictions,
    customer_lifetime_value,
    expected_order_value,
    expected_purchases,
    expected_purchases_new,
    fit_bgnbd,
    fit_gamma_gamma,
    gamma_gamma_log_likelihood,
    p_alive,
    rfm_summary,
    simulate_bgnbd,
    simulate_gamma_gamma,
)
from pulse.clv._optimize import maximize_log_likelihood

CDNOW = Path(__file__).resolve().parents[2].parent / "shared" / "datasets" / "cdnow"
# Fader, Hardie & Lee (2005) on the CDNOW sample, 39-week calibration ending 1997-09-30 (see the README there).
PUBLISHED_BGNBD = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
PUBLISHED_LOG_LIKELIHOOD = -9582.4
PUBLISHED_GAMMA_GAMMA = {"p": 6.25, "q": 3.74, "gamma": 15.44}
CDNOW_PARAMS = BgNbdParams(**PUBLISHED_BGNBD)
CDNOW_SPEND = GammaGammaParams(**PUBLISHED_GAMMA_GAMMA)


# ---------------------------------------------------------------------------------------------------- CDNOW


@pytest.fixture(scope="module")
def cdnow_summary() -> pd.DataFrame:
    """RFM summary of the CDNOW sample, built by the same rfm_summary the pipeline uses."""
    path = CDNOW / "CDNOW_sample.txt"
    if not path.exists():
        pytest.skip(f"CDNOW sample not found at {path}")
    orders = pd.read_csv(
        path,
        sep=r"\s+",
        header=None,
        names=["customer_id", "master_id", "date", "cds", "amount"],
        dtype={"customer_id": str, "date": str},
    )
    orders["ts"] = pd.to_datetime(orders["date"], format="%Y%m%d")
    return rfm_summary(orders, calibration_end="1997-09-30", unit="W", combine_same_day=True)


def _within(fitted: float, published: float, tolerance: float = 0.01) -> bool:
    return abs(fitted - published) <= tolerance * abs(published)


def test_cdnow_summary_matches_the_paper(cdnow_summary):
    assert len(cdnow_summary) == 2357
    assert int((cdnow_summary["frequency"] > 0).sum()) == 946
    first = cdnow_summary.loc["00004"]  # the first customer of Fader & Hardie's BG/NBD spreadsheet
    assert first["frequency"] == 2
    assert first["recency"] == pytest.approx(30.43, abs=0.005)
    assert first["T"] == pytest.approx(38.86, abs=0.005)


def test_cdnow_bgnbd_reproduces_published_fit(cdnow_summary):
    s = cdnow_summary
    fit = fit_bgnbd(s["frequency"], s["recency"], s["T"])
    print(f"\nCDNOW BG/NBD: {fit}")
    for name, published in PUBLISHED_BGNBD.items():
        value = getattr(fit, name)
        print(f"  {name}: {value:.4f} vs {published} ({100 * (value / published - 1):+.3f}%)")
        assert _within(value, published), f"{name}={value:.4f}, published {published}"
    assert fit.converged
    assert fit.n_customers == 2357
    assert fit.log_likelihood == pytest.approx(PUBLISHED_LOG_LIKELIHOOD, abs=0.1)


def test_cdnow_gamma_gamma_reproduces_published_fit(cdnow_summary):
    s = cdnow_summary
    fit = fit_gamma_gamma(s["frequency"], s["monetary_value"])
    print(f"\nCDNOW Gamma-Gamma: {fit}")
    for name, published in PUBLISHED_GAMMA_GAMMA.items():
        value = getattr(fit, name)
        print(f"  {name}: {value:.4f} vs {published} ({100 * (value / published - 1):+.3f}%)")
        assert _within(value, published), f"{name}={value:.4f}, published {published}"
    assert fit.converged
    assert fit.n_customers == 946


def test_published_conditional_expectation():
    """Fader & Hardie's worked example: x=2, t_x=30.43, T=38.86 expects 1.226 purchases in the next 39 weeks."""
    assert expected_purchases(CDNOW_PARAMS, 39, 2, 30.43, 38.86)[0] == pytest.approx(1.226, abs=5e-4)


# ---------------------------------------------------------------------------------------------- rfm_summary


def _orders(rows: list[tuple[str, str, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["customer_id", "ts", "amount"])


def test_rfm_summary_conventions():
    orders = _orders(
        [
            ("a", "2026-01-01 09:00", 10.0),
            ("a", "2026-01-01 17:00", 5.0),  # same day: one purchase of 15
            ("a", "2026-01-15 10:00", 20.0),
            ("a", "2026-01-29 23:00", 40.0),
            ("a", "2026-03-01", 999.0),  # after the calibration end
            ("b", "2026-01-22", 7.0),  # one-time buyer
            ("c", "2026-02-10", 3.0),  # first purchase after the end: absent
        ]
    )
    weeks = rfm_summary(orders, "2026-01-29")
    assert list(weeks.index) == ["a", "b"]
    a, b = weeks.loc["a"], weeks.loc["b"]
    assert (a["frequency"], a["recency"], a["T"], a["monetary_value"]) == (2, 4.0, 4.0, 30.0)
    assert (b["frequency"], b["recency"], b["T"], b["monetary_value"]) == (0, 0.0, 1.0, 0.0)
    days = rfm_summary(orders, "2026-01-29", unit="D")
    assert (days.loc["a", "recency"], days.loc["a", "T"]) == (28.0, 28.0)
    separate = rfm_summary(orders, "2026-01-30", unit="D", combine_same_day=False)
    assert separate.loc["a", "frequency"] == 3
    assert separate.loc["a", "monetary_value"] == pytest.approx((5 + 20 + 40) / 3)
    check_inputs(weeks["frequency"], weeks["recency"], weeks["T"], weeks["monetary_value"])


def test_rfm_summary_errors_name_the_problem():
    with pytest.raises(ValueError, match="missing column"):
        rfm_summary(pd.DataFrame({"customer_id": [1], "ts": ["2026-01-01"]}), "2026-01-02")
    with pytest.raises(ValueError, match=r"transactions\.amount"):
        rfm_summary(_orders([("a", "2026-01-01", float("nan"))]), "2026-01-02")
    with pytest.raises(ValueError, match="unit"):
        rfm_summary(_orders([("a", "2026-01-01", 1.0)]), "2026-01-02", unit="M")  # type: ignore[arg-type]


# ------------------------------------------------------------------------------------------ recovery (MLE)


def _standard_errors(total_log_likelihood, theta: np.ndarray, step: float = 1e-3) -> np.ndarray:
    """Asymptotic standard errors of log(theta): sqrt(diag(inverse observed information)), the information
    being minus the Hessian of the total log-likelihood in the log-parameters (central differences)."""
    k = theta.size
    base = np.log(theta)
    f = lambda v: total_log_likelihood(np.exp(v))  # noqa: E731
    hessian = np.zeros((k, k))
    f0 = f(base)
    for i in range(k):
        e_i = np.eye(k)[i] * step
        hessian[i, i] = (f(base + e_i) - 2 * f0 + f(base - e_i)) / step**2
        for j in range(i):
            e_j = np.eye(k)[j] * step
            hessian[i, j] = hessian[j, i] = (
                f(base + e_i + e_j) - f(base + e_i - e_j) - f(base - e_i + e_j) + f(base - e_i - e_j)
            ) / (4 * step**2)
    return np.sqrt(np.diag(np.linalg.inv(-hessian)))


# Recovery tolerance: the MLE is asymptotically normal, so each fitted log-parameter is checked to lie within
# Z_TOLERANCE of its own standard error of the truth (two-sided p ~ 6e-5 per parameter for a correct fit), and
# the standard error itself must be under MAX_SE (10% relative) so that the check has teeth. With 60,000
# simulated customers the BG/NBD errors are ~1-7% and the Gamma-Gamma ones (on ~20,000 repeat buyers) ~2-6%.
Z_TOLERANCE = 4.0
MAX_SE = 0.10
TRUE_BGNBD = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
TRUE_GAMMA_GAMMA = {"p": 6.25, "q": 3.74, "gamma": 15.44}


@pytest.fixture(scope="module")
def simulated() -> pd.DataFrame:
    rng = np.random.default_rng(20260701)
    n = 60_000
    customers = simulate_bgnbd(n, **TRUE_BGNBD, T=rng.uniform(1, 52, n), rng=rng)
    customers["monetary_value"] = simulate_gamma_gamma(customers["frequency"], **TRUE_GAMMA_GAMMA, rng=rng)
    return customers


def _assert_recovered(model: str, fitted: dict[str, float], truth: dict[str, float], se: np.ndarray) -> None:
    z = (np.log(list(fitted.values())) - np.log(list(truth.values()))) / se
    print(f"\n{model} recovery:")
    for (name, value), s, score in zip(fitted.items(), se, z, strict=True):
        print(f"  {name}: {value:.4f} vs true {truth[name]} (se(log) {s:.4f}, z {score:+.2f})")
    assert np.all(se < MAX_SE), f"{model}: standard errors {se} too large for a meaningful check"
    assert np.all(np.abs(z) < Z_TOLERANCE), f"{model}: z-scores {z}"


def test_bgnbd_recovers_simulated_parameters(simulated):
    s = simulated
    fit = fit_bgnbd(s["frequency"], s["recency"], s["T"])
    assert fit.converged
    fitted = {name: getattr(fit, name) for name in TRUE_BGNBD}
    se = _standard_errors(
        lambda th: bgnbd_log_likelihood(BgNbdParams(*th), s["frequency"], s["recency"], s["T"]).sum(),
        np.array(list(fitted.values())),
    )
    _assert_recovered("BG/NBD", fitted, TRUE_BGNBD, se)


def test_gamma_gamma_recovers_simulated_parameters(simulated):
    s = simulated
    fit = fit_gamma_gamma(s["frequency"], s["monetary_value"])
    assert fit.converged
    assert fit.n_customers == int((s["frequency"] > 0).sum())
    fitted = {name: getattr(fit, name) for name in TRUE_GAMMA_GAMMA}
    se = _standard_errors(
        lambda th: gamma_gamma_log_likelihood(
            GammaGammaParams(*th), s["frequency"], s["monetary_value"]
        ).sum(),
        np.array(list(fitted.values())),
    )
    _assert_recovered("Gamma-Gamma", fitted, TRUE_GAMMA_GAMMA, se)


def test_weights_equal_repeated_rows(simulated):
    s = simulated.iloc[:3000]
    repeated = pd.concat([s, s, s.iloc[:1000]])
    weights = np.r_[np.full(1000, 3.0), np.full(2000, 2.0)]
    by_rows = fit_bgnbd(repeated["frequency"], repeated["recency"], repeated["T"])
    by_weights = fit_bgnbd(s["frequency"], s["recency"], s["T"], weights=weights)
    assert by_weights.n_customers == by_rows.n_customers == 7000
    for name in ("r", "alpha", "a", "b"):
        assert getattr(by_weights, name) == pytest.approx(getattr(by_rows, name), rel=1e-6)
    assert by_weights.log_likelihood == pytest.approx(by_rows.log_likelihood, rel=1e-9)


def test_optimizer_falls_back_to_nelder_mead():
    """A gradient that points the wrong way defeats L-BFGS-B from every start; Nelder-Mead still finds it."""
    target = np.log([2.0, 0.5])

    def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
        return float(np.sum((theta - target) ** 2)), -2 * (theta - target)

    found = maximize_log_likelihood(objective, [(1.0, 1.0), (3.0, 3.0)])
    assert found.method.startswith("Nelder-Mead")
    assert found.converged
    assert found.params == pytest.approx([2.0, 0.5], rel=1e-6)


# ------------------------------------------------------------------------------------------------ properties


def test_p_alive_properties():
    x = np.array([0, 0, 1, 5, 5, 50, 50])
    tx = np.array([0, 0, 10, 30, 5, 38, 2])
    T = np.array([0, 39, 39, 39, 39, 39, 39])
    p = p_alive(CDNOW_PARAMS, x, tx, T)
    assert np.all((p >= 0) & (p <= 1))
    assert p[0] == p[1] == 1.0
    assert p[3] > p[4] and p[5] > p[6]  # the same purchases, but silent for longer: less likely alive
    assert p[6] < 1e-6


def test_expected_purchases_properties():
    x = np.array([0, 1, 2, 7, 7])
    tx = np.array([0, 5, 30.43, 36, 10])
    T = np.full(5, 38.86)
    horizons = [0, 1, 13, 39, 52, 104, 520]
    curves = np.array([expected_purchases(CDNOW_PARAMS, t, x, tx, T) for t in horizons])
    assert np.all(curves >= 0)
    assert np.all(curves[0] == 0)
    assert np.all(np.diff(curves, axis=0) > 0)
    assert curves[3, 3] > curves[3, 4]  # recent buyer expects more than the silent one
    new = expected_purchases_new(CDNOW_PARAMS, horizons)
    assert new[0] == 0 and np.all(np.diff(new) > 0)
    # a new customer is one with x = t_x = T = 0
    assert new == pytest.approx(
        [expected_purchases(CDNOW_PARAMS, t, 0, 0, 0)[0] for t in horizons], rel=1e-12, abs=1e-15
    )
    per_customer = expected_purchases(CDNOW_PARAMS, np.array([1, 13, 39, 52, 104]), x, tx, T)
    assert per_customer == pytest.approx(curves[[1, 2, 3, 4, 5], range(5)], rel=1e-12)


def _if_alive_reference(params: BgNbdParams, t: float, x: int, T: float) -> float:
    """(a+b+x-1)/(a-1) [1 - (1-z)^(r+x) 2F1(r+x, b+x; a+b+x-1; z)], z = t/(alpha+T+t), by summing the raw
    hypergeometric series (positive terms) in log space: independent of scipy's hyp2f1 and of the Euler form."""
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    z = t / (alpha + T + t)
    big_a, big_b, c = r + x, b + x, a + b + x - 1
    n_terms = int((big_a + 40 * math.sqrt(big_a + 1) + 60) / (1 - z))
    k = np.arange(n_terms, dtype=np.float64)
    log_terms = (
        gammaln(big_a + k) - gammaln(big_a) + gammaln(big_b + k) - gammaln(big_b)
        + gammaln(c) - gammaln(c + k) - gammaln(k + 1) + k * math.log(z) + big_a * math.log1p(-z)
    )  # fmt: skip
    assert log_terms[-1] < log_terms.max() - 35, "series truncated too early"
    return c / (a - 1) * (1 - math.exp(logsumexp(log_terms)))


@pytest.mark.parametrize("x", [0, 1, 10, 100, 1000])
def test_expected_purchases_matches_series_reference(x):
    """Domain: frequency 0-1000, T and t 1-520 weeks. With t_x = T, expected purchases / P(alive) is eq. 10's
    numerator (t_x does not enter it), which the module evaluates through Euler's transformation."""
    for T in (1.0, 52.0, 520.0):
        for t in (1.0, 52.0, 520.0):
            tx = T if x else 0.0
            got = (expected_purchases(CDNOW_PARAMS, t, x, tx, T) / p_alive(CDNOW_PARAMS, x, tx, T))[0]
            assert got == pytest.approx(_if_alive_reference(CDNOW_PARAMS, t, x, T), rel=1e-7), (x, T, t)


def test_expected_purchases_domain_edges():
    """Large frequencies with long silences (where the raw formula overflows), zero T and day units:
    finite, non-negative, non-decreasing in t, and below the always-alive bound (r+x)/(alpha+T) t."""
    params = CDNOW_PARAMS
    grid = [(x, f, T) for x in (0, 1, 5, 50, 300, 1000) for f in (0.0, 0.5, 1.0) for T in (0.0, 0.5, 52, 520)]
    x = np.array([g[0] for g in grid], dtype=float)
    T = np.array([g[2] for g in grid], dtype=float)
    tx = np.where(x > 0, T * np.array([g[1] for g in grid]), 0.0)
    previous = np.zeros(x.size)
    for t in (0.01, 1, 52, 520, 5200):
        value = expected_purchases(params, t, x, tx, T)
        assert np.all(np.isfinite(value)) and np.all(value >= 0)
        assert np.all(value >= previous * (1 - 1e-12))
        assert np.all(value <= (params.r + x) / (params.alpha + T) * t * (1 + 1e-9))
        previous = value
        # the same customers measured in days with alpha in days: the same expectations
        in_days = BgNbdParams(params.r, params.alpha * 7, params.a, params.b)
        assert expected_purchases(in_days, t * 7, x, tx * 7, T * 7) == pytest.approx(
            value, rel=1e-9, abs=1e-300
        )


def test_expected_purchases_at_removable_singularity():
    """a = 1 makes eq. 10's (a-1) denominator vanish; the limit is finite and continuous."""
    near = [BgNbdParams(0.243, 4.414, a, 2.426) for a in (1 - 1e-3, 1.0, 1 + 1e-3)]
    below, at, above = (expected_purchases(p, 39, [0, 3], [0, 20], [38, 38]) for p in near)
    assert np.all(np.isfinite(at))
    assert np.all((np.minimum(below, above) <= at) & (at <= np.maximum(below, above)))


def test_expected_order_value():
    m = expected_order_value(CDNOW_SPEND, [0, 0, 1, 10, 10], [0.0, 99.0, 50.0, 50.0, 10.0])
    population = CDNOW_SPEND.p * CDNOW_SPEND.gamma / (CDNOW_SPEND.q - 1)
    assert m[0] == m[1] == pytest.approx(population)
    assert population < m[2] < m[3] < 50  # shrunk towards the population mean, less so with more purchases
    assert 10 < m[4] < population
    with pytest.raises(ValueError, match="infinite"):
        expected_order_value(GammaGammaParams(1.0, 0.5, 1.0), [0], [0.0])


def test_customer_lifetime_value():
    x, tx, T, m = [0, 2, 2, 10], [0, 30.43, 5, 38], [38.86] * 4, [0, 22.35, 22.35, 30]
    clv = customer_lifetime_value(CDNOW_PARAMS, CDNOW_SPEND, x, tx, T, m)
    assert np.all(clv >= 0)
    assert clv[1] > clv[2]  # same history, but the second has been silent for longer
    higher_rate = customer_lifetime_value(CDNOW_PARAMS, CDNOW_SPEND, x, tx, T, m, annual_discount_rate=0.3)
    assert np.all(higher_rate < clv)
    # undiscounted, it is the expected order value times the expected purchases in 12 months
    flat = customer_lifetime_value(CDNOW_PARAMS, CDNOW_SPEND, x, tx, T, m, annual_discount_rate=0.0)
    year = expected_purchases(CDNOW_PARAMS, 365.25 / 7, x, tx, T) * expected_order_value(CDNOW_SPEND, x, m)
    assert flat == pytest.approx(year, rel=1e-12)
    # days instead of weeks: the same value
    days = BgNbdParams(CDNOW_PARAMS.r, CDNOW_PARAMS.alpha * 7, CDNOW_PARAMS.a, CDNOW_PARAMS.b)
    in_days = customer_lifetime_value(days, CDNOW_SPEND, x, np.array(tx) * 7, np.array(T) * 7, m, unit_days=1)
    assert in_days == pytest.approx(clv, rel=1e-9)


def test_clv_predictions_frame():
    summary = pd.DataFrame(
        {"frequency": [0, 3], "recency": [0.0, 20.0], "T": [30.0, 30.0], "monetary_value": [0.0, 18.0]},
        index=pd.Index(["m1", "m2"], name="customer_id"),
    )
    out = clv_predictions(CDNOW_PARAMS, CDNOW_SPEND, summary)
    assert list(out.columns) == [
        "p_alive",
        "expected_purchases_90d",
        "expected_purchases_365d",
        "expected_order_value",
        "clv",
    ]
    assert list(out.index) == ["m1", "m2"]
    assert np.all(out["expected_purchases_365d"] > out["expected_purchases_90d"])


# ---------------------------------------------------------------------------------------------- bad inputs


@pytest.mark.parametrize(
    ("frequency", "recency", "T", "monetary", "match"),
    [
        ([1, -1], [1, 0], [2, 2], None, r"frequency: -1\.0 at position 1 is negative"),
        ([1, 1.5], [1, 1], [2, 2], None, r"frequency: 1\.5 at position 1 is not a whole number"),
        ([1, 1], [1, -0.5], [2, 2], None, r"recency: -0\.5 at position 1 is negative"),
        ([1, 1], [1, 3], [2, 2], None, "recency: 3.0 at position 1 is greater than T"),
        ([0, 0], [0, 1], [2, 2], None, "recency: 1.0 at position 1 is positive but frequency is 0"),
        ([1, 1], [1, 1], [2, float("nan")], None, "T: nan at position 1 is not a finite number"),
        ([1, 1], [1, 1], [2, 2], [5, -5], r"monetary_value: -5\.0 at position 1 is negative"),
        ([1, 1], [1, 1], [2, 2, 2], None, "T: 3 values but frequency has 2"),
    ],
)
def test_check_inputs_names_field_and_position(frequency, recency, T, monetary, match):
    with pytest.raises(ValueError, match=match):
        check_inputs(frequency, recency, T, monetary)


def test_bad_inputs_fail_in_every_entry_point():
    with pytest.raises(ValueError, match=r"recency: .* \(index 'm7'\) is greater than T"):
        p_alive(CDNOW_PARAMS, pd.Series([1], index=["m7"]), pd.Series([9.0], index=["m7"]), [8.0])
    with pytest.raises(ValueError, match="frequency"):
        fit_bgnbd([0, 0], [0, 0], [5, 5])  # no repeat buyers: nothing to fit
    with pytest.raises(ValueError, match="monetary_value: 0 at position 1"):
        fit_gamma_gamma([1, 2], [5.0, 0.0])
    with pytest.raises(ValueError, match="t: -1\\.0 at position 0 is negative"):
        expected_purchases(CDNOW_PARAMS, -1, [1], [1], [2])
    with pytest.raises(ValueError, match="BG/NBD parameter alpha"):
        BgNbdParams(0.2, -4.0, 0.8, 2.4)
    assert BgNbdParams(Decimal("0.243"), 4.414, 0.793, 2.426).r == 0.243  # warehouse numerics are fine
    with pytest.raises(ValueError, match="annual_discount_rate"):
        customer_lifetime_value(
            CDNOW_PARAMS, CDNOW_SPEND, [1], [1], [2], [3], annual_discount_rate=float("nan")
        )


def test_concentrated_dropout_uses_the_fixed_dropout_limit():
    """Fits on data where everyone drops out at one rate push a and b into the hundreds of thousands, where 2F1 is
    not finite: expected purchases then follow the fixed-dropout limit, which the exact form approaches."""
    from pulse.clv.bgnbd import _fixed_dropout, _if_alive

    x, span, t = np.array([0.0, 1, 3, 10]), np.array([10.0, 20, 30, 40]), np.full(4, 13.0)
    exact = _if_alive(200.0, 4000.0, 0.4, x, span, t)
    assert np.all(np.isfinite(exact))
    np.testing.assert_allclose(_fixed_dropout(200.0, 4000.0, 0.4, x, span, t), exact, rtol=1e-3)
    huge = BgNbdParams(r=0.43, alpha=6.5, a=151_000.0, b=2_562_000.0)
    got = expected_purchases(huge, 13.0, [0, 1, 3, 10], [0.0, 5, 10, 20], [20.0, 20, 20, 30])
    assert np.all(np.isfinite(got)) and np.all(got > 0)
