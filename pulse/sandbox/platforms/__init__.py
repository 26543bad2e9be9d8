"""Platform emulators served by the sandbox server, one module per platform.

Each platform turns a `Request` (path already stripped of the platform's prefix) into a `Response`.
The helpers here convert World columns into the JSON-ready Python values once, at start, so that a
page is only list indexing, dict building and `json.dumps`.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import pandas as pd

JSON_TYPE = "application/json; charset=utf-8"


@dataclass
class Request:
    """One HTTP request as a platform sees it."""

    method: str
    path: str  # under the platform prefix, e.g. "/latest.json"
    query: dict[str, list[str]]  # parse_qs(keep_blank_values=True)
    headers: Mapping[str, str]  # case-insensitive (http.client.HTTPMessage)
    host: str  # Host header, for absolute links (Shopify's Link header)
    prefix: str  # e.g. "/discourse"
    body: bytes = b""

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default


@dataclass
class Response:
    status: int
    body: bytes
    headers: list[tuple[str, str]] = field(default_factory=list)
    content_type: str = JSON_TYPE


@dataclass(frozen=True)
class PlatformSpec:
    """How the server mounts a platform: each module in this package that serves one exposes `PLATFORM`.

    `build(tables, credentials, rate_limits, rate_scale)` returns the Platform; `credentials` are the defaults the
    sandbox accepts, overridden per platform name by the caller (a config's sandbox sources). The platform reads
    the world tables named `<table_prefix>...` only (the name and an underscore unless it says otherwise), so a
    world too big to serve at once can be served one platform at a time (make bench SCALE=L).
    """

    name: str
    credentials: dict[str, str]
    build: Callable[..., Platform]
    table_prefix: str = ""

    @property
    def prefix(self) -> str:
        return f"/{self.name}"

    def tables(self, names) -> tuple[str, ...]:
        """Those of the world's table `names` this platform serves."""
        start = self.table_prefix or f"{self.name}_"
        return tuple(n for n in names if n.startswith(start))


def discover() -> list[PlatformSpec]:
    """Every platform module's `PLATFORM`, by name."""
    import importlib
    import pkgutil

    specs = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        if hasattr(module, "PLATFORM"):
            specs.append(module.PLATFORM)
    return specs


class Platform(Protocol):
    name: str

    def handle(self, request: Request) -> Response: ...

    def fault_response(self, status: int, retry_after: float) -> Response:
        """The response this platform gives for an injected error of `status` (429, 500, 502, 503)."""
        ...

    def reset(self) -> None:
        """Forget rate-limit state."""
        ...

    def warm(self) -> None:
        """Encode every record now (pages are then only joins)."""
        ...


FRAGMENT_BUDGET = 512 * 2**20  # encoded bytes a platform keeps per table (Fragments)

_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False)


def dumps(obj: object) -> bytes:
    """Compact UTF-8 JSON, as Rails and Shopify send it."""
    return _ENCODER.encode(obj).encode("utf-8")


def jstr(value: str | None) -> str:
    """One JSON value as text (for hand-assembled records): a string escaped, or null."""
    return "null" if value is None else _ENCODER.encode(value)


def jint(value: int | None) -> str:
    return "null" if value is None else str(int(value))


class Fragments:
    """Each row's encoded JSON (`encode(row) -> bytes`), built on first use and kept, so that a second pass over
    a table (a warm server, a re-run) costs only joins.

    Kept up to `budget` bytes per table, then built on each use and dropped: encoded, a million members' records
    are tens of gigabytes (make bench SCALE=L), more than the world they come from.
    """

    def __init__(self, size: int, encode: Callable[[int], bytes], budget: int = FRAGMENT_BUDGET):
        self._items: list[bytes | None] = [None] * size
        self._encode = encode
        self._room = budget

    def __len__(self) -> int:
        return len(self._items)

    def get(self, row: int) -> bytes:
        item = self._items[row]
        if item is None:
            item = self._encode(row)
            if self._room > 0:
                self._items[row] = item
                self._room -= len(item)
        return item

    def join(self, rows) -> bytes:
        return b",".join([self.get(int(r)) for r in rows])

    def warm(self) -> None:
        for row in range(len(self._items)):
            if self._room <= 0:
                break
            self.get(row)


class Selections:
    """The rows a listing's filters select, computed once per distinct filter set and kept for the next pages:
    a walk repeats its filters on every page, and recomputing them over the whole table made each page cost
    O(rows) (Youzan's 8.5 M points at L: the landing crawled). The `keep` most recent sets are kept."""

    def __init__(self, keep: int = 64):
        self._kept: OrderedDict[Hashable, np.ndarray] = OrderedDict()
        self._keep = keep
        self._lock = threading.Lock()

    def get(self, key: Hashable, compute: Callable[[], np.ndarray]) -> np.ndarray:
        with self._lock:
            hit = self._kept.get(key)
            if hit is not None:
                self._kept.move_to_end(key)
                return hit
        rows = compute()
        with self._lock:
            self._kept[key] = rows
            while len(self._kept) > self._keep:
                self._kept.popitem(last=False)
        return rows


def json_response(status: int, obj: object, headers: list[tuple[str, str]] | None = None) -> Response:
    return Response(status, dumps(obj), headers or [])


def table(world_tables: Mapping[str, pd.DataFrame], name: str, columns: tuple[str, ...]) -> pd.DataFrame:
    """The named table, or an empty one with `columns` when the world does not hold it."""
    frame = world_tables.get(name)
    if frame is None:
        return pd.DataFrame({c: pd.Series([], dtype=object) for c in columns})
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(
            f"world table {name!r} lacks columns {missing}; docs/architecture.md lists {list(columns)}"
        )
    return frame.reset_index(drop=True)


def utc_ms(series: pd.Series) -> np.ndarray:
    """A timestamp column as naive UTC `datetime64[ms]` (NaT for nulls), whatever its dtype."""
    s = series
    if isinstance(s.dtype, pd.DatetimeTZDtype):
        s = s.dt.tz_convert("UTC").dt.tz_localize(None)
    elif not pd.api.types.is_datetime64_dtype(s.dtype):
        s = pd.to_datetime(s, utc=True).dt.tz_localize(None)
    return s.to_numpy(dtype="datetime64[ms]")


def iso_z(series: pd.Series) -> list[str | None]:
    """Discourse style: `2020-01-25T02:10:07.971Z`."""
    text = np.datetime_as_string(utc_ms(series), unit="ms")
    return [None if t == "NaT" else t + "Z" for t in text.tolist()]


def iso_offset(series: pd.Series, hours: int = 8) -> list[str | None]:
    """Shopify style, in the shop's time zone: `2024-03-01T09:30:00+08:00`."""
    shifted = utc_ms(series).astype("datetime64[s]") + np.timedelta64(hours * 3600, "s")
    sign = "+" if hours >= 0 else "-"
    suffix = f"{sign}{abs(hours):02d}:00"
    text = np.datetime_as_string(shifted, unit="s")
    return [None if t == "NaT" else t + suffix for t in text.tolist()]


def epoch_ms(series: pd.Series) -> np.ndarray:
    """Milliseconds since the epoch as int64; nulls become the smallest int64."""
    arr = utc_ms(series)
    out = arr.astype("int64")
    out[np.isnat(arr)] = np.iinfo(np.int64).min
    return out


def _isna(v: object) -> bool:
    return v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and v != v)


def opt_int(series: pd.Series) -> list[int | None]:
    return [None if _isna(v) else int(v) for v in series.tolist()]


def opt_str(series: pd.Series) -> list[str | None]:
    return [None if _isna(v) else str(v) for v in series.tolist()]


def as_bool(series: pd.Series) -> list[bool]:
    return [False if _isna(v) else bool(v) for v in series.tolist()]


def money(series: pd.Series) -> list[str | None]:
    """Decimal, float or string amounts as Shopify's money strings: `"598.94"`."""
    return [None if _isna(v) else f"{float(v) if isinstance(v, str) else v:.2f}" for v in series.tolist()]


def cents(series: pd.Series) -> np.ndarray:
    """Amounts as int64 cents (nulls 0), for sums that must not drift."""
    return np.array([0 if _isna(v) else round(float(v) * 100) for v in series.tolist()], dtype=np.int64)


def ranges_by_key(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For a key column: (order, unique_keys, starts) so that rows of key k are
    order[starts[i]:starts[i+1]] where unique_keys[i] == k (stable: keeps the original row order)."""
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    uniq, starts = np.unique(sorted_keys, return_index=True)
    starts = np.append(starts, len(keys))
    return order, uniq, starts


def html_error(status: int) -> Response:
    """What a proxy or a crashed Rails app sends: an HTML page, not JSON."""
    titles = {
        500: "Internal Server Error",
        502: "Bad Gateway",
        503: "Service Unavailable",
        504: "Gateway Timeout",
    }
    title = titles.get(status, "Error")
    if status == 500:
        page = (
            "<!DOCTYPE html>\n<html>\n<head><title>Oops - Error 500</title></head>\n"
            "<body><h1>Oops</h1><p>The software powering this discussion forum encountered an "
            "unexpected problem. We apologize for the inconvenience.</p></body>\n</html>\n"
        )
    else:
        page = (
            f"<html>\r\n<head><title>{status} {title}</title></head>\r\n<body>\r\n"
            f"<center><h1>{status} {title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
        )
    return Response(status, page.encode(), [], content_type="text/html; charset=utf-8")
