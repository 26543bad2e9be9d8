"""The synthetic world: one tea brand, two communities (`brand_cn`, `brand_global`), a Discourse forum and a
Shopify store, with the ground truth that generated them.

How it is made, in one breath: people (personas, joins, churn, reactivation, identifiers) -> per-person event
streams drawn from one inhomogeneous Poisson process per (kind, community, time zone, campaign exposure) whose
intensity carries the hour-of-day and weekday rhythm, holidays and campaign lifts -> events become forum posts
(topics, replies, answered questions, bots) and store orders (lines, coupons, UTM links, refunds) -> served tables,
plus what the same process does in the 8 weeks after the window (`truth_future`).

Everything is vectorized with numpy; randomness comes from named streams of one seed, so the same arguments give
identical tables. Timestamps are naive UTC `datetime64[us]` (Discourse ones at ms, Shopify ones at s precision).
Money is `decimal.Decimal` with 2 places (object columns), in CNY; Shopify semantics: line prices include 13% VAT,
`subtotal_price` = sum(quantity * price) - `total_discounts`, `total_tax` is the VAT inside it, and
`total_price` = `subtotal_price` (free shipping).
"""

from __future__ import annotations

import datetime as dt
import re
import time
import zlib
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import pandas as pd

from pulse.sandbox import text as T
from pulse.sandbox.tables import SERVED_TABLES, TRUTH_TABLES, World

VERSION = "1.0"
AB_TEST_CAMPAIGN = "cmp-01"  # every world's first campaign, the one an A/B test can split
DEFAULT_END_DATE = dt.date(
    2026, 1, 5
)  # a Monday: the default window ends Sunday 2026-01-04 (ISO week 2026-W01)
TIMEZONE = "Asia/Shanghai"
TZ = 8  # Asia/Shanghai, no DST
FUTURE_WEEKS = 8
COMMUNITIES = ("brand_cn", "brand_global")
LANGS = ("zh-CN", "en")
PERSONAS = ("lurker", "casual", "contributor", "leader", "staff", "bot")
LURKER, CASUAL, CONTRIB, LEADER, STAFF, BOT = range(6)
SD = np.dtypes.StringDType()

TZS = np.array([8, -8, -5, 0, 1, 10])  # member time zones (UTC offset, hours); brand_cn members are all at +8
GLOBAL_TZ_P = np.array([0.10, 0.30, 0.30, 0.12, 0.13, 0.05])

# Local hour-of-day and weekday (Mon..Sun) rhythm, normalized to mean 1 below.
_ACT_HOUR = [
    0.45,
    0.25,
    0.15,
    0.1,
    0.08,
    0.1,
    0.2,
    0.45,
    0.7,
    0.9,
    1.0,
    1.05,
    1.15,
    1.1,
    1.0,
    1.0,
    1.0,
    1.05,
    1.1,
    1.3,
    1.6,
    1.8,
    1.6,
    1.0,
]
_ORD_HOUR = [
    0.6,
    0.35,
    0.15,
    0.08,
    0.05,
    0.05,
    0.1,
    0.3,
    0.6,
    0.85,
    1.0,
    1.1,
    1.3,
    1.2,
    1.0,
    0.95,
    0.95,
    1.0,
    1.05,
    1.2,
    1.5,
    1.7,
    1.6,
    1.1,
]
_ACT_WD = ([1.0, 1.05, 1.05, 1.0, 0.95, 0.82, 1.1], [1.05, 1.1, 1.1, 1.05, 0.95, 0.75, 0.95])
_ORD_WD = ([0.95, 0.95, 0.95, 1.0, 1.05, 1.12, 1.0], [0.95, 0.95, 1.0, 1.0, 1.05, 1.1, 0.95])


def _norm(x) -> np.ndarray:
    a = np.asarray(x, dtype=float)
    return a / a.mean()


ACT_HOUR, ORD_HOUR = _norm(_ACT_HOUR), _norm(_ORD_HOUR)
ACT_WD = np.array([_norm(w) for w in _ACT_WD])
ORD_WD = np.array([_norm(w) for w in _ORD_WD])

# Persona parameters (index by persona code).
POST_RATE = np.array([0.0, 0.2, 1.5, 12.0, 3.0, 0.0])  # posts per active week (mean)
POST_SIGMA = 1.2  # spread of members' posting rates within a persona (lognormal, mean-preserving)
P_TOPIC = np.array([0.0, 0.35, 0.22, 0.15, 0.12, 0.0])  # share of a poster's own posts that open a topic
LIFETIME_WEEKS = np.array([30.0, 45.0, 80.0, 150.0, np.inf, np.inf])
BUYER_P = np.array([0.30, 0.45, 0.55, 0.60, 0.15, 0.0])
ORDER_RATE = np.array([0.09, 0.11, 0.14, 0.18, 0.05, 0.0])  # repeat buyers' orders per active week (mean)
SHOP_ONLY_ORDER_RATE, SHOP_ONLY_LIFETIME = 0.10, 40.0
REACTIVATE_P, REACTIVATE_GAP_WEEKS = 0.3, 12.0

CN_MOBILE_PREFIXES = np.array(
    [
        130,
        131,
        132,
        133,
        135,
        136,
        137,
        138,
        139,
        150,
        151,
        152,
        155,
        156,
        158,
        159,
        166,
        176,
        177,
        180,
        181,
        183,
        185,
        186,
        187,
        188,
        189,
        199,
    ]
)
US_AREAS = np.array([415, 212, 646, 310, 617, 206, 312, 512, 305, 702, 303, 503, 408, 718, 202, 470])
UTM_SOURCE = {
    "wechat": ("wechat", "social"),
    "xiaohongshu": ("xiaohongshu", "social"),
    "weibo": ("weibo", "social"),
    "email": ("newsletter", "email"),
    "instagram": ("instagram", "social"),
    "discourse": ("community", "forum"),
}


# --------------------------------------------------------------------------------------------------- helpers


def _rng(seed: int, name: str) -> np.random.Generator:
    """An independent random stream per part of the world, so editing one part leaves the others unchanged."""
    return np.random.default_rng([int(seed), zlib.crc32(name.encode())])


def _mix64(x: np.ndarray) -> np.ndarray:
    """splitmix64 finalizer on uint64 (wrapping arithmetic)."""
    x = x.astype(np.uint64)
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def campaign_holdout(seed: int, campaign_number: int, person_ids, share: float) -> np.ndarray:
    """True for the persons held out of a campaign: a fixed hash of (seed, campaign, person), so tests can
    recompute who was exposed without the world storing it."""
    with np.errstate(over="ignore"):
        key = np.uint64(int(seed) * 1_000_003 + int(campaign_number) * 7919) * np.uint64(0x9E3779B97F4A7C15)
        x = _mix64(np.asarray(person_ids, dtype=np.int64).astype(np.uint64) ^ key)
    return (x >> np.uint64(11)).astype(np.float64) / float(1 << 53) < share


def campaign_variant_b(seed: int, campaign_number: int, person_ids) -> np.ndarray:
    """True for the persons an A/B test of the campaign gives variant_b (else variant_a): half of everyone by a
    fixed hash of (seed, campaign, person), independent of the holdout's hash."""
    with np.errstate(over="ignore"):
        key = np.uint64(int(seed) * 2_000_029 + int(campaign_number) * 104_729 + 1) * np.uint64(
            0xBF58476D1CE4E5B9
        )
        x = _mix64(np.asarray(person_ids, dtype=np.int64).astype(np.uint64) ^ key)
    return (x >> np.uint64(63)).astype(bool)


def campaign_exposure(world: World) -> pd.DataFrame:
    """(campaign_id, person_id, exposed): every person of a campaign's community except staff and bots, with
    exposed False for the holdout. The activity and order lifts were applied to exposed persons only."""
    persons = world["persons"]
    seed = int(world.meta["seed"])
    frames = []
    for c in world["campaigns"].itertuples(index=False):
        m = (persons["home_community"] == c.community) & ~persons["persona"].isin(["staff", "bot"])
        ids = persons.loc[m, "person_id"].to_numpy()
        number = int(str(c.campaign_id).rsplit("-", 1)[1])
        hold = campaign_holdout(seed, number, ids, c.holdout_share)
        frames.append(pd.DataFrame({"campaign_id": c.campaign_id, "person_id": ids, "exposed": ~hold}))
    return pd.concat(frames, ignore_index=True)


def campaign_variants(world: World) -> pd.DataFrame:
    """(campaign_id, person_id, variant, order_lift) of the world's A/B test (AB_TEST_CAMPAIGN): its exposed
    persons, half variant_a with the campaign's order_lift and half variant_b with variant_b_order_lift (the same
    unless generate_world's variant_b_lift made it higher or lower)."""
    exposure = campaign_exposure(world)
    campaigns = world["campaigns"].set_index("campaign_id")
    out = exposure[(exposure["campaign_id"] == AB_TEST_CAMPAIGN) & exposure["exposed"]].copy()
    b = campaign_variant_b(int(world.meta["seed"]), 1, out["person_id"].to_numpy())
    out["variant"] = np.where(b, "variant_b", "variant_a")
    c = campaigns.loc[AB_TEST_CAMPAIGN]
    out["order_lift"] = np.where(b, float(c["variant_b_order_lift"]), float(c["order_lift"]))
    return out.drop(columns="exposed").reset_index(drop=True)


def _money(cents: np.ndarray, null: np.ndarray | None = None) -> np.ndarray:
    """int64 cents -> object array of Decimal('12.30') (one Decimal per distinct amount), None where null."""
    cents = np.asarray(cents, dtype=np.int64)
    if len(cents) == 0:
        return np.empty(0, dtype=object)
    uniq, inv = np.unique(cents, return_inverse=True)
    dec = np.array([Decimal(int(c)).scaleb(-2) for c in uniq.tolist()], dtype=object)
    out = dec[inv]
    if null is not None:
        out[null] = None
    return out


def _str(values, null: np.ndarray | None = None) -> pd.Series:
    """A pandas `str` column from a StringDType/object array; null marks missing values."""
    obj = np.asarray(values).astype(object)
    if null is not None and null.any():
        obj[null] = None
    return pd.Series(obj, dtype="str")


def _nint(values, null: np.ndarray, dtype: str = "Int64") -> pd.arrays.IntegerArray:
    np_dtype = np.int32 if dtype == "Int32" else np.int64
    vals = np.where(null, 0, values).astype(np_dtype)
    return pd.arrays.IntegerArray(vals, np.asarray(null, dtype=bool))


def _pick(rng: np.random.Generator, weights, size: int) -> np.ndarray:
    cdf = np.cumsum(np.asarray(weights, dtype=float))
    return np.searchsorted(cdf, rng.random(size) * cdf[-1], side="right")


def _s(values) -> np.ndarray:
    """Integers or strings as a StringDType array."""
    return np.asarray(values).astype(SD)


def _cat(*parts) -> np.ndarray:
    out = np.asarray(parts[0]).astype(SD) if not isinstance(parts[0], str) else parts[0]
    for p in parts[1:]:
        out = np.strings.add(out, p)
    return out


def _slugify(title: str) -> str:
    s = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    return s if re.search(r"[a-z]", s) and not re.search(r"[\u4e00-\u9fff]", title) else "topic"


# --------------------------------------------------------------------------------------------------- calendar


@dataclass(frozen=True)
class _Calendar:
    first_monday: dt.date
    last_sunday: dt.date
    weeks: int

    @property
    def h_win(self) -> int:
        return self.weeks * 168

    @property
    def h_all(self) -> int:
        return (self.weeks + FUTURE_WEEKS) * 168

    @property
    def origin_us(self) -> int:
        """The window start (Monday 00:00 Asia/Shanghai) as UTC microseconds since the epoch."""
        local = np.datetime64(self.first_monday.isoformat(), "us")
        return int((local - np.timedelta64(TZ, "h")).astype(np.int64))

    def ms(self, hours) -> np.ndarray:
        return np.floor(np.asarray(hours, dtype=float) * 3_600_000).astype(np.int64)

    def ts_ms(self, ms: np.ndarray, null: np.ndarray | None = None) -> np.ndarray:
        out = (np.asarray(ms, dtype=np.int64) * 1000 + self.origin_us).view("datetime64[us]")
        if null is not None:
            out = out.copy()
            out[null] = np.datetime64("NaT")
        return out

    def ts(self, hours, unit: str = "ms") -> np.ndarray:
        """Float hours since the window start -> datetime64[us] (NaT for non-finite), floored to ms or s."""
        h = np.asarray(hours, dtype=float)
        bad = ~np.isfinite(h)
        h0 = np.where(bad, 0.0, h)
        if unit == "s":
            us = np.floor(h0 * 3600).astype(np.int64) * 1_000_000
        else:
            us = np.floor(h0 * 3_600_000).astype(np.int64) * 1000
        out = (us + self.origin_us).view("datetime64[us]")
        if bad.any():
            out = out.copy()
            out[bad] = np.datetime64("NaT")
        return out

    def local_dates(self) -> list[dt.date]:
        """Local dates of day indexes -1 .. (weeks + FUTURE_WEEKS) * 7 (index 0 is the first Monday)."""
        n = (self.weeks + FUTURE_WEEKS) * 7
        return [self.first_monday + dt.timedelta(days=d) for d in range(-1, n + 1)]


def _calendar(weeks: int, end_date: dt.date) -> _Calendar:
    last_sunday = end_date - dt.timedelta(days=end_date.isoweekday())
    return _Calendar(last_sunday - dt.timedelta(days=7 * weeks - 1), last_sunday, weeks)


_SPRING_FESTIVAL = {
    2023: (1, 22),
    2024: (2, 10),
    2025: (1, 29),
    2026: (2, 17),
    2027: (2, 6),
    2028: (1, 26),
    2029: (2, 13),
    2030: (2, 3),
}


def _day_factors(cal: _Calendar, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(activity, orders) multipliers per community and local day (index day + 1): holidays, shopping festivals,
    and a little week-to-week noise."""
    dates = cal.local_dates()
    n = len(dates)
    act = np.ones((2, n))
    ords = np.ones((2, n))
    for i, d in enumerate(dates):
        md = (d.month, d.day)
        # brand_cn
        if d.month == 10 and d.day <= 7:
            act[0, i], ords[0, i] = 0.75, 0.8
        if md == (11, 10):
            ords[0, i] = 1.6
        if md == (11, 11):
            act[0, i], ords[0, i] = 1.15, 3.0
        if md == (11, 12):
            ords[0, i] = 1.2
        if md == (6, 17):
            ords[0, i] = 1.4
        if md == (6, 18):
            ords[0, i] = 2.2
        if md == (12, 12):
            ords[0, i] = 1.5
        sf = _SPRING_FESTIVAL.get(d.year)
        for year in (d.year, d.year + 1):
            sf = _SPRING_FESTIVAL.get(year)
            if sf:
                delta = (d - dt.date(year, *sf)).days
                if -1 <= delta <= 6:
                    act[0, i], ords[0, i] = 0.6, 0.4
                elif -14 <= delta <= -2:
                    ords[0, i] = 1.4
        # brand_global
        thanksgiving = 22 + (3 - dt.date(d.year, 11, 1).weekday()) % 7
        bf = dt.date(d.year, 11, thanksgiving + 1)
        delta = (d - bf).days
        if delta == 0:
            ords[1, i] = 2.6
        elif delta in (1, 2):
            ords[1, i] = 1.5
        elif delta == 3:
            ords[1, i] = 2.0
        if d.month == 12 and 10 <= d.day <= 20:
            ords[1, i] = 1.3
        if d.month == 12 and 24 <= d.day <= 26:
            act[1, i], ords[1, i] = 0.6, 0.5
        if md in ((12, 31), (1, 1)):
            act[1, i] = 0.7
    noise = rng.lognormal(0.0, 0.06, size=(2, n // 7 + 2))
    week_of = (np.arange(n) - 1) // 7 + 1
    return act * noise[:, week_of], ords * noise[:, week_of]


# --------------------------------------------------------------------------------------------------- curves


class _Curves:
    """Rows of hourly intensities g[k, h] over the whole horizon; samples event times by inverting the
    cumulative intensity (exact, no rejection)."""

    def __init__(self, g: np.ndarray):
        self.g = g
        self.H = g.shape[1]
        cum = np.zeros((g.shape[0], self.H + 1))
        np.cumsum(g, axis=1, out=cum[:, 1:])
        self.cum = cum
        totals = cum[:, -1]
        self.base = np.concatenate([[0.0], np.cumsum(totals)[:-1]])
        self.flat = (cum + self.base[:, None]).ravel()

    def at(self, key: np.ndarray, h: np.ndarray) -> np.ndarray:
        h = np.clip(h, 0.0, float(self.H))
        i = np.minimum(h.astype(np.int64), self.H - 1)
        return self.cum[key, i] + (h - i) * self.g[key, i]

    def inverse(self, key: np.ndarray, u: np.ndarray) -> np.ndarray:
        x = self.base[key] + u
        j = np.searchsorted(self.flat, x, side="right") - 1
        i = np.clip(j - key * (self.H + 1), 0, self.H - 1)
        return i + (x - self.flat[key * (self.H + 1) + i]) / self.g[key, i]

    def sample(self, rng, key, rate, a, b) -> tuple[np.ndarray, np.ndarray]:
        """Events of a Poisson process with intensity rate * g[key] on each segment [a, b): (segment, hour)."""
        a = np.clip(a, 0.0, float(self.H))
        b = np.clip(b, 0.0, float(self.H))
        b = np.maximum(a, b)
        ca, cb = self.at(key, a), self.at(key, b)
        n = rng.poisson(rate * (cb - ca))
        seg = np.repeat(np.arange(len(a)), n)
        u = ca[seg] + rng.random(len(seg)) * (cb - ca)[seg]
        t = self.inverse(key[seg], u)
        return seg, np.clip(t, a[seg], np.nextafter(b[seg], -np.inf))


def _build_curves(cal, campaigns, act_day, ord_day):
    """Activity and order curves per (community, time zone, campaign-exposure pattern), and join curves per
    (community, time zone). Returns (curves, lookup[kind, comm, tz, pattern] -> row, join_curves)."""
    H = cal.h_all
    h = np.arange(H)
    by_comm = [[c for c in campaigns if c["comm"] == comm] for comm in (0, 1)]
    kmax = max(len(x) for x in by_comm)
    lookup = np.full((2, 2, len(TZS), 1 << kmax), -1, dtype=np.int64)
    rows, join_rows = [], []
    for comm in (0, 1):
        tz_idx = [0] if comm == 0 else list(range(len(TZS)))
        for ti in tz_idx:
            loc = h + (TZS[ti] - TZ)
            hour = loc % 24
            day = np.floor_divide(loc, 24)
            wd = day % 7
            base_act = ACT_HOUR[hour] * ACT_WD[comm][wd] * act_day[comm][day + 1]
            base_ord = ORD_HOUR[hour] * ORD_WD[comm][wd] * ord_day[comm][day + 1]
            acq = 1.0 + 0.6 * np.minimum(h, cal.h_win) / cal.h_win
            for c in by_comm[comm]:
                acq[c["s_h"] : c["e_h"]] *= 1.5
            join_rows.append(base_act * acq)
            for pattern in range(1 << len(by_comm[comm])):
                la, lo = np.ones(H), np.ones(H)
                for j, c in enumerate(by_comm[comm]):
                    if pattern >> j & 1:
                        la[c["s_h"] : c["e_h"]] = c["activity_lift"]
                        lo[c["s_h"] : c["e_h"]] = c["order_lift"]
                lookup[0, comm, ti, pattern] = len(rows)
                rows.append(base_act * la)
                lookup[1, comm, ti, pattern] = len(rows)
                rows.append(base_ord * lo)
    join_key = np.zeros((2, len(TZS)), dtype=np.int64)
    k = 0
    for comm in (0, 1):
        for ti in [0] if comm == 0 else range(len(TZS)):
            join_key[comm, ti] = k
            k += 1
    return _Curves(np.array(rows)), lookup, _Curves(np.array(join_rows)), join_key


# --------------------------------------------------------------------------------------------------- campaigns


def _make_campaigns(rng: np.random.Generator, cal: _Calendar, members: int) -> list[dict]:
    n = int(rng.integers(3, 7))
    n_cn = (n + 1) // 2
    lo_day, hi_day = 7, max(cal.weeks * 7 - 2, 9)
    out = []
    for comm, k in ((0, n_cn), (1, n - n_cn)):
        ideas = [c for c in T.CAMPAIGNS if c[0] == comm]
        chosen = [ideas[i] for i in rng.permutation(len(ideas))[:k]]
        slot = (hi_day - lo_day) / k
        for j, idea in enumerate(chosen):
            a, b = int(np.ceil(lo_day + j * slot)), int(np.floor(lo_day + (j + 1) * slot))
            room = max(b - a, 2)
            dur = int(min(rng.integers(7, 15), room - 1))
            start = a + int(rng.integers(0, room - dur + 1))
            _, name, channels, stem, utm = idea
            mode = rng.random() if out else 0.0  # the first has both a coupon and a utm link
            pct = int(rng.choice([10, 15, 20]))
            start_date = cal.first_monday + dt.timedelta(days=start)
            iso = start_date.isocalendar()
            out.append(
                {
                    "comm": comm,
                    "name": name,
                    "channel": str(rng.choice(channels)),
                    "s_h": start * 24,
                    "e_h": (start + dur) * 24,
                    "coupon_code": f"{stem}-{pct}" if mode < 0.75 else None,
                    "utm_campaign": f"{utm}_{iso[0]}w{iso[1]:02d}" if mode < 0.5 or mode >= 0.75 else None,
                    "pct": pct,
                    "holdout_share": float(rng.choice([0.1, 0.15, 0.2])),
                    "activity_lift": round(float(rng.uniform(1.3, 1.8)), 2),
                    "order_lift": round(float(rng.uniform(1.5, 2.5)), 2),
                    "cost_cents": int(round(rng.uniform(8000, 60000) * max(0.3, members / 5000) ** 0.5))
                    * 100,
                }
            )
    out.sort(key=lambda c: (c["s_h"], c["comm"]))
    for i, c in enumerate(out, start=1):
        c["number"] = i
        c["campaign_id"] = f"cmp-{i:02d}"
    for comm in (0, 1):
        for j, c in enumerate(x for x in out if x["comm"] == comm):
            c["bit"] = j
    return out


# --------------------------------------------------------------------------------------------------- people


def _people(seed: int, cal: _Calendar, members: int, join_curves, join_key) -> dict[str, np.ndarray]:
    rng = _rng(seed, "people")
    n_bots = len(T.BOTS)
    n_staff = int(np.clip(round(members / 800), 4, 12))
    n_staff_cn = min(len(T.STAFF_CN), int(np.ceil(0.6 * n_staff)))
    n_staff_en = min(len(T.STAFF_EN), n_staff - n_staff_cn)
    n_staff = n_staff_cn + n_staff_en
    n_reg = members - n_bots - n_staff
    n_lead, n_contrib, n_casual = round(0.015 * n_reg), round(0.08 * n_reg), round(0.20 * n_reg)
    reg_persona = np.repeat(
        [LEADER, CONTRIB, CASUAL, LURKER],
        [n_lead, n_contrib, n_casual, n_reg - n_lead - n_contrib - n_casual],
    )
    reg_persona = rng.permutation(reg_persona)
    n_shop = round(0.55 * members)
    persona = np.concatenate(
        [np.full(n_bots, BOT), np.full(n_staff, STAFF), reg_persona, np.full(n_shop, LURKER)]
    )
    P = len(persona)
    member = np.arange(P) < members
    role = np.full(P, -1)
    role[:n_bots] = np.arange(n_bots)
    role[n_bots : n_bots + n_staff] = np.arange(n_staff)
    comm = (rng.random(P) < 0.3).astype(np.int64)
    comm[:n_bots] = 0
    comm[n_bots : n_bots + n_staff] = np.r_[np.zeros(n_staff_cn, int), np.ones(n_staff_en, int)]
    tzi = np.where(comm == 0, 0, _pick(rng, GLOBAL_TZ_P, P))

    # joins: some before the window (up to two years), the rest during it, following the join curves
    p_pre = max(0.4, 1.0 - 0.025 * cal.weeks)
    pre = rng.random(P) < p_pre
    joined = np.empty(P)
    joined[pre] = -rng.uniform(0, 104 * 168, pre.sum())
    key = join_key[comm[~pre], tzi[~pre]]
    total = join_curves.at(key, np.full(len(key), float(cal.h_win)))
    joined[~pre] = np.minimum(join_curves.inverse(key, rng.random(len(key)) * total), cal.h_win - 1e-3)
    special = role >= 0
    joined[special] = -rng.uniform(60 * 168, 150 * 168, special.sum())

    mean_life = np.where(member, LIFETIME_WEEKS[persona], SHOP_ONLY_LIFETIME)
    life = rng.exponential(1.0, P) * mean_life * 168
    churn = joined + life
    react = np.where(
        np.isfinite(churn) & (rng.random(P) < REACTIVATE_P),
        churn + rng.exponential(REACTIVATE_GAP_WEEKS * 168, P),
        np.inf,
    )

    # person_id follows the join order
    order = np.argsort(joined, kind="stable")
    cols = dict(
        persona=persona,
        member=member,
        role=role,
        comm=comm,
        tzi=tzi,
        joined=joined,
        churn=churn,
        react=react,
        life=life,
    )
    out = {k: v[order] for k, v in cols.items()}
    out["pid"] = np.arange(1, P + 1, dtype=np.int64)
    sigma = np.where(out["persona"] == STAFF, 0.3, POST_SIGMA)
    out["post_rate"] = np.where(
        out["member"], POST_RATE[out["persona"]] * rng.lognormal(-(sigma**2) / 2, sigma), 0.0
    )
    return out


def _active(p: dict, idx: np.ndarray, t: np.ndarray) -> np.ndarray:
    return ((t >= p["joined"][idx]) & (t < p["churn"][idx])) | (t >= p["react"][idx])


def _segments(p: dict, idx: np.ndarray, start: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Active intervals of persons idx from `start`: [start, churn) and [reactivated, inf)."""
    r = np.isfinite(p["react"][idx])
    owner = np.concatenate([idx, idx[r]])
    a = np.concatenate([start, np.maximum(p["react"][idx[r]], start[r])])
    b = np.concatenate([p["churn"][idx], np.full(r.sum(), np.inf)])
    return owner, a, b


# --------------------------------------------------------------------------------------------------- identity


def _identities(seed: int, p: dict) -> dict[str, np.ndarray]:
    """Names, usernames, canonical emails, E.164 phones (and their parts), WeChat unionids."""
    rng = _rng(seed, "identity")
    P = len(p["pid"])
    comm, persona, role = p["comm"], p["persona"], p["role"]
    cn = comm == 0
    sur = rng.integers(0, len(T.CN_SURNAMES), P)
    giv = rng.integers(0, len(T.CN_GIVEN), P)
    fst = rng.integers(0, len(T.EN_FIRST), P)
    lst = rng.integers(0, len(T.EN_LAST), P)
    sur_zh = np.array([s[0] for s in T.CN_SURNAMES], dtype=SD)[sur]
    sur_py = np.array([s[1] for s in T.CN_SURNAMES], dtype=SD)[sur]
    giv_zh = np.array([g[0] for g in T.CN_GIVEN], dtype=SD)[giv]
    giv_py = np.array([g[1] for g in T.CN_GIVEN], dtype=SD)[giv]
    first = np.array(T.EN_FIRST, dtype=SD)[fst]
    last = np.array(T.EN_LAST, dtype=SD)[lst]

    # display names
    nick = np.array(T.CN_NICKNAMES, dtype=SD)[rng.integers(0, len(T.CN_NICKNAMES), P)]
    r = rng.random(P)
    name_cn = np.where(r < 0.8, np.strings.add(sur_zh, giv_zh), nick)
    name_en = np.where(r < 0.9, _cat(first, " ", last), first)
    name = np.where(cn, name_cn, name_en)

    # usernames: a base, made unique by a per-base rank
    seps = np.array(["", "_", "."], dtype=SD)[rng.integers(0, 3, P)]
    handles = np.array(T.CN_HANDLES, dtype=SD)[rng.integers(0, len(T.CN_HANDLES), P)]
    f_low, l_low = np.strings.lower(first), np.strings.lower(last)
    r = rng.random(P)
    base_cn = np.where(
        r < 0.55, _cat(giv_py, seps, sur_py), np.where(r < 0.85, handles, _cat(sur_py, giv_py))
    )
    base_en = np.where(
        r < 0.5,
        _cat(f_low, seps, l_low),
        np.where(r < 0.8, f_low, _cat(f_low, np.strings.slice(l_low, 0, 1))),
    )
    base = np.where(cn, base_cn, base_en)
    rank = pd.Series(base.astype(object)).groupby(base.astype(object), sort=False).cumcount().to_numpy()
    bare = (rank == 0) & (rng.random(P) < 0.5)
    num = _s(rank * 7 + rng.integers(0, 7, P))
    sep2 = np.array(["", "_"], dtype=SD)[rng.integers(0, 2, P)]
    username = np.where(bare, base, _cat(base, sep2, num))

    # canonical emails: unique by construction (a per-person unique number)
    uniq = rng.permutation(P) + 11
    dom_cn = np.array([d for d, _ in T.CN_EMAIL_DOMAINS], dtype=SD)[
        _pick(rng, [w for _, w in T.CN_EMAIL_DOMAINS], P)
    ]
    dom_en = np.array([d for d, _ in T.EN_EMAIL_DOMAINS], dtype=SD)[
        _pick(rng, [w for _, w in T.EN_EMAIL_DOMAINS], P)
    ]
    esep = np.array(["", ".", "_"], dtype=SD)[rng.integers(0, 3, P)]
    qq = _cat(_s(100_000_000 + uniq * 37 + rng.integers(0, 37, P)), "@qq.com")
    email_cn = np.where(rng.random(P) < 0.35, qq, _cat(giv_py, esep, sur_py, _s(uniq), "@", dom_cn))
    email_en = _cat(f_low, esep, l_low, _s(uniq), "@", dom_en)
    email = np.where(cn, email_cn, email_en)
    no_email = (~p["member"]) & (rng.random(P) < 0.08)

    # staff and bots
    for i in np.flatnonzero(role >= 0):
        if persona[i] == BOT:
            username[i], name[i] = T.BOTS[role[i]]
            no_email[i] = True
        else:
            k = role[i]
            n_cn = int(((persona == STAFF) & cn).sum())
            disp, user = T.STAFF_CN[k] if k < n_cn else T.STAFF_EN[k - n_cn]
            username[i], name[i] = user, disp
            email[i] = f"{user.removeprefix('lumo_')}@{T.SHOP_DOMAIN}"

    # a few display names that test escaping
    regular = np.flatnonzero(p["member"] & (role < 0))
    for i, tricky in zip(
        rng.choice(regular, size=min(len(T.TRICKY_NAMES), len(regular)), replace=False),
        T.TRICKY_NAMES,
        strict=False,
    ):
        name[i] = tricky

    # phones: region 0 CN, 1 US, 2 UK
    region = np.where(cn, 0, np.where(rng.random(P) < 0.65, 1, 2))
    has_phone = (rng.random(P) < np.where(cn, 0.8, 0.5)) | no_email
    has_phone &= persona != BOT
    has_phone[persona == STAFF] = False
    u2 = rng.permutation(P)
    x = u2 * 13 + rng.integers(0, 13, P)
    cn_pre = _s(CN_MOBILE_PREFIXES[rng.integers(0, len(CN_MOBILE_PREFIXES), P)])
    cn_mid = np.strings.zfill(_s(x // 10000), 4)
    cn_last = np.strings.zfill(_s(x % 10000), 4)
    us_area = _s(US_AREAS[rng.integers(0, len(US_AREAS), P)])
    us_exch = _s(200 + (u2 // 10000) % 800)
    us_line = np.strings.zfill(_s(u2 % 10000), 4)
    d = 100_000_000 + u2 * 11 + rng.integers(0, 11, P)
    uk_a = _s(7000 + d // 1_000_000)
    uk_b = np.strings.zfill(_s(d % 1_000_000), 6)
    # parts (a, b, c) and country code per person
    pa = np.where(region == 0, cn_pre, np.where(region == 1, us_area, uk_a))
    pb = np.where(region == 0, cn_mid, np.where(region == 1, us_exch, uk_b))
    pc = np.where(region == 0, cn_last, np.where(region == 1, us_line, ""))
    cc = np.array(["86", "1", "44"], dtype=SD)[region]
    e164 = _cat("+", cc, pa, pb, pc)

    alphabet = np.frombuffer(
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-", dtype=np.uint8
    )
    codes = alphabet[rng.integers(0, 64, (P, 23))]
    unionid = np.strings.add("o6_bm", codes.view("S23").ravel().astype(SD))
    has_wechat = (rng.random(P) < np.where(cn, 0.45, 0.05)) & (persona != BOT)

    return dict(
        name=name,
        username=username,
        email=email,
        no_email=no_email,
        e164=e164,
        has_phone=has_phone,
        region=region,
        pa=pa,
        pb=pb,
        pc=pc,
        unionid=unionid,
        has_wechat=has_wechat,
        sur_zh=sur_zh,
        giv_zh=giv_zh,
        sur_py=sur_py,
        giv_py=giv_py,
        first=first,
        last=last,
        uniq=uniq,
    )


def _messy_email(rng: np.random.Generator, emails: np.ndarray) -> np.ndarray:
    """Emails as people type them: some capitalized, upper-cased, title-cased, with stray spaces."""
    n = len(emails)
    r = rng.random(n)
    out = np.where(r < 0.12, np.strings.capitalize(emails), emails)
    out = np.where((r >= 0.12) & (r < 0.17), np.strings.upper(emails), out)
    out = np.where((r >= 0.17) & (r < 0.21), np.strings.title(emails), out)
    s = rng.random(n)
    out = np.where(s < 0.04, np.strings.add(" ", out), out)
    out = np.where((s >= 0.04) & (s < 0.08), np.strings.add(out, " "), out)
    return np.where((s >= 0.08) & (s < 0.09), _cat("  ", out, " "), out)


def _typed_phone(rng: np.random.Generator, ident: dict, idx: np.ndarray) -> np.ndarray:
    """Phones of persons idx in one of the formats people type (with and without country code)."""
    region = ident["region"][idx]
    a, b, c = ident["pa"][idx], ident["pb"][idx], ident["pc"][idx]
    e164 = ident["e164"][idx]
    n = len(idx)
    variants = np.stack(
        [
            # CN: '+86 138 0013 8000', '13800138000', e164, '138-0013-8000', '+86-138-0013-8000', '0086 138...'
            np.where(
                region == 0,
                _cat("+86 ", a, " ", b, " ", c),
                np.where(region == 1, _cat("+1 (", a, ") ", b, "-", c), _cat("+44 ", a, " ", b)),
            ),
            np.where(
                region == 0,
                _cat(a, b, c),
                np.where(region == 1, _cat("(", a, ") ", b, "-", c), _cat("0", a, " ", b)),
            ),
            e164,
            np.where(
                region == 0,
                _cat(a, "-", b, "-", c),
                np.where(region == 1, _cat(a, "-", b, "-", c), _cat("+44 ", a, " ", b)),
            ),
            np.where(
                region == 0,
                _cat("+86-", a, "-", b, "-", c),
                np.where(region == 1, _cat(a, ".", b, ".", c), e164),
            ),
            np.where(
                region == 0, _cat("0086 ", a, b, c), np.where(region == 1, _cat(a, b, c), _cat("0", a, b))
            ),
        ]
    )
    fmt = _pick(rng, [0.3, 0.3, 0.2, 0.08, 0.07, 0.05], n)
    return variants[fmt, np.arange(n)]


# --------------------------------------------------------------------------------------------------- text pools


class _Pool:
    """Templates expanded once with every product's short name; picked by index."""

    def __init__(self, table: dict[str, tuple[tuple[str, ...], tuple[str, ...]]]):
        self.kinds = {k: i for i, k in enumerate(table)}
        strings: list[str] = []
        self.start = np.zeros((len(table), 2), dtype=np.int64)
        self.size = np.zeros((len(table), 2), dtype=np.int64)
        for kind, k in self.kinds.items():
            for lang in (0, 1):
                self.start[k, lang] = len(strings)
                for tpl in table[kind][lang]:
                    for prod in T.PRODUCTS:
                        strings.append(
                            tpl.replace("{p}", prod[2 + lang]).replace(
                                "{b}", T.BRAND_ZH if lang == 0 else T.BRAND_EN
                            )
                        )
                self.size[k, lang] = len(strings) - self.start[k, lang]
        self.strings = np.array(strings, dtype=object)
        self.slugs = np.array([_slugify(s) for s in strings], dtype=object)

    def index(self, rng, kind: np.ndarray, lang: np.ndarray) -> np.ndarray:
        return self.start[kind, lang] + (rng.random(len(kind)) * self.size[kind, lang]).astype(np.int64)


POST_POOL = _Pool({k: v for k, v in T.POSTS.items() if k != "bot_greet"})
TITLE_POOL = _Pool(T.TITLES)
PK = POST_POOL.kinds
TK = TITLE_POOL.kinds
CAT_KINDS = {"announcements": 0, "qa": 1, "showcase": 2, "feedback": 3}


# --------------------------------------------------------------------------------------------------- forum


class _Rows:
    """Column blocks appended in order; `add` returns the global index of the block's first row."""

    def __init__(self, **defaults):
        self.defaults = defaults
        self.blocks: dict[str, list[np.ndarray]] = {k: [] for k in defaults}
        self.n = 0

    def add(self, n: int, **cols) -> int:
        start = self.n
        for k, default in self.defaults.items():
            v = cols.get(k, default)
            self.blocks[k].append(
                np.broadcast_to(np.asarray(v), (n,)).copy() if np.ndim(v) == 0 else np.asarray(v)
            )
        self.n += n
        return start

    def done(self) -> dict[str, np.ndarray]:
        return {k: np.concatenate(v) if v else np.empty(0) for k, v in self.blocks.items()}


def _forum(seed: int, cal: _Calendar, p: dict, ident: dict, curves, lookup, campaigns) -> dict:
    rng = _rng(seed, "forum")
    H_win, H_all = cal.h_win, cal.h_all
    persona, comm = p["persona"], p["comm"]
    staff_of = [np.flatnonzero((persona == STAFF) & (comm == c)) for c in (0, 1)]
    bots = {
        T.BOTS[r][0]: int(np.flatnonzero((persona == BOT) & (p["role"] == r))[0]) for r in range(len(T.BOTS))
    }

    # incident: a few days of logistics trouble in brand_cn, negative posts triple
    inc_day = int(rng.integers(7, max(8, cal.weeks * 7 - 7)))
    incident = (inc_day * 24.0, (inc_day + 5) * 24.0)

    # 1. every poster's own events (the Poisson process)
    posters = np.flatnonzero(p["post_rate"] > 0)
    owner, a, b = _segments(p, posters, np.maximum(p["joined"][posters], 0.0))
    key = lookup[0, comm[owner], p["tzi"][owner], p["pattern"][owner]]
    seg, t = curves.sample(rng, key, p["post_rate"][owner] / 168.0, a, b)
    ev_p, ev_t = owner[seg], t
    is_topic = rng.random(len(ev_p)) < P_TOPIC[persona[ev_p]]

    topics = _Rows(
        author=0, t=0.0, comm=0, cat=0, tkind=-1, pinned=False, hot=1.0, special=-1, answered=False, qnum=-1
    )
    posts = _Rows(topic=0, author=0, t=0.0, kind=0, ref=-1, rand_reply=False, first=False)

    # 2. scheduled topics: welcome megathreads, weekly digests, WeChat syncs, campaign announcements
    welcome = {}
    for c in (0, 1):
        author = int(staff_of[c][0])
        ti = topics.add(1, author=author, t=0.05, comm=c, cat=4 * c, pinned=True, special=0, hot=0.0)
        posts.add(1, topic=ti, author=author, t=0.05, kind=-1, first=True)  # raw set later
        welcome[c] = ti
    n_weeks = cal.weeks + FUTURE_WEEKS
    for c in (0, 1):
        tw = np.arange(n_weeks) * 168.0 + 9.0 + rng.random(n_weeks) * 0.02
        ti = topics.add(n_weeks, author=bots["system"], t=tw, comm=c, cat=4 * c, special=1, hot=1.5)
        posts.add(
            n_weeks,
            topic=np.arange(ti, ti + n_weeks),
            author=bots["system"],
            t=tw,
            kind=PK["bot_digest"],
            first=True,
        )
    nw = rng.poisson(2.5, n_weeks)
    tw = (
        np.repeat(np.arange(n_weeks) * 168.0, nw)
        + rng.integers(0, 5, nw.sum()) * 24.0
        + rng.uniform(10, 18, nw.sum())
    )
    ti = topics.add(len(tw), author=bots["wechat_sync_bot"], t=tw, comm=0, cat=0, tkind=TK["wechat"], hot=1.5)
    posts.add(
        len(tw),
        topic=np.arange(ti, ti + len(tw)),
        author=bots["wechat_sync_bot"],
        t=tw,
        kind=PK["bot_wechat"],
        first=True,
    )
    last_cmp = {}
    for c in campaigns:
        author = int(rng.choice(staff_of[c["comm"]]))
        tc = c["s_h"] + 10.0 + rng.random()
        ti = topics.add(
            1, author=author, t=tc, comm=c["comm"], cat=4 * c["comm"], special=2, hot=3.0, qnum=c["number"]
        )
        posts.add(1, topic=ti, author=author, t=tc, kind=-2, first=True)
        if tc < H_win:
            last_cmp[c["comm"]] = ti

    # 3. topics opened by members and staff
    tp, tt = ev_p[is_topic], ev_t[is_topic]
    n = len(tp)
    tc = comm[tp]
    staff_t = persona[tp] == STAFF
    ck = np.where(staff_t, 0, 1 + _pick(rng, [0.45, 0.3, 0.25], n))
    in_inc = (tc == 0) & (tt >= incident[0]) & (tt < incident[1])
    r = rng.random(n)
    neg_q = np.where(in_inc, 0.7, 0.25)
    neg_f = np.where(in_inc, 0.85, 0.5)
    kind = np.select(
        [ck == 0, ck == 1, ck == 2],
        [PK["announcement"], np.where(r < neg_q, PK["question_neg"], PK["question"]), PK["showcase"]],
        np.where(
            r < neg_f,
            PK["feedback_neg"],
            np.where(r < neg_f + (1 - neg_f) / 2, PK["feedback_pos"], PK["feedback_neu"]),
        ),
    )
    tkind = np.choose(ck, [TK["announcements"], TK["qa"], TK["showcase"], TK["feedback"]])
    hot = rng.lognormal(0.0, 1.0, n) * np.where(staff_t, 2.0, 1.0) * np.where(persona[tp] == LEADER, 1.5, 1.0)
    t0 = topics.add(n, author=tp, t=tt, comm=tc, cat=4 * tc + ck, tkind=tkind, hot=hot)
    posts.add(n, topic=np.arange(t0, t0 + n), author=tp, t=tt, kind=kind, first=True)

    # 4. questions: answered (or not) after a lognormal delay, by staff or a member; thanks, accepted, follow-ups
    q = np.flatnonzero(ck == 1)
    qt, qa_author, qc = tt[q], tp[q], tc[q]
    answered = rng.random(len(q)) < np.where(qc == 0, 0.8, 0.72)
    by_staff = rng.random(len(q)) < 0.5
    delay = np.where(
        by_staff, rng.lognormal(np.log(2.0), 1.3, len(q)), rng.lognormal(np.log(5.0), 1.5, len(q))
    )
    delay = np.maximum(delay, 1 / 60)
    at = qt + delay
    helpers = [np.flatnonzero(((persona == CONTRIB) | (persona == LEADER)) & (comm == c)) for c in (0, 1)]
    answerer = np.empty(len(q), dtype=np.int64)
    for c in (0, 1):
        m = qc == c
        hw = p["post_rate"][helpers[c]]
        answerer[m] = helpers[c][_pick(rng, hw, m.sum())] if len(helpers[c]) else -1
        st = staff_of[c][rng.integers(0, len(staff_of[c]), m.sum())]
        bad = by_staff[m] | (answerer[m] < 0)
        cand = answerer[m]
        ok = ~bad & (cand != qa_author[m]) & _active(p, np.maximum(cand, 0), at[m])
        answerer[m] = np.where(ok, cand, st)
    ans = answered & (at < H_all)
    qi = np.flatnonzero(ans)
    ans_topic = t0 + q[qi]
    a0 = posts.add(
        len(qi),
        topic=ans_topic,
        author=answerer[qi],
        t=at[qi],
        kind=np.where(persona[answerer[qi]] == STAFF, PK["answer_staff"], PK["answer_member"]),
    )
    thanks_t = at[qi] + rng.lognormal(np.log(2.0), 1.0, len(qi))
    thank = (rng.random(len(qi)) < 0.55) & _active(p, qa_author[qi], thanks_t)
    th = np.flatnonzero(thank)
    posts.add(
        len(th), topic=ans_topic[th], author=qa_author[qi][th], t=thanks_t[th], kind=PK["thanks"], ref=a0 + th
    )
    accepted = (thank & (rng.random(len(qi)) < 0.75)) | (~thank & (rng.random(len(qi)) < 0.15))
    accept_t = np.where(thank, thanks_t, at[qi] + rng.lognormal(np.log(24.0), 1.0, len(qi)))
    n_extra = rng.poisson(0.5, len(qi))
    xe = np.repeat(np.arange(len(qi)), n_extra)
    xc = qc[qi][xe]
    xp = np.empty(len(xe), dtype=np.int64)
    for c in (0, 1):
        pool = posters[comm[posters] == c]
        m = xc == c
        xp[m] = pool[_pick(rng, p["post_rate"][pool], m.sum())]
    xt = at[qi][xe] + rng.lognormal(np.log(10.0), 1.2, len(xe))
    ok = _active(p, xp, xt)
    neg_src = kind[q][qi][xe] == PK["question_neg"]
    xk = np.where(neg_src & (rng.random(len(xe)) < 0.4), PK["reply_neg"], PK["reply"])
    posts.add(int(ok.sum()), topic=ans_topic[xe][ok], author=xp[ok], t=xt[ok], kind=xk[ok], rand_reply=True)
    topics_done = topics.done()
    topics_done["answered"][t0 + q[qi]] = True
    acc_post = np.full(topics.n, -1, dtype=np.int64)
    acc_t = np.full(topics.n, np.inf)
    acc_post[ans_topic[accepted]] = a0 + np.flatnonzero(accepted)
    acc_t[ans_topic[accepted]] = accept_t[accepted]
    is_qa = (topics_done["cat"] % 4) == 1

    # 5. the other events are replies, to recent topics of their community (hot ones more often)
    rp, rt = ev_p[~is_topic], ev_t[~is_topic]
    pool_mask = ~is_qa & (topics_done["special"] != 0)
    for c in (0, 1):
        pool = np.flatnonzero(pool_mask & (topics_done["comm"] == c))
        pool = pool[np.argsort(topics_done["t"][pool], kind="stable")]
        m = np.flatnonzero(comm[rp] == c)
        if len(pool) == 0 or len(m) == 0:
            continue
        pt = topics_done["t"][pool]
        ph = np.log(np.maximum(topics_done["hot"][pool], 1e-9))
        rtc = rt[m]
        age = rng.lognormal(np.log(18.0), 1.3, len(m))
        base = np.searchsorted(pt, rtc - age, side="right") - 1
        latest = np.searchsorted(pt, rtc, side="left") - 1
        base = np.where(base < 0, latest, base)
        keep = base >= 0
        m, base, rtc = m[keep], base[keep], rtc[keep]
        k = 4
        off = np.concatenate(
            [np.zeros((len(m), 1), np.int64), rng.geometric(0.12, (len(m), k - 1)) - 1], axis=1
        )
        cand = np.maximum(base[:, None] - off, 0)
        score = ph[cand] + rng.gumbel(size=cand.shape)
        chosen = pool[cand[np.arange(len(m)), np.argmax(score, axis=1)]]
        in_inc = (c == 0) & (rtc >= incident[0]) & (rtc < incident[1])
        r = rng.random(len(m))
        pneg = np.where(in_inc, 0.3, 0.1)
        rk = np.where(r < pneg, PK["reply_neg"], np.where(r < pneg + 0.2, PK["reply_pos"], PK["reply"]))
        posts.add(len(m), topic=chosen, author=rp[m], t=rtc, kind=rk, rand_reply=True)

    # 6. newcomers introduce themselves in the welcome thread; discobot greets them
    newbies = np.flatnonzero(p["member"] & (p["joined"] >= 0) & (persona >= CASUAL) & (persona <= LEADER))
    newbies = newbies[rng.random(len(newbies)) < 0.4]
    it = np.maximum(p["joined"][newbies] + rng.lognormal(np.log(0.3), 1.0, len(newbies)), 0.07)
    ok = _active(p, newbies, it)
    newbies, it = newbies[ok], it[ok]
    wt = np.where(comm[newbies] == 0, welcome[0], welcome[1])
    i0 = posts.add(len(newbies), topic=wt, author=newbies, t=it, kind=PK["intro"])
    posts.add(
        len(newbies),
        topic=wt,
        author=bots["discobot"],
        t=it + rng.uniform(0.01, 0.05, len(newbies)),
        kind=-3,
        ref=np.arange(i0, i0 + len(newbies)),
    )

    # 7. the system bot closes some quiet topics 30 days after their last post
    pc = posts.done()
    last = np.full(topics.n, -np.inf)
    np.maximum.at(last, pc["topic"], pc["t"])
    closable = (topics_done["special"] < 0) & ~topics_done["pinned"] & (rng.random(topics.n) < 0.3)
    close_t = last + 720.0
    cl = np.flatnonzero(closable & (close_t < H_all))
    posts.add(len(cl), topic=cl, author=bots["system"], t=close_t[cl], kind=PK["bot_close"])
    closed_t = np.full(topics.n, np.inf)
    closed_t[cl] = close_t[cl]
    pinned = topics_done["pinned"].copy()
    for ti in last_cmp.values():
        pinned[ti] = True

    return dict(
        topics=topics_done,
        posts=posts.done(),
        acc_post=acc_post,
        acc_t=acc_t,
        closed_t=closed_t,
        pinned=pinned,
        welcome=welcome,
        incident=incident,
    )


def _forum_tables(seed: int, cal: _Calendar, p: dict, ident: dict, f: dict, campaigns: list[dict]):
    """Forum events -> discourse_topics, discourse_posts, truth_feedback (+ served-post stats for users)."""
    rng = _rng(seed, "forum-tables")
    H_win = cal.h_win
    win_ms = H_win * 3_600_000
    top, po = f["topics"], f["posts"]
    persona, comm = p["persona"], p["comm"]

    # timestamps in ms; a reply is always at least 1 ms after its topic's first post
    t_ms = cal.ms(po["t"])
    top_ms = cal.ms(top["t"])
    t_ms = np.where(po["first"], top_ms[po["topic"]], np.maximum(t_ms, top_ms[po["topic"]] + 1))
    n = len(t_ms)

    # post_number within topic (opening post first)
    order = np.lexsort((~po["first"], t_ms, po["topic"]))
    ts_sorted = po["topic"][order]
    starts = np.searchsorted(ts_sorted, ts_sorted, side="left")
    pn = np.empty(n, dtype=np.int64)
    pn[order] = np.arange(n) - starts + 1
    reply_to = np.full(n, -1, dtype=np.int64)
    has_ref = po["ref"] >= 0
    reply_to[has_ref] = pn[po["ref"][has_ref]]
    rr = po["rand_reply"] & (pn >= 3) & (rng.random(n) < 0.35)
    reply_to[rr] = rng.integers(2, np.maximum(pn[rr], 3))

    # likes
    author = po["author"]
    ap = persona[author]
    kind = po["kind"]
    base = np.where(po["first"], 2.5, 0.8)
    base = np.where(kind == PK["showcase"], 4.0, base)
    base = np.where((kind == PK["answer_staff"]) | (kind == PK["answer_member"]), 1.5, base)
    base = np.where(ap == BOT, np.where(kind == PK["bot_digest"], 2.0, 0.0), base)
    base *= np.select([ap == LEADER, ap == CONTRIB, ap == STAFF], [2.0, 1.3, 1.5], 1.0)
    acc_posts = f["acc_post"][f["acc_post"] >= 0]
    base[acc_posts] += 2.0
    likes = rng.poisson(rng.gamma(0.7, np.maximum(base, 1e-9) / 0.7)).astype(np.int32)
    likes[base == 0] = 0

    # served posts: created inside the window
    served = t_ms < win_ms
    human = ap != BOT
    edited = served & human & (rng.random(n) < 0.06)
    upd_ms = t_ms.copy()
    upd_ms[edited] = np.minimum(
        t_ms[edited] + cal.ms(rng.lognormal(np.log(0.5), 1.5, edited.sum())), win_ms - 1
    )
    upd_ms = np.maximum(upd_ms, t_ms)
    version = np.where(edited & (upd_ms > t_ms), 2 + rng.poisson(0.3, n), 1).astype(np.int32)
    deleted = served & human & ~po["first"] & (rng.random(n) < 0.007)
    del_ms = t_ms + cal.ms(rng.lognormal(np.log(6.0), 1.5, n))
    deleted &= del_ms < win_ms
    upd_ms = np.where(deleted, np.maximum(upd_ms, del_ms), upd_ms)

    # ids: post_id and topic_id increase with created_at
    sidx = np.flatnonzero(served)
    sidx = sidx[np.lexsort((pn[sidx], po["topic"][sidx], t_ms[sidx]))]
    post_id = np.full(n, -1, dtype=np.int64)
    post_id[sidx] = 10_000 + np.cumsum(1 + (rng.random(len(sidx)) < 0.04))
    tserved = top_ms < win_ms
    tidx = np.flatnonzero(tserved)
    tidx = tidx[np.argsort(top_ms[tidx], kind="stable")]
    topic_id = np.full(len(top_ms), -1, dtype=np.int64)
    topic_id[tidx] = 100 + np.cumsum(1 + (rng.random(len(tidx)) < 0.03))

    # text
    lang = comm[author]
    raw_idx = POST_POOL.index(rng, np.maximum(kind, 0), lang)
    raw = POST_POOL.strings[raw_idx]
    # markup-like text that must be escaped downstream: each tricky template in turn
    weird = human & (kind >= 0) & (rng.random(n) < 0.008)
    wl = lang[weird]
    n_tpl = POST_POOL.size[PK["weird"], wl] // len(T.PRODUCTS)
    turn = np.arange(len(wl)) % n_tpl
    raw[weird] = POST_POOL.strings[POST_POOL.start[PK["weird"], wl] + turn * len(T.PRODUCTS)]
    kind = np.where(weird, PK["weird"], kind)
    for c in (0, 1):
        wm = (kind == -1) & (lang == c)
        raw[wm] = T.WELCOME_RAW[c]
        cm = (kind == -2) & (lang == c)
        raw[cm] = T.CAMPAIGN_RAW[c]
    greet = np.flatnonzero(kind == -3)
    if len(greet):
        target = po["ref"][greet]
        glang = comm[author[target]]
        user = ident["username"][author[target]]
        pre = np.array(
            [t.split("{u}")[0] for t in (T.POSTS["bot_greet"][0][0], T.POSTS["bot_greet"][1][0])], SD
        )
        suf = np.array(
            [
                T.POSTS["bot_greet"][i][0].split("{u}")[1].replace("{b}", b)
                for i, b in ((0, T.BRAND_ZH), (1, T.BRAND_EN))
            ],
            SD,
        )
        raw[greet] = _cat(pre[glang], user, suf[glang]).astype(object)

    posts = pd.DataFrame(
        {
            "post_id": post_id[sidx],
            "topic_id": topic_id[po["topic"][sidx]],
            "post_number": pn[sidx].astype(np.int32),
            "user_id": p["user_id"][author[sidx]],
            "created_at": cal.ts_ms(t_ms[sidx]),
            "updated_at": cal.ts_ms(upd_ms[sidx]),
            "raw": pd.Series(raw[sidx], dtype="str"),
            "reply_to_post_number": _nint(reply_to[sidx], reply_to[sidx] < 0, "Int32"),
            "like_count": likes[sidx],
            "deleted_at": cal.ts_ms(del_ms[sidx], null=~deleted[sidx]),
            "version": version[sidx],
        }
    )

    sent_names = np.array(["neutral", "negative", "positive"], dtype=object)
    sent_code = np.zeros(len(PK) + 3, dtype=np.int64)
    for k, i in PK.items():
        sent_code[i] = {"neutral": 0, "negative": 1, "positive": 2}[T.SENTIMENT.get(k, "neutral")]
    hs = sidx[human[sidx]]
    feedback = pd.DataFrame(
        {
            "post_id": post_id[hs],
            "sentiment": pd.Series(sent_names[sent_code[np.maximum(kind[hs], 0)]], dtype="str"),
            "lang": pd.Series(np.array(LANGS, dtype=object)[lang[hs]], dtype="str"),
        }
    )

    # topics
    live = served & ~deleted
    nt = len(top_ms)
    posts_count = np.bincount(po["topic"][live], minlength=nt).astype(np.int32)
    like_count = np.bincount(po["topic"][live], weights=likes[live], minlength=nt).astype(np.int32)
    last_ms = np.full(nt, -1, dtype=np.int64)
    np.maximum.at(last_ms, po["topic"][served], t_ms[served])
    acc_ok = (f["acc_post"] >= 0) & (f["acc_t"] < H_win)
    acc_ok[acc_ok] &= served[f["acc_post"][acc_ok]]
    acc_id = np.where(acc_ok, post_id[np.maximum(f["acc_post"], 0)], -1)

    tkind = top["tkind"]
    tlang = top["comm"]
    t_idx = TITLE_POOL.index(rng, np.maximum(tkind, 0), tlang)
    title = TITLE_POOL.strings[t_idx].copy()
    slug = TITLE_POOL.slugs[t_idx].copy()
    spec = top["special"]
    for i in np.flatnonzero(spec >= 0):
        lg = int(tlang[i])
        if spec[i] == 0:
            title[i] = T.WELCOME_TITLE[lg]
        elif spec[i] == 1:
            week = cal.first_monday + dt.timedelta(days=7 * int(top["t"][i] // 168))
            iso = week.isocalendar()
            title[i] = T.DIGEST_TITLE[lg].format(w=f"{iso[0]}-W{iso[1]:02d}")
        else:
            c = next(x for x in campaigns if x["number"] == top["qnum"][i])
            title[i] = T.CAMPAIGN_TITLE[lg].format(c=c["name"])
        slug[i] = _slugify(title[i])
    views = np.round(
        posts_count * rng.lognormal(np.log(12.0), 0.6, nt) + like_count * 2 + rng.integers(3, 30, nt)
    ).astype(np.int32)

    ti = tidx
    topics = pd.DataFrame(
        {
            "topic_id": topic_id[ti],
            "title": pd.Series(title[ti], dtype="str"),
            "slug": pd.Series(slug[ti], dtype="str"),
            "category_id": (5 + top["cat"][ti]).astype(np.int64),
            "user_id": p["user_id"][top["author"][ti]],
            "created_at": cal.ts_ms(top_ms[ti]),
            "bumped_at": cal.ts_ms(last_ms[ti]),
            "last_posted_at": cal.ts_ms(last_ms[ti]),
            "posts_count": posts_count[ti],
            "pinned": f["pinned"][ti],
            "closed": f["closed_t"][ti] < H_win,
            "archetype": pd.Series(np.full(len(ti), "regular", dtype=object), dtype="str"),
            "accepted_answer_post_id": _nint(acc_id[ti], acc_id[ti] < 0),
            "has_accepted_answer": acc_id[ti] >= 0,
            "views": views[ti],
            "like_count": like_count[ti],
        }
    )

    # per person: last served post (for last_seen_at) and future posts per week (truth_future)
    P = len(persona)
    last_post = np.full(P, -np.inf)
    np.maximum.at(last_post, author[served], po["t"][served])
    fut = (po["t"] >= H_win) & (po["t"] < cal.h_all)
    return topics, posts, feedback, last_post, (author[fut], po["t"][fut])


# --------------------------------------------------------------------------------------------------- shop


def _shop(seed: int, cal: _Calendar, p: dict, ident: dict, curves, lookup, campaigns) -> dict:
    rng = _rng(seed, "shop")
    H_win, H_all = cal.h_win, cal.h_all
    persona, comm, member = p["persona"], p["comm"], p["member"]
    P = len(persona)

    buyer = np.where(member, rng.random(P) < BUYER_P[persona], True)
    staff0 = int(np.flatnonzero(persona == STAFF)[0])
    buyer[staff0] = True
    cs = np.where(member, p["joined"] + np.minimum(rng.exponential(6 * 168, P), 0.8 * p["life"]), p["joined"])
    cs[staff0] = p["joined"][staff0]
    one_time = rng.random(P) < np.where(member, 0.35, 0.45)
    one_time[staff0] = False
    has_account = rng.random(P) < 0.82
    has_account[staff0] = True
    rate = np.where(member, ORDER_RATE[persona], SHOP_ONLY_ORDER_RATE)
    rate = rate * rng.gamma(1.5, 1 / 1.5, P)

    # first orders at "customer since"; repeat buyers then follow their Poisson process
    fb = np.flatnonzero(buyer & (cs >= 0) & (cs < H_all))
    f_t = cs[fb] + rng.uniform(0.03, 0.4, len(fb))
    rb = np.flatnonzero(buyer & ~one_time & (rate > 0))
    owner, a, b = _segments(p, rb, np.maximum(cs[rb] + 0.5, 0.0))
    key = lookup[1, comm[owner], p["tzi"][owner], p["pattern"][owner]]
    seg, t = curves.sample(rng, key, rate[owner] / 168.0, a, b)
    n_test = 4
    test_t = rng.uniform(0.1, 0.9, n_test) * H_win
    o_p = np.concatenate([fb, owner[seg], np.full(n_test, staff0)])
    o_t = np.concatenate([f_t, t, test_t])
    o_first = np.concatenate([np.ones(len(fb), bool), np.zeros(len(seg) + n_test, bool)])
    o_test = np.concatenate([np.zeros(len(fb) + len(seg), bool), np.ones(n_test, bool)])
    o_t = np.minimum(o_t, H_all - 1e-6)
    srt = np.argsort(o_t, kind="stable")
    o_p, o_t, o_first, o_test = o_p[srt], o_t[srt], o_first[srt], o_test[srt]
    n = len(o_p)
    oc = comm[o_p]

    # campaign attribution (exposed persons inside the campaign period)
    o_cmp = np.full(n, -1)
    for i, c in enumerate(campaigns):
        m = p["exposed"][i][o_p] & (o_t >= c["s_h"]) & (o_t < c["e_h"])
        o_cmp[m] = i

    # lines
    variants = [(pi, v) for pi, prod in enumerate(T.PRODUCTS) for v in prod[6]]
    v_prod = np.array([pi for pi, _ in variants])
    v_price = np.array([v[2] for _, v in variants], dtype=np.int64)
    w = np.array([[T.PRODUCTS[pi][4 + c] / len(T.PRODUCTS[pi][6]) for pi, _ in variants] for c in (0, 1)])
    n_lines = 1 + _pick(rng, [0.58, 0.27, 0.1, 0.05], n)
    l_o = np.repeat(np.arange(n), n_lines)
    nl = len(l_o)
    l_v = np.empty(nl, dtype=np.int64)
    for c in (0, 1):
        m = oc[l_o] == c
        l_v[m] = _pick(rng, w[c], m.sum())
    l_q = (1 + _pick(rng, [0.85, 0.12, 0.03], nl)).astype(np.int32)
    l_price = v_price[l_v]
    gross = np.bincount(l_o, weights=l_price * l_q, minlength=n).astype(np.int64)

    # discounts
    code = np.full(n, -1)  # index into codes list below
    codes = [c["coupon_code"] for c in campaigns] + ["WELCOME10", "VIP88", "TEST100"]
    pct = np.zeros(n)
    has_coupon = np.array([c["coupon_code"] is not None for c in campaigns] + [False])
    cm = (o_cmp >= 0) & has_coupon[o_cmp] & (rng.random(n) < 0.6)
    code[cm] = o_cmp[cm]
    pct[cm] = np.array([c["pct"] for c in campaigns])[o_cmp[cm]] / 100
    wm = (code < 0) & o_first & (rng.random(n) < 0.3)
    code[wm] = len(campaigns)
    pct[wm] = 0.10
    vm = (code < 0) & (persona[o_p] == LEADER) & (rng.random(n) < 0.15) & (gross >= 30000)
    code[vm] = len(campaigns) + 1
    code[o_test] = len(campaigns) + 2
    disc = np.round(gross * pct).astype(np.int64)
    disc[vm] = 8800
    disc[o_test] = gross[o_test]
    subtotal = gross - disc
    tax = np.round(subtotal * 13 / 113).astype(np.int64)

    # channel, guest checkout, contact details
    r = rng.random(n)
    pos = (oc == 0) & (r < 0.025) & ~o_test
    draft = ((r >= 0.025) & (r < 0.037)) | o_test
    s = rng.random(n)
    source = np.where(
        pos,
        "pos",
        np.where(
            draft, "shopify_draft_order", np.where(s < 0.78, "web", np.where(s < 0.9, "iphone", "android"))
        ),
    )
    guest = pos | (draft & ~o_test) | ~has_account[o_p] | (rng.random(n) < 0.07)
    guest[o_test] = False

    # cancellations, refunds, fulfilment (on the full horizon; the served view cuts at the window end)
    cancelled = ~o_test & (rng.random(n) < 0.01)
    cancel_t = np.where(cancelled, o_t + rng.lognormal(np.log(3.0), 1.0, n), np.inf)
    cancel_paid = cancelled & (rng.random(n) < 0.3)
    refunded = ~cancelled & ~o_test & (subtotal > 0) & (rng.random(n) < 0.03)
    refund_t = np.where(refunded, o_t + rng.lognormal(np.log(120.0), 0.7, n), np.inf)
    refund_t = np.where(cancel_paid, cancel_t + 0.1, refund_t)
    first_line = np.searchsorted(l_o, np.arange(n))
    partial = refunded & (rng.random(n) < 0.4)
    refund_amt = np.where(partial, np.minimum(l_price[first_line], subtotal), subtotal)
    fulfil_t = np.where(cancelled, np.inf, o_t + rng.uniform(4, 48, n))

    return dict(
        o_p=o_p,
        o_t=o_t,
        o_first=o_first,
        o_test=o_test,
        o_cmp=o_cmp,
        n_lines=n_lines,
        l_o=l_o,
        l_v=l_v,
        l_q=l_q,
        l_price=l_price,
        v_prod=v_prod,
        variants=variants,
        gross=gross,
        disc=disc,
        subtotal=subtotal,
        tax=tax,
        code=code,
        codes=codes,
        source=source,
        guest=guest,
        pos=pos,
        draft=draft,
        cancelled=cancelled,
        cancel_t=cancel_t,
        cancel_paid=cancel_paid,
        refunded=refunded | cancel_paid,
        partial=partial,
        refund_t=refund_t,
        refund_amt=refund_amt,
        fulfil_t=fulfil_t,
        buyer=buyer,
        cs=cs,
        has_account=has_account,
    )


def _shop_tables(seed: int, cal: _Calendar, p: dict, ident: dict, s: dict, campaigns: list[dict]):
    rng = _rng(seed, "shop-tables")
    H_win = cal.h_win
    persona, comm, member = p["persona"], p["comm"], p["member"]
    P = len(persona)

    # customer accounts (primary, and a second one for a few people)
    acct = np.flatnonzero(s["buyer"] & s["has_account"] & (s["cs"] < H_win))
    n1 = len(acct)
    second = acct[rng.random(n1) < 0.03]
    sec_from = np.maximum(s["cs"][second], 0.0)
    sec_t = sec_from + rng.random(len(second)) * (H_win - sec_from)
    c_p = np.concatenate([acct, second])
    c_t = np.concatenate([s["cs"][acct], sec_t])
    is_second = np.r_[np.zeros(n1, bool), np.ones(len(second), bool)]
    nc = len(c_p)

    canon = ident["email"][c_p]
    no_email = ident["no_email"][c_p]
    alt = member[c_p] & ~no_email & (rng.random(nc) < 0.06) & ~is_second & (persona[c_p] != STAFF)
    work = np.array(T.WORK_EMAIL_DOMAINS, dtype=SD)[rng.integers(0, len(T.WORK_EMAIL_DOMAINS), nc)]
    local_alt = np.where(
        comm[c_p] == 0,
        _cat(ident["giv_py"][c_p], ".", ident["sur_py"][c_p]),
        _cat(np.strings.lower(ident["first"][c_p]), ".", np.strings.lower(ident["last"][c_p])),
    )
    alt_email = _cat(local_alt, _s(ident["uniq"][c_p]), "@", work)
    parts = np.strings.partition(canon, np.array("@", dtype=SD))
    plus = _cat(parts[0], "+shop@", parts[2])
    has_phone = ident["has_phone"][c_p]
    c_email = np.where(alt, alt_email, canon)
    c_email = np.where(is_second, plus, c_email)
    c_email_null = no_email | (is_second & has_phone)
    c_email = _messy_email(rng, c_email)
    c_phone_on = has_phone & ((rng.random(nc) < 0.6) | c_email_null)
    c_phone = _typed_phone(rng, ident, c_p)

    corder = np.argsort(c_t, kind="stable")
    cust_id = np.empty(nc, dtype=np.int64)
    cust_id[corder] = 7_100_000_000_000 + np.cumsum(rng.integers(10_000, 2_000_000, nc))
    primary_of = np.full(P, -1)
    primary_of[acct] = np.arange(n1)
    second_of = np.full(P, -1)
    second_of[second] = n1 + np.arange(len(second))

    # orders (served: created inside the window)
    o_p, o_t = s["o_p"], s["o_t"]
    served = o_t < H_win
    n = len(o_p)
    account_order = ~s["guest"] & (primary_of[o_p] >= 0)
    guest = ~account_order
    so = second_of[o_p]
    use_second = (
        account_order
        & (so >= 0)
        & (o_t > np.where(so >= 0, c_t[np.maximum(so, 0)], np.inf))
        & (rng.random(n) < 0.4)
    )
    o_cust = np.where(use_second, so, primary_of[o_p])
    o_cust = np.where(account_order, o_cust, -1)
    cust_id_o = np.where(o_cust >= 0, cust_id[np.maximum(o_cust, 0)], -1)

    noreply = (s["pos"] & (rng.random(n) < 0.4)) | (s["draft"] & ~s["o_test"])
    guest_email = _messy_email(rng, ident["email"][o_p])
    o_email = np.where(account_order, c_email[np.maximum(o_cust, 0)], guest_email)
    o_email = np.where(noreply, T.SHOP_NOREPLY_EMAIL, o_email)
    o_email_null = np.where(account_order, c_email_null[np.maximum(o_cust, 0)], ident["no_email"][o_p])
    o_email_null = (o_email_null | (s["pos"] & ~noreply)) & ~noreply
    person_phone = ident["has_phone"][o_p]
    o_phone = _typed_phone(rng, ident, o_p)
    phone_on = person_phone & (
        np.where(account_order, rng.random(n) < 0.25, rng.random(n) < 0.5) | (o_email_null & ~s["pos"])
    )
    shop_phone = np.array(T.SHOP_PHONE_TYPED, dtype=SD)[rng.integers(0, len(T.SHOP_PHONE_TYPED), n)]
    o_phone = np.where(s["pos"], shop_phone, o_phone)
    phone_on |= s["pos"]

    # landing site
    handle = np.array([T.PRODUCTS[pi][0] for pi in range(len(T.PRODUCTS))], dtype=SD)[
        s["v_prod"][s["l_v"][np.searchsorted(s["l_o"], np.arange(n))]]
    ]
    cmp_utm = np.array([c["utm_campaign"] or "" for c in campaigns] + [""], dtype=SD)
    cmp_src = np.array([UTM_SOURCE[c["channel"]][0] for c in campaigns] + [""], dtype=SD)
    cmp_med = np.array([UTM_SOURCE[c["channel"]][1] for c in campaigns] + [""], dtype=SD)
    oc = s["o_cmp"]
    has_utm = np.array([c["utm_campaign"] is not None for c in campaigns] + [False])[oc]
    utm = (oc >= 0) & has_utm & (rng.random(n) < 0.65) & (s["source"] == "web")
    r = rng.random(n)
    landing = np.where(r < 0.4, _cat("/products/", handle), np.where(r < 0.7, "/", "/collections/all"))
    landing = np.where(r > 0.96, "/?utm_source=google&utm_medium=cpc&utm_campaign=brand_search", landing)
    landing = np.where(
        utm,
        _cat(
            "/products/",
            handle,
            "?utm_source=",
            cmp_src[oc],
            "&utm_medium=",
            cmp_med[oc],
            "&utm_campaign=",
            cmp_utm[oc],
        ),
        landing,
    )
    landing_null = (s["source"] != "web") & ~utm

    # statuses as seen at the window end
    cancel_served = s["cancel_t"] < H_win
    refund_served = s["refunded"] & (s["refund_t"] < H_win)
    fulfil_served = s["fulfil_t"] < H_win
    pending = ~s["o_test"] & (o_t > H_win - 24) & (rng.random(n) < 0.3) & ~cancel_served
    fin = np.where(pending, "pending", "paid")
    fin = np.where(refund_served, np.where(s["partial"], "partially_refunded", "refunded"), fin)
    fin = np.where(cancel_served, np.where(s["cancel_paid"] & refund_served, "refunded", "voided"), fin)
    fulfil_null = ~fulfil_served | cancel_served
    upd = o_t.copy()
    for t in (s["cancel_t"], np.where(refund_served, s["refund_t"], np.inf), s["fulfil_t"]):
        upd = np.where(t < H_win, np.maximum(upd, t), upd)

    si = np.flatnonzero(served)  # already in created_at order
    ns = len(si)
    order_id = np.full(n, -1, dtype=np.int64)
    order_id[si] = 5_600_000_000_000 + np.cumsum(rng.integers(1_000, 90_000, ns))
    code = s["code"]
    codes = np.array(s["codes"], dtype=object)
    orders = pd.DataFrame(
        {
            "order_id": order_id[si],
            "order_number": 1001 + np.arange(ns, dtype=np.int64),
            "name": _str(np.strings.add("#", _s(1001 + np.arange(ns)))),
            "customer_id": _nint(cust_id_o[si], cust_id_o[si] < 0),
            "email": _str(o_email[si], o_email_null[si]),
            "phone": _str(o_phone[si], ~phone_on[si]),
            "created_at": cal.ts(o_t[si], "s"),
            "updated_at": cal.ts(upd[si], "s"),
            "processed_at": cal.ts(o_t[si], "s"),
            "cancelled_at": cal.ts(np.where(cancel_served, s["cancel_t"], np.nan)[si], "s"),
            "financial_status": _str(fin[si]),
            "fulfillment_status": _str(np.full(ns, "fulfilled", dtype=object), fulfil_null[si]),
            "currency": _str(np.full(ns, "CNY", dtype=object)),
            "subtotal_price": _money(s["subtotal"][si]),
            "total_discounts": _money(s["disc"][si]),
            "total_tax": _money(s["tax"][si]),
            "total_price": _money(s["subtotal"][si]),
            "discount_code": _str(codes[np.maximum(code[si], 0)], code[si] < 0),
            "landing_site": _str(landing[si], landing_null[si]),
            "source_name": _str(s["source"][si]),
            "test": s["o_test"][si],
        }
    )

    # lines of served orders
    lm = served[s["l_o"]]
    nl = int(lm.sum())
    variants = s["variants"]
    v_sku = np.array([v[0] for _, v in variants], dtype=object)
    v_title = np.array([T.PRODUCTS[pi][1] for pi, _ in variants], dtype=object)
    prod_ids = 8_100_000_000 + np.arange(len(T.PRODUCTS), dtype=np.int64) * 7_919
    var_ids = 44_000_000_000 + np.arange(len(variants), dtype=np.int64) * 104_729
    lv = s["l_v"][lm]
    lines = pd.DataFrame(
        {
            "line_id": 14_000_000_000_000 + np.cumsum(rng.integers(1, 500, nl)),
            "order_id": order_id[s["l_o"][lm]],
            "product_id": prod_ids[s["v_prod"][lv]],
            "variant_id": var_ids[lv],
            "sku": pd.Series(v_sku[lv], dtype="str"),
            "title": pd.Series(v_title[lv], dtype="str"),
            "quantity": s["l_q"][lm],
            "price": _money(s["l_price"][lm]),
        }
    )

    # refunds seen by the window end
    ri = np.flatnonzero(served & refund_served)
    ri = ri[np.argsort(s["refund_t"][ri], kind="stable")]
    note_idx = rng.integers(0, len(T.REFUND_NOTES), len(ri))
    notes = np.array([[z for z, _ in T.REFUND_NOTES], [e for _, e in T.REFUND_NOTES]], dtype=object)
    refunds = pd.DataFrame(
        {
            "refund_id": 900_000_000_000 + np.cumsum(rng.integers(100, 5_000, len(ri))),
            "order_id": order_id[ri],
            "created_at": cal.ts(s["refund_t"][ri], "s"),
            "amount": _money(s["refund_amt"][ri]),
            "note": pd.Series(notes[comm[o_p[ri]], note_idx], dtype="str"),
        }
    )

    # customers
    last_order = np.full(nc, -np.inf)
    om = served & (o_cust >= 0)
    np.maximum.at(last_order, o_cust[om], o_t[om])
    c_upd = np.minimum(np.maximum(c_t, last_order) + rng.uniform(0, 0.5, nc), H_win - 1e-6)
    c_upd = np.maximum(c_upd, c_t)
    cn = comm[c_p] == 0
    pinyin = rng.random(nc) < 0.2
    first_name = np.where(
        cn,
        np.where(pinyin, np.strings.capitalize(ident["giv_py"][c_p]), ident["giv_zh"][c_p]),
        ident["first"][c_p],
    )
    last_name = np.where(
        cn,
        np.where(pinyin, np.strings.capitalize(ident["sur_py"][c_p]), ident["sur_zh"][c_p]),
        ident["last"][c_p],
    )
    name_null = rng.random(nc) < 0.03
    state = np.array(["enabled", "disabled", "invited", "declined"], dtype=object)[
        _pick(rng, [0.85, 0.04, 0.06, 0.05], nc)
    ]
    tags = np.full(nc, "", dtype=SD)
    spend = np.zeros(P)
    np.add.at(spend, o_p[served], s["subtotal"][served])
    for mask, tag in (
        (member[c_p], "community"),
        ((persona[c_p] == LEADER) | (spend[c_p] > 300_000), "vip"),
        (ident["has_wechat"][c_p] & (rng.random(nc) < 0.5), None),
        (rng.random(nc) < 0.01, "wholesale"),
    ):
        value = _cat("wechat:", ident["unionid"][c_p]) if tag is None else tag
        tags = np.where(mask, np.where(tags == "", value, _cat(tags, ", ", value)), tags)
    customers = (
        pd.DataFrame(
            {
                "customer_id": cust_id,
                "email": _str(c_email, c_email_null),
                "phone": _str(c_phone, ~c_phone_on),
                "first_name": _str(first_name, name_null),
                "last_name": _str(last_name, name_null),
                "created_at": cal.ts(c_t, "s"),
                "updated_at": cal.ts(c_upd, "s"),
                "state": _str(state),
                "accepts_marketing": rng.random(nc) < 0.55,
                "tags": _str(tags),
                "verified_email": ~c_email_null & (rng.random(nc) < 0.9),
            }
        )
        .iloc[corder]
        .reset_index(drop=True)
    )

    # discount codes
    rows = []
    for i, c in enumerate(campaigns):
        if c["coupon_code"]:
            rows.append((c["coupon_code"], c["s_h"] - 48.0, i, c["campaign_id"]))
    rows += [
        ("WELCOME10", -200 * 24.0, len(campaigns), None),
        ("VIP88", -120 * 24.0, len(campaigns) + 1, None),
        ("TEST100", -300 * 24.0, len(campaigns) + 2, None),
        ("SUMMER2024", -400 * 24.0, -9, None),
    ]
    used = served & (code >= 0)
    usage = np.bincount(code[used], minlength=len(campaigns) + 3)
    last_use = np.full(len(campaigns) + 3, -np.inf)
    np.maximum.at(last_use, code[used], o_t[used])
    dc_created = np.array([r[1] for r in rows])
    dc_upd = np.array([max(r[1], last_use[r[2]]) if r[2] >= 0 else r[1] for r in rows])
    discount_codes = pd.DataFrame(
        {
            "discount_code_id": 15_000_000_000 + np.arange(len(rows), dtype=np.int64) * 1_117,
            "price_rule_id": 1_200_000_000 + np.arange(len(rows), dtype=np.int64) * 331,
            "code": pd.Series([r[0] for r in rows], dtype="str"),
            "usage_count": np.array([usage[r[2]] if r[2] >= 0 else 0 for r in rows], dtype=np.int32),
            "created_at": cal.ts(dc_created, "s"),
            "updated_at": cal.ts(dc_upd, "s"),
            "campaign_id": pd.Series([r[3] for r in rows], dtype="str"),
        }
    )

    accounts = (c_p, cust_id)
    guest_orders = (o_p[si][guest[si]], order_id[si][guest[si]])
    fut = (o_t >= H_win) & ~s["o_test"]
    future = (o_p[fut], o_t[fut], np.where(s["cancelled"][fut], 0, s["subtotal"][fut]))
    return dict(
        customers=customers,
        orders=orders,
        lines=lines,
        refunds=refunds,
        discount_codes=discount_codes,
        accounts=accounts,
        guest_orders=guest_orders,
        future=future,
    )


# --------------------------------------------------------------------------------------------------- world


# the tables generate_world lists first, as it always has: Discourse and Shopify, then the ground truth
CORE_TABLES = SERVED_TABLES + TRUTH_TABLES


def _extend(kept: dict[str, pd.DataFrame], seed: int, cal, emit) -> None:
    """Let each platform module under pulse/sandbox/worlds/ derive its tables from the people and campaigns
    (`kept`: the core tables they read); each table goes to `emit` as soon as its module returns it."""
    from pulse.sandbox.worlds import extenders

    meta = {
        "seed": int(seed),
        "window_start_utc": str(cal.ts(np.array([0.0]))[0]),
        "window_end_utc": str(cal.ts(np.array([float(cal.h_win)]))[0]),
        "communities": list(COMMUNITIES),
    }
    for _name, extend in extenders():
        new = extend(World(tables=dict(kept), meta=meta), seed)
        extra = new.pop("truth_accounts", None)
        if extra is not None and len(extra):
            kept["truth_accounts"] = pd.concat([kept["truth_accounts"], extra], ignore_index=True)
        for name in list(new):
            emit(name, new.pop(name))


def generate_world(
    seed: int, members: int, weeks: int, end_date: dt.date | None = None, variant_b_lift: float = 1.0
) -> World:
    """A deterministic brand community and store: same arguments, same tables.

    The data window is the `weeks` full ISO weeks (Asia/Shanghai) ending on the Sunday before `end_date`
    (default 2026-01-05, so the data ends Sunday 2026-01-04). The first campaign (AB_TEST_CAMPAIGN) is an A/B
    test the CRM may export (write_drops(ab_test=...)): its exposed persons split into variant_a and variant_b
    (campaign_variant_b); variant_b's order lift is the campaign's times `variant_b_lift` (1.0: the two
    messages work the same, and the world is the one it was before A/B tests existed).
    """
    made: dict[str, pd.DataFrame] = {}
    meta = _generate(seed, members, weeks, end_date, variant_b_lift, made.__setitem__)
    order = [n for n in CORE_TABLES if n in made] + [n for n in made if n not in CORE_TABLES]
    return World(tables={n: made[n] for n in order}, meta=meta)


def write_world(
    path, seed: int, members: int, weeks: int, end_date: dt.date | None = None, variant_b_lift: float = 1.0
) -> dict:
    """`generate_world(...).write(path)` without holding the world: each table is written to Parquet as soon as
    it is made and dropped. Same files, same `world.json`; the memory a world of a million members needs falls
    from all its tables at once to the largest platform's (`make bench SCALE=L`). Returns world.json's content."""
    from pulse.sandbox.tables import TableWriter

    with TableWriter(path) as writer:
        meta = _generate(seed, members, weeks, end_date, variant_b_lift, writer.write)
        return writer.finish(meta, order=CORE_TABLES)


def _generate(seed, members, weeks, end_date, variant_b_lift, emit) -> dict:
    """Make the world's tables, handing each to `emit(name, frame)` once it is final; returns the world's meta."""
    started = time.perf_counter()
    if members < 50:
        raise ValueError(f"members={members}: need at least 50 to fill the personas")
    if weeks < 2:
        raise ValueError(f"weeks={weeks}: need at least 2 full weeks")
    end_date = end_date or DEFAULT_END_DATE
    cal = _calendar(weeks, end_date)

    if variant_b_lift <= 0:
        raise ValueError(f"variant_b_lift={variant_b_lift}: must be positive")
    campaigns = _make_campaigns(_rng(seed, "campaigns"), cal, members)
    ab = campaigns[0]  # cmp-01: campaigns are numbered by start
    ab["variant_b_order_lift"] = round(ab["order_lift"] * variant_b_lift, 4)
    # variant_b's different lift is one more curve bit, set after the campaign's own so that it wins
    arm_b = [] if variant_b_lift == 1.0 else [{**ab, "order_lift": ab["variant_b_order_lift"]}]
    for extra in arm_b:
        extra["bit"] = sum(c["comm"] == ab["comm"] for c in campaigns)
    act_day, ord_day = _day_factors(cal, _rng(seed, "calendar"))
    curves, lookup, join_curves, join_key = _build_curves(cal, campaigns + arm_b, act_day, ord_day)
    p = _people(seed, cal, members, join_curves, join_key)

    # campaign exposure -> the curve pattern of each person
    eligible = (p["persona"] != STAFF) & (p["persona"] != BOT)
    p["exposed"] = []
    p["pattern"] = np.zeros(len(p["pid"]), dtype=np.int64)
    for c in campaigns:
        exp = (
            eligible
            & (p["comm"] == c["comm"])
            & ~campaign_holdout(seed, c["number"], p["pid"], c["holdout_share"])
        )
        p["exposed"].append(exp)
        p["pattern"] |= exp.astype(np.int64) << c["bit"]
    for extra in arm_b:
        b = p["exposed"][0] & campaign_variant_b(seed, ab["number"], p["pid"])
        p["pattern"] |= b.astype(np.int64) << extra["bit"]

    ident = _identities(seed, p)

    # discourse user ids: system -1, discobot -2, everyone else by join order
    rng = _rng(seed, "users")
    is_user = p["member"]
    user_id = np.full(len(p["pid"]), -1, dtype=np.int64)
    sys_bots = (p["persona"] == BOT) & (p["role"] < 2)
    user_id[sys_bots] = -1 - p["role"][sys_bots]
    others = np.flatnonzero(is_user & ~sys_bots)
    user_id[others] = np.cumsum(1 + (rng.random(len(others)) < 0.05))
    p["user_id"] = user_id

    rows: dict[str, int] = {}

    def out(name: str, frame: pd.DataFrame) -> None:
        rows[name] = len(frame)
        emit(name, frame)

    # each part's working arrays are dropped once its tables are out (a million members' are gigabytes)
    f = _forum(seed, cal, p, ident, curves, lookup, campaigns)
    topics, posts, feedback, last_post, fut_posts = _forum_tables(seed, cal, p, ident, f, campaigns)
    incident = f["incident"]
    del f
    kept = {"discourse_users": _users(seed, cal, p, ident, last_post)}
    out("discourse_categories", _categories())
    out("discourse_topics", topics)
    out("discourse_posts", posts)
    out("truth_feedback", feedback)
    del topics, posts, feedback
    s = _shop(seed, cal, p, ident, curves, lookup, campaigns)
    shop = _shop_tables(seed, cal, p, ident, s, campaigns)
    del s
    for name in ("customers", "orders", "lines", "refunds", "discount_codes"):
        out("shopify_order_lines" if name == "lines" else f"shopify_{name}", shop[name])
    kept["persons"] = _persons(cal, p, ident)
    kept["truth_accounts"] = _accounts(p, shop)
    kept["campaigns"] = _campaigns_table(cal, campaigns)
    out("truth_future", _future(cal, p, fut_posts, shop["future"]))
    del shop, fut_posts
    _extend(kept, seed, cal, out)
    for name, frame in kept.items():
        out(name, frame)
    seconds = time.perf_counter() - started
    win_start = cal.ts(np.array([0.0]))[0]
    win_end = cal.ts(np.array([float(cal.h_win)]))[0]
    return {
        "generator": "pulse.sandbox.world",
        "version": VERSION,
        "seed": int(seed),
        "members": int(members),
        "weeks": int(weeks),
        "end_date": end_date.isoformat(),
        "variant_b_lift": float(variant_b_lift),
        "timezone": TIMEZONE,
        "window_start_local": cal.first_monday.isoformat(),
        "window_end_local": cal.last_sunday.isoformat(),
        "window_start_utc": str(win_start),
        "window_end_utc": str(win_end),
        "future_weeks": FUTURE_WEEKS,
        "timestamps": "naive UTC datetime64[us]; window is [window_start_utc, window_end_utc)",
        "money": "CNY Decimal(12,2); prices include 13% VAT; subtotal_price = sum(lines) - total_discounts; "
        "total_price = subtotal_price",
        "brand": T.BRAND_EN,
        "shop_domain": T.SHOP_DOMAIN,
        "communities": list(COMMUNITIES),
        "community_categories": {
            COMMUNITIES[c]: [slug for cc, _, _, slug, _ in T.CATEGORIES if cc == c] for c in (0, 1)
        },
        "bot_usernames": [b[0] for b in T.BOTS],
        "never_merge_identifiers": [T.SHOP_NOREPLY_EMAIL, T.SHOP_PHONE_E164],
        "incidents": [
            {
                "community": "brand_cn",
                "kind": "logistics_delay",
                "start_utc": str(cal.ts(np.array([incident[0]]))[0]),
                "end_utc": str(cal.ts(np.array([incident[1]]))[0]),
            }
        ],
        "campaign_exposure": "pulse.sandbox.world.campaign_exposure(world)",
        "records": int(sum(rows.values())),
        "generation_seconds": round(seconds, 3),
    }


def _users(seed: int, cal: _Calendar, p: dict, ident: dict, last_post: np.ndarray) -> pd.DataFrame:
    rng = _rng(seed, "users-table")
    H_win = cal.h_win
    idx = np.flatnonzero(p["member"])
    idx = idx[np.argsort(p["user_id"][idx], kind="stable")]
    n = len(idx)
    persona = p["persona"][idx]
    joined, churn = p["joined"][idx], p["churn"][idx]
    active_end = _active(p, idx, np.full(n, H_win - 1e-6))
    # last seen: recently if still active at the window end (a reactivation before it counts), else near churning
    seen = np.where(active_end, H_win - rng.exponential(40.0, n), churn - rng.uniform(0, 24, n))
    seen = np.maximum.reduce([seen, last_post[idx], joined + 0.01])
    seen = np.minimum(seen, H_win - 1e-6)
    role = p["role"][idx]
    bot = persona == BOT
    staff = persona == STAFF
    tl = np.select(
        [persona == LURKER, persona == CASUAL, persona == CONTRIB, persona == LEADER],
        [
            (rng.random(n) < 0.6).astype(int),
            1 + (rng.random(n) < 0.3),
            2 + (rng.random(n) < 0.3),
            3 + (rng.random(n) < 0.2),
        ],
        4,
    ).astype(np.int8)
    email = _messy_email(rng, ident["email"][idx])
    return pd.DataFrame(
        {
            "user_id": p["user_id"][idx],
            "username": _str(ident["username"][idx]),
            "name": _str(ident["name"][idx]),
            "email": _str(email, ident["no_email"][idx] | bot),
            "created_at": cal.ts(joined),
            "last_seen_at": cal.ts(seen),
            "admin": (staff & (role < 2)) | (bot & (role == 0)),
            "moderator": staff & (role >= 2),
            "trust_level": tl,
            "active": ~((persona == LURKER) & (rng.random(n) < 0.02)),
            "is_bot": bot,
        }
    )


def _categories() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "category_id": 5 + np.arange(len(T.CATEGORIES), dtype=np.int64),
            "name": pd.Series([c[2] for c in T.CATEGORIES], dtype="str"),
            "slug": pd.Series([c[3] for c in T.CATEGORIES], dtype="str"),
            "description": pd.Series([c[4] for c in T.CATEGORIES], dtype="str"),
        }
    )


def _persons(cal: _Calendar, p: dict, ident: dict) -> pd.DataFrame:
    H_all = cal.h_all
    churned = np.isfinite(p["churn"]) & (p["churn"] < H_all)
    react = np.isfinite(p["react"]) & (p["react"] < H_all)
    return pd.DataFrame(
        {
            "person_id": p["pid"],
            "email": _str(ident["email"], ident["no_email"] | (p["persona"] == BOT)),
            "phone_e164": _str(ident["e164"], ~ident["has_phone"]),
            "wechat_unionid": _str(ident["unionid"], ~ident["has_wechat"]),
            "persona": pd.Series(np.array(PERSONAS, dtype=object)[p["persona"]], dtype="str"),
            "home_community": pd.Series(np.array(COMMUNITIES, dtype=object)[p["comm"]], dtype="str"),
            "joined_at": cal.ts(p["joined"]),
            "churned_at": cal.ts(np.where(churned, p["churn"], np.nan)),
            "reactivated_at": cal.ts(np.where(react, p["react"], np.nan)),
            "lang": pd.Series(np.array(LANGS, dtype=object)[p["comm"]], dtype="str"),
        }
    )


def _accounts(p: dict, shop: dict) -> pd.DataFrame:
    users = np.flatnonzero(p["member"])
    c_p, cust_id = shop["accounts"]
    g_p, g_id = shop["guest_orders"]
    platform = np.repeat(
        np.array(["discourse", "shopify", "shopify_order"], dtype=object), [len(users), len(c_p), len(g_p)]
    )
    account = np.concatenate([_s(p["user_id"][users]), _s(cust_id), _s(g_id)])
    person = np.concatenate([p["pid"][users], p["pid"][c_p], p["pid"][g_p]])
    return pd.DataFrame(
        {"platform": pd.Series(platform, dtype="str"), "account_id": _str(account), "person_id": person}
    )


def _campaigns_table(cal: _Calendar, campaigns: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "campaign_id": pd.Series([c["campaign_id"] for c in campaigns], dtype="str"),
            "name": pd.Series([c["name"] for c in campaigns], dtype="str"),
            "community": pd.Series([COMMUNITIES[c["comm"]] for c in campaigns], dtype="str"),
            "channel": pd.Series([c["channel"] for c in campaigns], dtype="str"),
            "start_at": cal.ts(np.array([c["s_h"] for c in campaigns], dtype=float)),
            "end_at": cal.ts(np.array([c["e_h"] for c in campaigns], dtype=float)),
            "cost": _money(np.array([c["cost_cents"] for c in campaigns])),
            "coupon_code": pd.Series([c["coupon_code"] for c in campaigns], dtype="str"),
            "utm_campaign": pd.Series([c["utm_campaign"] for c in campaigns], dtype="str"),
            "holdout_share": np.array([c["holdout_share"] for c in campaigns]),
            "activity_lift": np.array([c["activity_lift"] for c in campaigns]),
            "order_lift": np.array([c["order_lift"] for c in campaigns]),
            "variant_b_order_lift": np.array([c.get("variant_b_order_lift", np.nan) for c in campaigns]),
        }
    )


def _future(cal: _Calendar, p: dict, fut_posts, fut_orders) -> pd.DataFrame:
    """Posts, orders and revenue per person and week for the FUTURE_WEEKS after the window; only rows where the
    person does something (a missing person-week means zero)."""
    H_win = cal.h_win
    pp, pt = fut_posts
    op, ot, oamt = fut_orders
    pk = pp * FUTURE_WEEKS + ((pt - H_win) // 168).astype(np.int64)
    ok = op * FUTURE_WEEKS + ((ot - H_win) // 168).astype(np.int64)
    keys = np.unique(np.concatenate([pk, ok]))
    posts = np.bincount(np.searchsorted(keys, pk), minlength=len(keys))
    orders = np.bincount(np.searchsorted(keys, ok), minlength=len(keys))
    revenue = np.bincount(np.searchsorted(keys, ok), weights=oamt, minlength=len(keys)).astype(np.int64)
    weeks = np.array(
        [cal.last_sunday + dt.timedelta(days=1 + 7 * w) for w in range(FUTURE_WEEKS)], dtype=object
    )
    return pd.DataFrame(
        {
            "person_id": p["pid"][keys // FUTURE_WEEKS],
            "week_start": weeks[keys % FUTURE_WEEKS],
            "posts": posts.astype(np.int32),
            "orders": orders.astype(np.int32),
            "revenue": _money(revenue),
        }
    )
