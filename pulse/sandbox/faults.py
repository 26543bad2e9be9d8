"""Fault injection for the sandbox server.

A `FaultPlan` says how often each kind of fault happens; a `FaultInjector` draws them, one draw per
platform request, from `random.Random(seed)` under a lock, so a run with the same seed and the same
request sequence sees the same faults.

Kinds (each a probability in [0, 1]; together at most 1):

| kind | what the client sees |
|---|---|
| `429` | the platform's rate-limit answer, `Retry-After` drawn from `retry_after` (default 0.05..1 s) |
| `500` | the platform's server error (Discourse: HTML page, Shopify: JSON) |
| `502`, `503` | an HTML page from the proxy in front of the platform |
| `slow` | the right answer, after sleeping `slow_seconds` (default 2.0), so client timeouts fire |
| `truncate` | a valid HTTP 200 whose body is cut in the middle (Content-Length matches the cut body) |
| `truncate_close` | a 200 announcing the full Content-Length; the connection closes after half the body |
| `reset` | the connection is reset (TCP RST) before any response |

Options: `seed` (int, default 0), `slow_seconds`, `retry_after` (`0.2` or a range `0.05..1`),
`after` (inject only after this many matching requests; default 0), `prefix` (only requests under
this path prefix, e.g. `/shopify`; default all platforms). `/_sandbox/*` never gets faults.

Written as a string: `429=0.05,500=0.03,slow=0.01,truncate=0.01,seed=7,slow_seconds=3,prefix=/shopify`,
or as a JSON object with the same keys: `{"429": 0.05, "500": 0.03, "seed": 7, "prefix": "/shopify"}`.
"""

from __future__ import annotations

import json
import random
import threading
from dataclasses import dataclass, field

KINDS = ("429", "500", "502", "503", "slow", "truncate", "truncate_close", "reset")
OPTIONS = ("seed", "slow_seconds", "retry_after", "after", "prefix")


class FaultPlanError(ValueError):
    """A fault plan that cannot be parsed; the message names the key and what is allowed."""


@dataclass(frozen=True)
class FaultPlan:
    rates: dict[str, float] = field(default_factory=dict)
    seed: int = 0
    slow_seconds: float = 2.0
    retry_after: tuple[float, float] = (0.05, 1.0)
    after: int = 0
    prefix: str | None = None

    def __post_init__(self) -> None:
        for kind, p in self.rates.items():
            if kind not in KINDS:
                raise FaultPlanError(f"unknown fault kind {kind!r}; kinds are {', '.join(KINDS)}")
            if not 0.0 <= p <= 1.0:
                raise FaultPlanError(f"fault {kind}={p}: a probability must be within [0, 1]")
        total = sum(self.rates.values())
        if total > 1.0 + 1e-9:
            raise FaultPlanError(f"fault probabilities add up to {total:.4f}; they must add up to at most 1")
        lo, hi = self.retry_after
        if not 0.0 <= lo <= hi:
            raise FaultPlanError(f"retry_after range {lo}..{hi} must have 0 <= low <= high")
        if self.slow_seconds < 0 or self.after < 0:
            raise FaultPlanError("slow_seconds and after must not be negative")
        if self.prefix is not None and not self.prefix.startswith("/"):
            object.__setattr__(self, "prefix", "/" + self.prefix)

    @property
    def active(self) -> bool:
        return any(p > 0 for p in self.rates.values())

    @classmethod
    def parse(cls, spec: str | None) -> FaultPlan:
        """From `429=0.05,500=0.03,slow=0.01,truncate=0.01[,seed=..,...]`; empty or None: no faults."""
        if spec is None or not spec.strip() or spec.strip().lower() in ("none", "off"):
            return cls()
        values: dict[str, str] = {}
        for part in spec.split(","):
            part = part.strip()
            if not part:
                continue
            key, sep, value = part.partition("=")
            if not sep:
                raise FaultPlanError(f"fault spec item {part!r} is not key=value (e.g. 429=0.05)")
            values[key.strip()] = value.strip()
        return cls.from_dict(values)

    @classmethod
    def from_json(cls, text: str | bytes) -> FaultPlan:
        """From a JSON object with the same keys, or a JSON string holding a spec."""
        try:
            data = json.loads(text or b"{}")
        except json.JSONDecodeError as exc:
            raise FaultPlanError(f"fault plan is not valid JSON: {exc}") from exc
        if isinstance(data, str):
            return cls.parse(data)
        if not isinstance(data, dict):
            raise FaultPlanError('fault plan JSON must be an object like {"429": 0.05, "seed": 1}')
        return cls.from_dict(data)

    @classmethod
    def from_dict(cls, data: dict) -> FaultPlan:
        rates: dict[str, float] = {}
        opts: dict = {}
        for key, value in data.items():
            key = str(key)
            try:
                if key in KINDS:
                    rates[key] = float(value)
                elif key == "seed":
                    opts["seed"] = int(value)
                elif key == "after":
                    opts["after"] = int(value)
                elif key == "slow_seconds":
                    opts["slow_seconds"] = float(value)
                elif key == "prefix":
                    opts["prefix"] = str(value) if value else None
                elif key == "retry_after":
                    opts["retry_after"] = _parse_range(value)
                else:
                    raise FaultPlanError(
                        f"unknown fault plan key {key!r}; kinds are {', '.join(KINDS)}, "
                        f"options are {', '.join(OPTIONS)}"
                    )
            except (TypeError, ValueError) as exc:
                if isinstance(exc, FaultPlanError):
                    raise
                raise FaultPlanError(f"fault plan key {key!r} has a bad value {value!r}: {exc}") from exc
        return cls(rates=rates, **opts)

    def to_dict(self) -> dict:
        lo, hi = self.retry_after
        return {
            **self.rates,
            "seed": self.seed,
            "slow_seconds": self.slow_seconds,
            "retry_after": lo if lo == hi else f"{lo}..{hi}",
            "after": self.after,
            "prefix": self.prefix,
        }

    def __str__(self) -> str:
        return ",".join(f"{k}={v}" for k, v in self.to_dict().items() if v is not None)


def _parse_range(value: object) -> tuple[float, float]:
    if isinstance(value, (list, tuple)) and len(value) == 2:
        return float(value[0]), float(value[1])
    text = str(value)
    if ".." in text:
        lo, hi = text.split("..", 1)
        return float(lo), float(hi)
    return float(text), float(text)


@dataclass(frozen=True)
class Fault:
    kind: str
    retry_after: float = 0.0
    slow_seconds: float = 0.0


class FaultInjector:
    """Draws faults for requests according to the current plan (replaceable at runtime)."""

    def __init__(self, plan: FaultPlan | None = None):
        self._lock = threading.Lock()
        self.set_plan(plan or FaultPlan())

    @property
    def plan(self) -> FaultPlan:
        return self._plan

    def set_plan(self, plan: FaultPlan) -> None:
        with self._lock:
            self._plan = plan
            self._rng = random.Random(plan.seed)
            self._seen = 0
            self.injected: dict[str, int] = {}

    def reset_counts(self) -> None:
        with self._lock:
            self.injected = {}

    def draw(self, path: str) -> Fault | None:
        """The fault for a request to `path` (a platform path with its prefix), or None."""
        plan = self._plan
        if not plan.active or path.startswith("/_sandbox"):
            return None
        if plan.prefix and not (path == plan.prefix or path.startswith(plan.prefix.rstrip("/") + "/")):
            return None
        with self._lock:
            if plan is not self._plan:  # replaced meanwhile: draw against the new one next time
                return None
            self._seen += 1
            if self._seen <= plan.after:
                return None
            u = self._rng.random()
            acc = 0.0
            chosen = None
            for kind in KINDS:
                acc += plan.rates.get(kind, 0.0)
                if u < acc:
                    chosen = kind
                    break
            if chosen is None:
                return None
            lo, hi = plan.retry_after
            retry_after = round(self._rng.uniform(lo, hi), 2) if chosen == "429" else 0.0
            self.injected[chosen] = self.injected.get(chosen, 0) + 1
        return Fault(chosen, retry_after=retry_after, slow_seconds=plan.slow_seconds)
