"""Validation of the per-customer summaries every CLV function takes (frequency, recency, T, monetary value).

The models are only defined for sane summaries: a bad row (a refund that made a value negative, a last purchase
after the end of the calibration window, a NaN from an outer join) does not crash the maths, it silently skews a fit
over a million customers. So every public function checks first and names the field and the first offending row.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

# recency may exceed T by this relative amount (floating-point noise from unit conversion) before it is an error.
_RECENCY_SLACK = 1e-9


class Summaries(NamedTuple):
    """Checked float64 arrays; the fields that were not given are None."""

    frequency: np.ndarray
    recency: np.ndarray | None
    T: np.ndarray | None
    monetary_value: np.ndarray | None


def _where(raw: Any, position: int) -> str:
    """`position 17`, plus the index label when the input was a pandas Series (usually the member id)."""
    if isinstance(raw, pd.Series):
        return f"position {position} (index {raw.index[position]!r})"
    return f"position {position}"


def _fail(field: str, raw: Any, bad: np.ndarray, values: np.ndarray, why: str) -> None:
    hits = np.flatnonzero(bad)
    if hits.size:
        i = int(hits[0])
        raise ValueError(
            f"{field}: {float(values[i])!r} at {_where(raw, i)} {why} ({hits.size} row(s) affected, first shown)"
        )


def as_array(field: str, raw: Any) -> np.ndarray:
    """A 1-d float64 copy of `raw`; NaN and infinity are errors naming the field and the first position."""
    try:
        values = np.asarray(raw, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{field}: expected numbers, got {type(raw).__name__} ({exc})") from None
    if values.ndim == 0:
        values = values.reshape(1)
    if values.ndim != 1:
        raise ValueError(f"{field}: expected a 1-d array of per-customer values, got shape {values.shape}")
    _fail(field, raw, ~np.isfinite(values), values, "is not a finite number")
    return values


def check_inputs(
    frequency: Any,
    recency: Any = None,
    T: Any = None,
    monetary_value: Any = None,
) -> Summaries:
    """Check per-customer summaries and return them as float64 arrays.

    Raises ValueError naming the field and the first offending position (and index label for a Series) for:
    NaN or infinite values, negative values, a frequency that is not a whole number, arrays of different
    lengths, recency greater than T, and frequency 0 with recency > 0 (with no repeat purchase the last purchase
    is the first, so its recency is 0 by definition).
    """
    x = as_array("frequency", frequency)
    _fail("frequency", frequency, x < 0, x, "is negative; frequency counts repeat purchases")
    _fail("frequency", frequency, x != np.floor(x), x, "is not a whole number of repeat purchases")
    checked: dict[str, np.ndarray | None] = {"recency": None, "T": None, "monetary_value": None}
    for field, raw in (("recency", recency), ("T", T), ("monetary_value", monetary_value)):
        if raw is None:
            continue
        values = as_array(field, raw)
        if values.shape != x.shape:
            raise ValueError(
                f"{field}: {values.size} values but frequency has {x.size}; one row per customer"
            )
        _fail(field, raw, values < 0, values, "is negative")
        checked[field] = values
    tx, t_end = checked["recency"], checked["T"]
    if tx is not None:
        _fail("recency", recency, (x == 0) & (tx > 0), tx, "is positive but frequency is 0 there")
    if tx is not None and t_end is not None:
        over = tx > t_end * (1 + _RECENCY_SLACK)
        _fail(
            "recency", recency, over, tx, "is greater than T: the last purchase is after the calibration end"
        )
    return Summaries(x, tx, t_end, checked["monetary_value"])


def check_horizon(t: Any, n: int) -> np.ndarray:
    """A prediction horizon: a non-negative scalar (broadcast to n customers) or one value per customer."""
    values = as_array("t", t)
    _fail("t", t, values < 0, values, "is negative; the horizon is a length of time")
    if values.size not in (1, n):
        raise ValueError(f"t: {values.size} values for {n} customers; give one horizon or one per customer")
    return np.broadcast_to(values, (n,)) if values.size == 1 else values


def positive_parameter(model: str, name: str, value: Any) -> float:
    """A model parameter as a float (the warehouse may hand back Decimal or numpy scalars); must be > 0."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    if not (math.isfinite(number) and number > 0):
        raise ValueError(f"{model} parameter {name}={value!r}: must be a finite positive number")
    return number
