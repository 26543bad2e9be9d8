"""The brand's other stores and its offline life: a Youzan (有赞) WeChat store for the Chinese community, a small
global WooCommerce store, and what the shops and events export as files (POS orders, event check-ins).

Everything derives from the core world's `persons` and `campaigns`: who buys where depends on the home community,
persona and contact ids (Youzan buyers are WeChat users: mobile and union id; WooCommerce needs an email), orders
follow an inhomogeneous Poisson process per account (hour-of-day and weekday rhythm in the buyer's time zone,
campaign lift for exposed persons during their community's campaigns, heavy-tailed rates), events and check-ins
follow the campaigns and a fortnightly tasting. Randomness comes from named streams of the seed (crc32 of the
part's name), so the same arguments give the same tables. Timestamps are naive UTC `datetime64[us]` at second
precision; money is `decimal.Decimal` with 2 places (object columns): CNY on Youzan and in the shops, USD on
WooCommerce.

Served tables (what `pulse.sandbox.platforms.youzan` / `.woocommerce` serve and `pulse.sandbox.filedrops` writes):
| table | columns |
|---|---|
| `youzan_customers` | yz_open_id str, mobile str (nullable, 11 digits), name str, union_id str (nullable: the person's wechat_unionid), gender int8 (0 unknown, 1, 2), created_at, updated_at, is_member bool, member_level Int32 (nullable), points int32 (balance at the window end), source str |
| `youzan_trades` | tid str (`E` + local time + 9 digits), yz_open_id str, buyer_phone str (nullable), fans_id Int64 (nullable), created_at, pay_time, consign_time, success_time, update_time (NaT where not reached by the window end), status str (WAIT_BUYER_PAY, WAIT_SELLER_SEND_GOODS, WAIT_BUYER_CONFIRM_GOODS, TRADE_SUCCESS, TRADE_CLOSE), refund_state int8 (0 none, 1 partial, 2 full), total_fee, discount, post_fee, payment decimal, coupon_code str (nullable), buyer_message str (nullable), platform str |
| `youzan_trade_items` | oid int64, tid str, item_id int64, sku_id int64, outer_sku_id str, title str, sku_name str, num int32, price decimal, payment decimal |
| `youzan_points` | log_id int64, yz_open_id str, amount int32 (signed), balance int32 (after the change), event_type str, description str, tid str (nullable), created_at |
| `woo_customers` | customer_id int64, email str, first_name str, last_name str, username str, role str (customer, shop_manager, administrator), date_created, date_modified, billing_phone str (nullable), billing_country str, is_paying_customer bool |
| `woo_orders` | order_id int64, number str, customer_id int64 (0: guest), status str (pending, processing, completed, cancelled, refunded), currency str (USD), date_created, date_modified, date_paid, date_completed (NaT when not), billing_email str, billing_phone str (nullable), billing_first_name, billing_last_name, billing_country str, discount_total, shipping_total, total_tax, total decimal, payment_method str, created_via str, coupon_code str (nullable) |
| `woo_order_lines` | line_id int64, order_id int64, product_id int64, variation_id int64 (0: simple product), sku str, name str, quantity int32, price decimal (unit, before discounts), subtotal decimal, total decimal (after discounts) |
| `woo_refunds` | refund_id int64, order_id int64, amount decimal (positive), reason str, date_created |
| `woo_coupons` | coupon_id int64, code str, amount decimal, discount_type str, description str, date_created, date_modified, date_expires (NaT: never), usage_count int32, campaign_id str (nullable) |
| `offline_pos_orders` | order_no str, store_code str, store_name str, paid_at, amount decimal, items int32, phone str (nullable, as typed; the front desk's number for some walk-in guests), member_card str (nullable), payment_method str, cashier str |
| `offline_checkins` | checkin_id str, event_id str, event_name str, community str, city str, name str, phone str (nullable, as typed), email str (nullable, as typed), checked_in_at |

Ground truth: `truth_accounts` rows for `youzan` (yz_open_id), `woocommerce` (customer_id), `woocommerce_order`
(order_id of a guest checkout), `pos_order` (order_no) and `event_checkin` (checkin_id).
"""

from __future__ import annotations

import zlib
from decimal import Decimal

import numpy as np
import pandas as pd

from pulse.sandbox import text as T
from pulse.sandbox.tables import World
from pulse.sandbox.world import ORD_HOUR, ORD_WD, campaign_exposure, campaign_variants

TABLES = (
    "youzan_customers",
    "youzan_trades",
    "youzan_trade_items",
    "youzan_points",
    "woo_customers",
    "woo_orders",
    "woo_order_lines",
    "woo_refunds",
    "woo_coupons",
    "offline_pos_orders",
    "offline_checkins",
)

SD = np.dtypes.StringDType()
PERSONAS = ("lurker", "casual", "contributor", "leader", "staff", "bot")
LURKER, CASUAL, CONTRIB, LEADER, STAFF, BOT = range(6)
WEEK = 168.0

# Youzan: who buys (share of the Chinese community by persona) and how often (orders per active week, mean).
YZ_BUYER_P = np.array([0.55, 0.65, 0.75, 0.8, 0.4, 0.0])
YZ_RATE = np.array([0.25, 0.32, 0.42, 0.55, 0.05, 0.0])
# WooCommerce: the global community, an email needed.
WOO_BUYER_P = np.array([0.5, 0.6, 0.7, 0.75, 0.0, 0.0])
WOO_ACCOUNT_P = 0.7
WOO_RATE = np.array([0.25, 0.3, 0.4, 0.5, 0.0, 0.0])
WOO_SITE_TZ = "America/Los_Angeles"  # the WordPress site's time zone (local `date_created` has no offset)
# Offline: POS visitors and event-goers.
POS_VISIT_P = np.array([0.35, 0.45, 0.5, 0.6, 0.0, 0.0])
POS_RATE = np.array([0.15, 0.2, 0.25, 0.3, 0.0, 0.0])
EVENT_P = np.array([0.01, 0.05, 0.14, 0.35, 0.0, 0.0])

STORES = (("SH01", "上海旗舰店", 0.7), ("HZ02", "杭州西湖店", 0.3))
PAY_METHODS_CN = ("微信支付", "支付宝", "现金", "银行卡")
WOO_PAYMENT = (("stripe", 0.7), ("ppcp-gateway", 0.25), ("cod", 0.05))
WOO_COUNTRIES = ("US", "GB", "CA", "AU", "DE")
YZ_MESSAGES = ("请尽快发货", "送人的，麻烦不要放价格单", "要新鲜的茶哦", "周末送达，谢谢", "麻烦包装好一点")
YZ_SOURCES = ("wx_mp", "wx_miniprogram", "h5", "wx_mp")
CN_CITIES = ("上海", "杭州", "北京")
GLOBAL_CITIES = (("London", 0), ("New York", -5), ("San Francisco", -8))
WOO_REASONS = ("Damaged in transit", "Arrived late", "Wrong item", "Changed my mind", "")


def _rng(seed: int, name: str) -> np.random.Generator:
    return np.random.default_rng([int(seed), zlib.crc32(f"stores:{name}".encode())])


def _pick(rng: np.random.Generator, weights, size: int) -> np.ndarray:
    cdf = np.cumsum(np.asarray(weights, dtype=float))
    return np.searchsorted(cdf, rng.random(size) * cdf[-1], side="right")


def _s(values) -> np.ndarray:
    return np.asarray(values).astype(SD)


def _cat(*parts) -> np.ndarray:
    out = np.asarray(parts[0]).astype(SD)
    for p in parts[1:]:
        out = np.strings.add(out, p)
    return out


def _str(values, null: np.ndarray | None = None) -> pd.Series:
    obj = np.asarray(values).astype(object)
    if null is not None and np.any(null):
        obj = obj.copy()
        obj[np.asarray(null, dtype=bool)] = None
    return pd.Series(obj, dtype="str")


def _nint(values, null: np.ndarray, dtype: str = "Int64") -> pd.arrays.IntegerArray:
    np_dtype = np.int32 if dtype == "Int32" else np.int64
    return pd.arrays.IntegerArray(np.where(null, 0, values).astype(np_dtype), np.asarray(null, dtype=bool))


def _money(cents: np.ndarray) -> np.ndarray:
    """int64 cents -> object array of Decimal('12.30'), one Decimal per distinct amount."""
    cents = np.asarray(cents, dtype=np.int64)
    if len(cents) == 0:
        return np.empty(0, dtype=object)
    uniq, inv = np.unique(cents, return_inverse=True)
    return np.array([Decimal(int(c)).scaleb(-2) for c in uniq.tolist()], dtype=object)[inv]


def _unique_numbers(rng: np.random.Generator, n: int, base: int, step: int) -> np.ndarray:
    """n distinct random-looking integers >= base (a permutation spread by `step` plus jitter below it)."""
    return base + rng.permutation(n).astype(np.int64) * step + rng.integers(0, step, n)


class _Clock:
    """Hours since the window start (Monday 00:00 Asia/Shanghai) <-> naive UTC datetime64[us]."""

    def __init__(self, meta: dict):
        self.start = np.datetime64(pd.Timestamp(meta["window_start_utc"]).to_datetime64(), "us")
        end = np.datetime64(pd.Timestamp(meta["window_end_utc"]).to_datetime64(), "us")
        self.H = float((end - self.start) / np.timedelta64(1, "h"))

    def hours(self, series: pd.Series) -> np.ndarray:
        arr = series.to_numpy(dtype="datetime64[us]")
        out = (arr - self.start) / np.timedelta64(1, "h")
        return np.where(np.isnat(arr), np.nan, out).astype(float)

    def ts(self, hours) -> np.ndarray:
        """Hours -> datetime64[us] at second precision (NaT for non-finite)."""
        h = np.asarray(hours, dtype=float)
        bad = ~np.isfinite(h)
        sec = np.floor(np.where(bad, 0.0, h) * 3600).astype(np.int64)
        out = self.start + sec.astype("timedelta64[s]").astype("timedelta64[us]")
        if bad.any():
            out = out.copy()
            out[bad] = np.datetime64("NaT")
        return out

    def local_text(self, hours, offset_h: float = 8.0) -> np.ndarray:
        """`YYYYMMDDHHMMSS` in a fixed-offset zone (ids that embed the local time)."""
        local = self.ts(hours) + np.timedelta64(int(offset_h * 3600), "s")
        text = np.datetime_as_string(local.astype("datetime64[s]"), unit="s").astype(SD)
        for ch in ("-", "T", ":"):
            text = np.strings.replace(text, ch, "")
        return text


class _People:
    """The columns of `persons` this module needs, as arrays, plus display names."""

    def __init__(self, world: World, clock: _Clock, rng: np.random.Generator):
        p = world["persons"]
        self.pid = p["person_id"].to_numpy(dtype=np.int64)
        self.n = len(self.pid)
        self.persona = pd.Categorical(p["persona"], categories=PERSONAS).codes.astype(np.int64)
        self.comm = (p["home_community"].to_numpy(dtype=object) == "brand_global").astype(np.int64)
        self.joined = clock.hours(p["joined_at"])
        churn = clock.hours(p["churned_at"])
        self.churn = np.where(np.isnan(churn), np.inf, churn)
        react = clock.hours(p["reactivated_at"])
        self.react = np.where(np.isnan(react), np.inf, react)
        self.email = p["email"].to_numpy(dtype=object)
        self.has_email = p["email"].notna().to_numpy()
        self.phone = p["phone_e164"].to_numpy(dtype=object)
        self.has_phone = p["phone_e164"].notna().to_numpy()
        self.union = p["wechat_unionid"].to_numpy(dtype=object)
        self.has_union = p["wechat_unionid"].notna().to_numpy()
        self._names(world, rng)
        self.row_of = pd.Series(np.arange(self.n), index=self.pid)

    def _names(self, world: World, rng: np.random.Generator) -> None:
        n = self.n
        sur = np.array([s[0] for s in T.CN_SURNAMES], dtype=SD)[rng.integers(0, len(T.CN_SURNAMES), n)]
        giv = np.array([g[0] for g in T.CN_GIVEN], dtype=SD)[rng.integers(0, len(T.CN_GIVEN), n)]
        first = np.array(T.EN_FIRST, dtype=SD)[rng.integers(0, len(T.EN_FIRST), n)]
        last = np.array(T.EN_LAST, dtype=SD)[rng.integers(0, len(T.EN_LAST), n)]
        zh = np.strings.add(sur, giv)
        forum = np.zeros(n, bool)
        # members are known by their forum display name
        acc = world["truth_accounts"]
        users = world["discourse_users"]
        d = acc[acc["platform"] == "discourse"]
        if len(d) and len(users):
            named = users.set_index("user_id")["name"]
            uid = d["account_id"].astype("int64").to_numpy()
            names = named.reindex(uid).to_numpy(dtype=object)
            rows = pd.Series(np.arange(n), index=self.pid).reindex(d["person_id"].to_numpy()).to_numpy()
            ok = pd.notna(names) & pd.notna(rows)
            rows, names = rows[ok].astype(np.int64), names[ok]
            zh = zh.copy()
            cn = self.comm[rows] == 0
            zh[rows[cn]] = np.asarray(names[cn]).astype(SD)
            en = np.asarray(names[~cn]).astype(SD)
            parts = np.strings.partition(en, np.array(" ", dtype=SD))
            first, last = first.copy(), last.copy()
            first[rows[~cn]] = parts[0]
            last[rows[~cn]] = np.where(
                (parts[2] == "") | np.strings.startswith(parts[2], "("), "", parts[2]
            )  # staff: "Alice (Lumo Team)"
            forum[rows] = True
        # people outside the forum: the name their email was made from, where it shows (first.last123@)
        idx = np.flatnonzero(self.has_email & (self.comm == 1) & ~forum)
        local = np.strings.partition(self.email[idx].astype(SD), np.array("@", dtype=SD))[0]
        local = np.strings.rstrip(local, "0123456789")
        parts = [np.strings.partition(local, np.array(sep, dtype=SD)) for sep in (".", "_")]
        dot = parts[0][1] != ""
        a = np.where(dot, parts[0][0], parts[1][0])
        b = np.where(dot, parts[0][2], parts[1][2])
        ok = np.strings.isalpha(a) & np.strings.isalpha(b)
        first, last = first.copy(), last.copy()
        first[idx[ok]] = np.strings.capitalize(a[ok])
        last[idx[ok]] = np.strings.capitalize(b[ok])
        self.zh, self.first, self.last = zh, first, last

    def segments(
        self, idx: np.ndarray, start: np.ndarray, H: float
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Active intervals inside [0, H) of persons idx from `start`: [start, churn) and [reactivated, H)."""
        start = np.maximum(start, 0.0)
        a1, b1 = start, np.minimum(self.churn[idx], H)
        r = self.react[idx] < H
        a2 = np.maximum(self.react[idx[r]], start[r])
        owner = np.concatenate([np.arange(len(idx)), np.flatnonzero(r)])
        a = np.concatenate([a1, a2])
        b = np.concatenate([b1, np.full(r.sum(), H)])
        keep = b > a
        return owner[keep], a[keep], b[keep]


class _Campaigns:
    """Each campaign's community, period (hours) and order lift, and who was exposed (person rows)."""

    def __init__(self, world: World, people: _People, clock: _Clock):
        c = world["campaigns"]
        self.ids = c["campaign_id"].tolist()
        self.comm = (c["community"].to_numpy(dtype=object) == "brand_global").astype(np.int64)
        self.start = clock.hours(c["start_at"])
        self.end = clock.hours(c["end_at"])
        self.lift = c["order_lift"].to_numpy(dtype=float)
        self.activity = c["activity_lift"].to_numpy(dtype=float)
        self.coupon = np.array([None if pd.isna(x) else str(x) for x in c["coupon_code"]], dtype=object)
        self.names = c["name"].tolist()
        exp = (
            campaign_exposure(world)
            if len(c)
            else pd.DataFrame(columns=["campaign_id", "person_id", "exposed"])
        )
        self.exposed = np.zeros((len(c), people.n), dtype=bool)
        for i, cid in enumerate(self.ids):
            pids = exp.loc[(exp["campaign_id"] == cid) & exp["exposed"], "person_id"].to_numpy()
            self.exposed[i, people.row_of.reindex(pids).dropna().astype(np.int64).to_numpy()] = True
        # the order lift of each (campaign, exposed person): the campaign's, or its A/B test's variant_b lift
        self.person_lift = np.where(self.exposed, self.lift[:, None], 1.0)
        if len(c) and "variant_b_order_lift" in c:
            arms = campaign_variants(world)
            rows = people.row_of.reindex(arms["person_id"].to_numpy())
            keep = rows.notna().to_numpy()
            i = self.ids.index(arms["campaign_id"].iloc[0]) if len(arms) else 0
            self.person_lift[i, rows[keep].astype(np.int64).to_numpy()] = arms["order_lift"].to_numpy()[keep]

    def max_lift(self) -> float:
        """The largest order intensity factor (thinning needs a bound): 1 without campaigns."""
        return float(max([1.0, *self.lift.tolist(), *self.person_lift.ravel().tolist()]))

    def order_lift(self, person_rows: np.ndarray, t: np.ndarray, comm: int) -> np.ndarray:
        """The order intensity factor of each event: its person's lift in the campaign it falls in, else 1."""
        i = self.which(person_rows, t, comm)
        inside = i >= 0
        out = np.ones(len(t))
        out[inside] = self.person_lift[i[inside], person_rows[inside]]
        return out

    def which(self, person_rows: np.ndarray, t: np.ndarray, comm: int) -> np.ndarray:
        """The campaign (index) each event falls in for its exposed person, -1 for none."""
        out = np.full(len(t), -1)
        for i in range(len(self.ids)):
            if self.comm[i] == comm:
                m = (t >= self.start[i]) & (t < self.end[i]) & self.exposed[i, person_rows]
                out[m] = i
        return out


def _poisson(
    rng: np.random.Generator,
    a: np.ndarray,
    b: np.ndarray,
    rate_h: np.ndarray,
    factor,
    fmax: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Events of inhomogeneous Poisson processes by thinning: segment i has intensity rate_h[i] * factor(t, i) on
    [a[i], b[i]), factor <= fmax. Returns (segment index, time) sorted by time."""
    length = np.clip(b - a, 0.0, None)
    n = rng.poisson(rate_h * fmax * length)
    seg = np.repeat(np.arange(len(a)), n)
    t = a[seg] + rng.random(len(seg)) * length[seg]
    keep = rng.random(len(seg)) * fmax < factor(t, seg)
    seg, t = seg[keep], t[keep]
    order = np.argsort(t, kind="stable")
    return seg[order], t[order]


def _rhythm(t: np.ndarray, tz: np.ndarray, comm: np.ndarray) -> np.ndarray:
    """Order rhythm at hours t (since Monday 00:00 +08:00) for buyers at UTC offsets tz."""
    local = t + tz - 8.0
    hour = np.floor(local).astype(np.int64) % 24
    wd = np.floor(local / 24.0).astype(np.int64) % 7
    return ORD_HOUR[hour] * ORD_WD[comm, wd]


def _lines(rng: np.random.Generator, n: int, comm: int, sizes=(0.56, 0.28, 0.11, 0.05)):
    """Basket lines for n orders: (order index, variant index, quantity) and the variant catalogue."""
    variants = [(pi, v) for pi, prod in enumerate(T.PRODUCTS) for v in prod[6]]
    w = np.array([T.PRODUCTS[pi][4 + comm] / len(T.PRODUCTS[pi][6]) for pi, _ in variants])
    n_lines = 1 + _pick(rng, sizes, n)
    l_o = np.repeat(np.arange(n), n_lines)
    l_v = _pick(rng, w, len(l_o))
    l_q = (1 + _pick(rng, [0.85, 0.12, 0.03], len(l_o))).astype(np.int32)
    return l_o, l_v, l_q, variants


# --------------------------------------------------------------------------------------------------- Youzan


def _youzan(
    seed: int, ppl: _People, cmp: _Campaigns, clock: _Clock
) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    rng = _rng(seed, "youzan")
    H = clock.H
    # accounts: Chinese-community WeChat buyers; a few people have a second account (same mobile, no union id)
    cand = np.flatnonzero((ppl.comm == 0) & (ppl.persona != BOT) & (ppl.has_phone | ppl.has_union))
    cand = cand[rng.random(len(cand)) < YZ_BUYER_P[ppl.persona[cand]]]
    created = np.maximum(ppl.joined[cand], -104 * WEEK) + rng.exponential(3 * WEEK, len(cand))
    cand, created = cand[created < H], created[created < H]
    second = rng.random(len(cand)) < 0.03
    sec_t = created[second] + rng.uniform(2 * WEEK, 30 * WEEK, second.sum())
    ok2 = sec_t < H
    a_p = np.concatenate([cand, cand[second][ok2]])
    a_t = np.concatenate([created, sec_t[ok2]])
    a_second = np.r_[np.zeros(len(cand), bool), np.ones(ok2.sum(), bool)]
    na = len(a_p)
    letters = np.frombuffer(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", dtype=np.uint8)
    head = letters[rng.integers(0, 52, (na, 8))].view("S8").ravel().astype(SD)
    open_id = _cat(head, _s(_unique_numbers(rng, na, 700_000_000_000_000_000, 7919)))
    mobile_null = ~ppl.has_phone[a_p]
    mobile = np.where(mobile_null, "", np.asarray(ppl.phone[a_p], dtype=object)).astype(SD)
    mobile = np.where(np.strings.startswith(mobile, "+86"), np.strings.slice(mobile, 3, None), mobile)
    union_null = a_second | ~ppl.has_union[a_p] | (rng.random(na) < 0.08)
    nick = np.array(T.CN_NICKNAMES, dtype=SD)[rng.integers(0, len(T.CN_NICKNAMES), na)]
    name = np.where(rng.random(na) < 0.7, ppl.zh[a_p], nick)
    gender = _pick(rng, [0.15, 0.35, 0.5], na).astype(np.int8)
    is_member = rng.random(na) < 0.55
    level = 1 + _pick(rng, [0.6, 0.25, 0.1, 0.05], na)
    source = np.array(YZ_SOURCES, dtype=SD)[rng.integers(0, len(YZ_SOURCES), na)]
    fans_id = _unique_numbers(rng, na, 5_000_000_000, 101)

    # trades
    rate = YZ_RATE[ppl.persona[a_p]] * rng.lognormal(-0.405, 0.9, na) * np.where(a_second, 0.5, 1.0) / WEEK
    owner, a, b = ppl.segments(a_p, a_t, H)
    seg_acc = owner
    tz8 = np.full(len(a), 8.0)

    def factor(t, seg):
        acc = seg_acc[seg]
        return _rhythm(t, tz8[seg], np.zeros(len(t), np.int64)) * cmp.order_lift(a_p[acc], t, 0)

    fmax = float(ORD_HOUR.max() * ORD_WD[0].max() * cmp.max_lift())
    seg, t = _poisson(rng, a, b, rate[seg_acc], factor, fmax)
    o_a = seg_acc[seg]
    n = len(o_a)
    o_p = a_p[o_a]
    o_cmp = cmp.which(o_p, t, 0)
    l_o, l_v, l_q, variants = _lines(rng, n, 0)
    v_price = np.array([v[2] for _, v in variants], dtype=np.int64)
    l_price = v_price[l_v]
    gross = np.bincount(l_o, weights=l_price * l_q, minlength=n).astype(np.int64)
    pct = np.zeros(n)
    coupon = np.full(n, -1)
    has_coupon = np.array([c is not None for c in cmp.coupon] + [False])
    use = (o_cmp >= 0) & has_coupon[o_cmp] & (rng.random(n) < 0.6)
    coupon[use] = o_cmp[use]
    pct_of = np.array([int(str(c).rsplit("-", 1)[-1]) if c else 0 for c in cmp.coupon] + [0]) / 100
    pct[use] = pct_of[o_cmp[use]]
    discount = np.round(gross * pct).astype(np.int64)
    promo = (coupon < 0) & (gross >= 19900) & (rng.random(n) < 0.3)
    discount[promo] = 2000  # 满199减20
    post_fee = np.where(gross - discount >= 9900, 0, 1000).astype(np.int64)
    payment = gross - discount + post_fee

    # life of a trade, seen at the window end
    unpaid = rng.random(n) < 0.04
    pay_t = np.where(unpaid, np.inf, t + rng.uniform(0.002, 0.2, n))
    close_unpaid = np.where(unpaid, t + 0.5, np.inf)  # 30 minutes to pay, then closed
    full_refund = ~unpaid & (rng.random(n) < 0.025)
    partial_refund = ~unpaid & ~full_refund & (rng.random(n) < 0.015)
    refund_t = np.where(full_refund | partial_refund, pay_t + rng.lognormal(np.log(48.0), 0.8, n), np.inf)
    consign_t = np.where(unpaid, np.inf, pay_t + rng.uniform(4.0, 48.0, n))
    consign_t = np.where(full_refund & (refund_t < consign_t), np.inf, consign_t)
    success_t = np.where(np.isfinite(consign_t), consign_t + rng.uniform(72.0, 240.0, n), np.inf)
    success_t = np.where(full_refund & (refund_t < success_t), np.inf, success_t)
    close_t = np.minimum(close_unpaid, np.where(full_refund, refund_t, np.inf))

    def seen(x):
        return np.where(x < H, x, np.inf)

    pay_s, consign_s, success_s, close_s = seen(pay_t), seen(consign_t), seen(success_t), seen(close_t)
    partial_s = seen(np.where(partial_refund, refund_t, np.inf))
    status = np.select(
        [np.isfinite(close_s), np.isfinite(success_s), np.isfinite(consign_s), np.isfinite(pay_s)],
        ["TRADE_CLOSE", "TRADE_SUCCESS", "WAIT_BUYER_CONFIRM_GOODS", "WAIT_SELLER_SEND_GOODS"],
        "WAIT_BUYER_PAY",
    )
    refund_state = np.where(full_refund & np.isfinite(close_s), 2, np.where(np.isfinite(partial_s), 1, 0))
    events = np.stack([t, pay_s, consign_s, success_s, close_s, partial_s])
    update = np.max(np.where(np.isfinite(events), events, -np.inf), axis=0)
    tid = _cat(
        "E", clock.local_text(t), np.strings.zfill(_s(_unique_numbers(rng, n, 0, 997) % 1_000_000_000), 9)
    )
    buyer_phone_null = mobile_null[o_a] | (rng.random(n) < 0.05)
    msg = np.array(YZ_MESSAGES, dtype=SD)[rng.integers(0, len(YZ_MESSAGES), n)]
    msg_null = rng.random(n) >= 0.12
    platform = np.where(source[o_a] == "h5", "web", "wx")
    coupon_code = np.array([c or "" for c in cmp.coupon] + [""], dtype=object)[coupon]

    trades = pd.DataFrame(
        {
            "tid": _str(tid),
            "yz_open_id": _str(open_id[o_a]),
            "buyer_phone": _str(mobile[o_a], buyer_phone_null),
            "fans_id": _nint(fans_id[o_a], union_null[o_a]),
            "created_at": clock.ts(t),
            "pay_time": clock.ts(pay_s),
            "consign_time": clock.ts(consign_s),
            "success_time": clock.ts(success_s),
            "update_time": clock.ts(update),
            "status": _str(status),
            "refund_state": refund_state.astype(np.int8),
            "total_fee": _money(gross),
            "discount": _money(discount),
            "post_fee": _money(post_fee),
            "payment": _money(payment),
            "coupon_code": _str(coupon_code, coupon < 0),
            "buyer_message": _str(msg, msg_null),
            "platform": _str(platform),
        }
    )

    # items: payment allocated to lines by their share of the gross
    l_gross = l_price * l_q
    share = np.where(gross[l_o] > 0, l_gross / np.maximum(gross[l_o], 1), 0.0)
    l_pay = np.round((gross - discount)[l_o] * share).astype(np.int64)
    prod = np.array([pi for pi, _ in variants])
    items = pd.DataFrame(
        {
            "oid": 3_000_000_000_000_000 + np.cumsum(rng.integers(1, 1009, len(l_o))),  # grows with time
            "tid": _str(tid[l_o]),
            "item_id": (4_000_000_000 + prod[l_v] * 7_919).astype(np.int64),
            "sku_id": (50_000_000 + l_v * 113).astype(np.int64),
            "outer_sku_id": _str(np.array([v[0] for _, v in variants], dtype=SD)[l_v]),
            "title": _str(np.array([T.PRODUCTS[pi][1] for pi, _ in variants], dtype=SD)[l_v]),
            "sku_name": _str(np.array([v[1] for _, v in variants], dtype=SD)[l_v]),
            "num": l_q,
            "price": _money(l_price),
            "payment": _money(l_pay),
        }
    )

    # points: shopping rewards, daily sign-ins, redemptions; an opening balance for older accounts
    earn = status == "TRADE_SUCCESS"
    e_a, e_t = o_a[earn], success_s[earn]
    e_amt = (payment[earn] // 100).astype(np.int64)
    sign_seg_owner, sa, sb = ppl.segments(a_p, a_t, H)
    s_rate = np.where(is_member[sign_seg_owner], 0.8, 0.15) / WEEK
    s_seg, s_t = _poisson(rng, sa, sb, s_rate, lambda t, s: np.ones(len(t)), 1.0)
    s_a = sign_seg_owner[s_seg]
    r_seg, r_t = _poisson(rng, sa, sb, np.full(len(sa), 0.12 / WEEK), lambda t, s: np.ones(len(t)), 1.0)
    r_a = sign_seg_owner[r_seg]
    r_amt = -np.where(rng.random(len(r_a)) < 0.8, 100, 500)
    kind = np.concatenate([np.zeros(len(e_a), int), np.ones(len(s_a), int), np.full(len(r_a), 2)])
    pa = np.concatenate([e_a, s_a, r_a])
    pt = np.concatenate([e_t, s_t, r_t])
    amt = np.concatenate([e_amt, np.full(len(s_a), 5), r_amt]).astype(np.int64)
    ptid = np.concatenate([tid[earn], np.full(len(s_a) + len(r_a), "", dtype=SD)])
    opening = np.where(a_t < 0, rng.integers(0, 800, na), 0)
    order = np.lexsort((pt, pa))
    pa, pt, amt, kind, ptid = pa[order], pt[order], amt[order], kind[order], ptid[order]
    start_of = np.r_[0, np.flatnonzero(np.diff(pa)) + 1]
    grp = np.repeat(np.arange(len(start_of)), np.diff(np.r_[start_of, len(pa)]))

    def balances(amounts):
        c = np.cumsum(amounts)
        base = np.r_[0, c][start_of][grp]
        return opening[pa] + c - base

    bal = balances(amt)
    keep = ~(
        (kind == 2) & (bal < 0)
    )  # a redemption needs the points (dropping it only raises later balances)
    pa, pt, amt, kind, ptid = pa[keep], pt[keep], amt[keep], kind[keep], ptid[keep]
    start_of = np.r_[0, np.flatnonzero(np.diff(pa)) + 1] if len(pa) else np.zeros(0, int)
    grp = np.repeat(np.arange(len(start_of)), np.diff(np.r_[start_of, len(pa)]))
    bal = balances(amt) if len(pa) else np.zeros(0, np.int64)
    final = opening.copy()
    if len(pa):
        last = np.r_[start_of[1:] - 1, len(pa) - 1]
        final[pa[last]] = bal[last]
    by_time = np.argsort(pt, kind="stable")
    log_id = np.empty(len(pt), dtype=np.int64)
    log_id[by_time] = 90_000_000 + np.cumsum(rng.integers(1, 40, len(pt)))
    ev = np.array(["TRADE_REWARD", "SIGN_IN", "POINTS_EXCHANGE"], dtype=SD)[kind]
    desc = np.array(["购物奖励", "每日签到", "积分兑换优惠券"], dtype=SD)[kind]
    points = pd.DataFrame(
        {
            "log_id": log_id,
            "yz_open_id": _str(open_id[pa]),
            "amount": amt.astype(np.int32),
            "balance": bal.astype(np.int32),
            "event_type": _str(ev),
            "description": _str(desc),
            "tid": _str(ptid, kind != 0),
            "created_at": clock.ts(pt),
        }
    ).sort_values("log_id", ignore_index=True)

    last_trade = np.full(na, -np.inf)
    np.maximum.at(last_trade, o_a, update)
    last_points = np.full(na, -np.inf)
    if len(pa):
        np.maximum.at(last_points, pa, pt)
    updated = np.maximum.reduce([a_t, last_trade, last_points])
    profile_edit = np.where(rng.random(na) < 0.2, rng.uniform(0, H, na), -np.inf)  # a changed nickname, say
    updated = np.maximum(updated, profile_edit)
    updated = np.minimum(np.maximum(updated, a_t), H - 1e-6)
    corder = np.argsort(a_t, kind="stable")
    customers = (
        pd.DataFrame(
            {
                "yz_open_id": _str(open_id),
                "mobile": _str(mobile, mobile_null),
                "name": _str(name),
                "union_id": _str(np.asarray(ppl.union[a_p], dtype=object), union_null),
                "gender": gender,
                "created_at": clock.ts(a_t),
                "updated_at": clock.ts(updated),
                "is_member": is_member,
                "member_level": _nint(level, ~is_member, "Int32"),
                "points": final.astype(np.int32),
                "source": _str(source),
            }
        )
        .iloc[corder]
        .reset_index(drop=True)
    )
    truth = pd.DataFrame({"platform": "youzan", "account_id": _str(open_id), "person_id": ppl.pid[a_p]})
    return {
        "youzan_customers": customers,
        "youzan_trades": trades,
        "youzan_trade_items": items,
        "youzan_points": points,
    }, truth


# --------------------------------------------------------------------------------------------------- WooCommerce


def _usd(cny_cents: np.ndarray) -> np.ndarray:
    """A CNY price as the global store's USD price: the next whole dollar minus a cent."""
    return (np.ceil(cny_cents / 700.0) * 100 - 1).astype(np.int64)


def _woo(
    seed: int, ppl: _People, cmp: _Campaigns, clock: _Clock
) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    rng = _rng(seed, "woocommerce")
    H = clock.H
    gl = (ppl.comm == 1) & ppl.has_email & (ppl.persona != BOT)
    buyers = np.flatnonzero(gl & (rng.random(ppl.n) < WOO_BUYER_P[ppl.persona]))
    nb = len(buyers)
    since = np.maximum(ppl.joined[buyers], -80 * WEEK) + rng.exponential(2 * WEEK, nb)
    tz = np.array([-8.0, -5.0, 0.0, 1.0, 10.0])[_pick(rng, [0.3, 0.3, 0.15, 0.15, 0.1], nb)]
    rate = WOO_RATE[ppl.persona[buyers]] * rng.lognormal(-0.405, 0.9, nb) / WEEK
    owner, a, b = ppl.segments(buyers, since, H)

    def factor(t, seg):
        who = owner[seg]
        return _rhythm(t, tz[who], np.ones(len(t), np.int64)) * cmp.order_lift(buyers[who], t, 1)

    fmax = float(ORD_HOUR.max() * ORD_WD[1].max() * cmp.max_lift())
    seg, t = _poisson(rng, a, b, rate[owner], factor, fmax)
    o_b = owner[seg]
    n = len(o_b)
    o_p = buyers[o_b]

    # accounts: most buyers register (at or before their first order); some people register and never buy
    first = np.full(nb, np.inf)
    np.minimum.at(first, o_b, t)
    has_acct = rng.random(nb) < WOO_ACCOUNT_P
    acct_t = np.minimum(since, first - rng.uniform(0.01, 0.5, nb))
    acct_b = np.flatnonzero(has_acct & (acct_t < H))
    browsers = np.flatnonzero(gl & (rng.random(ppl.n) < 0.04))
    browsers = np.setdiff1d(browsers, buyers[acct_b])
    br_t = np.maximum(ppl.joined[browsers], -80 * WEEK) + rng.exponential(4 * WEEK, len(browsers))
    browsers, br_t = browsers[br_t < H], br_t[br_t < H]
    staff = np.flatnonzero((ppl.comm == 1) & (ppl.persona == STAFF))[:2]
    c_p = np.concatenate([staff, buyers[acct_b], browsers])
    c_t = np.concatenate([np.full(len(staff), -150 * WEEK) + np.arange(len(staff)), acct_t[acct_b], br_t])
    role = np.concatenate(
        [
            np.array(["administrator", "shop_manager"], dtype=SD)[: len(staff)],
            np.full(len(c_p) - len(staff), "customer", dtype=SD),
        ]
    )
    nc = len(c_p)
    corder = np.argsort(c_t, kind="stable")
    cust_id = np.empty(nc, dtype=np.int64)
    cust_id[corder] = np.cumsum(np.where(np.arange(nc) == 0, 1, rng.integers(1, 4, nc)))
    acct_of_buyer = np.full(nb, -1)
    acct_of_buyer[acct_b] = len(staff) + np.arange(len(acct_b))

    o_acct = acct_of_buyer[o_b]
    logged_in = (o_acct >= 0) & (t >= c_t[np.maximum(o_acct, 0)]) & (rng.random(n) >= 0.08)
    o_cust = np.where(logged_in, cust_id[np.maximum(o_acct, 0)], 0)

    # lines, coupons, money (USD; free shipping from $50; no tax: prices are tax-inclusive where it applies)
    l_o, l_v, l_q, variants = _lines(rng, n, 1, sizes=(0.62, 0.25, 0.1, 0.03))
    v_price = _usd(np.array([v[2] for _, v in variants], dtype=np.int64))
    l_price = v_price[l_v]
    l_sub = l_price * l_q
    gross = np.bincount(l_o, weights=l_sub, minlength=n).astype(np.int64)
    o_cmp = cmp.which(o_p, t, 1)
    codes = [c if cmp.comm[i] == 1 else None for i, c in enumerate(cmp.coupon)]  # the global campaigns'
    woo_codes = [str(c).lower() for c in codes if c is not None] + ["welcome10", "freeship"]
    code_idx = {c: i for i, c in enumerate(woo_codes)}
    coupon = np.full(n, -1)
    pct = np.zeros(n)
    camp_code = np.array([code_idx[str(c).lower()] if c is not None else -1 for c in codes] + [-1])
    use = (o_cmp >= 0) & (camp_code[o_cmp] >= 0) & (rng.random(n) < 0.6)
    coupon[use] = camp_code[o_cmp[use]]
    pct_of = np.array([int(str(c).rsplit("-", 1)[-1]) if c else 0 for c in codes] + [0]) / 100
    pct[use] = pct_of[o_cmp[use]]
    first_order = np.zeros(n, bool)
    first_order[np.unique(o_b, return_index=True)[1]] = True
    welcome = (coupon < 0) & first_order & (rng.random(n) < 0.2)
    coupon[welcome] = code_idx["welcome10"]
    pct[welcome] = 0.10
    l_disc = np.round(l_sub * pct[l_o]).astype(np.int64)
    disc = np.bincount(l_o, weights=l_disc, minlength=n).astype(np.int64)
    net = gross - disc
    shipping = np.where(net >= 5000, 0, 599).astype(np.int64)
    freeship = (coupon < 0) & (shipping > 0) & (rng.random(n) < 0.05)
    coupon[freeship] = code_idx["freeship"]
    shipping[freeship] = 0
    total = net + shipping

    # status as seen at the window end
    pending = ((t > H - 72) & (rng.random(n) < 0.15)) | (rng.random(n) < 0.005)
    paid_t = np.where(pending, np.inf, t + rng.uniform(0.0, 0.05, n))
    cancelled = ~pending & (rng.random(n) < 0.015)
    cancel_t = np.where(cancelled, t + rng.uniform(0.5, 48.0, n), np.inf)
    complete_t = np.where(pending | cancelled, np.inf, paid_t + rng.uniform(12.0, 96.0, n))
    refunded = ~pending & ~cancelled & (rng.random(n) < 0.04)
    full = refunded & (rng.random(n) < 0.5)
    refund_t = np.where(refunded, t + rng.lognormal(np.log(120.0), 0.6, n), np.inf)
    first_line = np.searchsorted(l_o, np.arange(n))
    refund_amt = np.where(full, total, np.minimum(l_price[first_line], total))

    def seen(x):
        return np.where(x < H, x, np.inf)

    cancel_s, complete_s, refund_s, paid_s = seen(cancel_t), seen(complete_t), seen(refund_t), seen(paid_t)
    status = np.select(
        [np.isfinite(cancel_s), full & np.isfinite(refund_s), np.isfinite(complete_s), np.isfinite(paid_s)],
        ["cancelled", "refunded", "completed", "processing"],
        "pending",
    )
    events = np.stack([t, paid_s, cancel_s, complete_s, refund_s])
    modified = np.max(np.where(np.isfinite(events), events, -np.inf), axis=0)

    # ids: WordPress post ids, shared by orders, refunds (and everything else the site writes)
    r_idx = np.flatnonzero(np.isfinite(refund_s))
    when = np.concatenate([t, refund_s[r_idx]])
    seq = np.argsort(when, kind="stable")
    post_id = np.empty(len(when), dtype=np.int64)
    post_id[seq] = 1200 + np.cumsum(rng.integers(1, 6, len(when)))
    order_id, refund_id = post_id[:n], post_id[n:]
    line_id = 400 + np.cumsum(rng.integers(1, 3, len(l_o)))

    # contact details as typed at checkout
    email = np.asarray(ppl.email[o_p], dtype=object).astype(SD)
    r = rng.random(n)
    bill_email = np.where(r < 0.1, np.strings.capitalize(email), email)
    bill_email = np.where((r >= 0.1) & (r < 0.13), np.strings.add(bill_email, " "), bill_email)
    phone_ok = ppl.has_phone[o_p] & (rng.random(n) < 0.6)
    phone = np.where(ppl.has_phone[o_p], np.asarray(ppl.phone[o_p], dtype=object), "").astype(SD)
    country_of = np.array(WOO_COUNTRIES, dtype=SD)[_pick(rng, [0.55, 0.2, 0.1, 0.08, 0.07], nb)]
    country_of = np.where(
        np.strings.startswith(
            np.where(ppl.has_phone[buyers], np.asarray(ppl.phone[buyers], dtype=object), "").astype(SD), "+44"
        ),
        "GB",
        country_of,
    )
    pay_method = np.array([m for m, _ in WOO_PAYMENT], dtype=SD)[_pick(rng, [w for _, w in WOO_PAYMENT], n)]
    via = np.where(rng.random(n) < 0.95, "checkout", "admin")
    code_arr = np.array(woo_codes, dtype=object)
    orders = pd.DataFrame(
        {
            "order_id": order_id,
            "number": _str(_s(order_id)),
            "customer_id": o_cust.astype(np.int64),
            "status": _str(status),
            "currency": _str(np.full(n, "USD", dtype=SD)),
            "date_created": clock.ts(t),
            "date_modified": clock.ts(modified),
            "date_paid": clock.ts(paid_s),
            "date_completed": clock.ts(
                np.where(np.isin(status, ["completed", "refunded"]), complete_s, np.inf)
            ),
            "billing_email": _str(bill_email),
            "billing_phone": _str(phone, ~phone_ok),
            "billing_first_name": _str(ppl.first[o_p]),
            "billing_last_name": _str(ppl.last[o_p]),
            "billing_country": _str(country_of[o_b]),
            "discount_total": _money(disc),
            "shipping_total": _money(shipping),
            "total_tax": _money(np.zeros(n, np.int64)),
            "total": _money(total),
            "payment_method": _str(pay_method),
            "created_via": _str(via),
            "coupon_code": _str(code_arr[np.maximum(coupon, 0)] if n else np.empty(0, object), coupon < 0),
        }
    )
    prod = np.array([pi for pi, _ in variants])
    multi = np.array([len(T.PRODUCTS[pi][6]) > 1 for pi, _ in variants])
    v_rank = np.array([i for prod_ in T.PRODUCTS for i in range(len(prod_[6]))])
    product_id = 20 + prod * 5
    lines = pd.DataFrame(
        {
            "line_id": line_id.astype(np.int64),
            "order_id": order_id[l_o],
            "product_id": product_id[l_v].astype(np.int64),
            "variation_id": np.where(multi[l_v], product_id[l_v] + 1 + v_rank[l_v], 0).astype(np.int64),
            "sku": _str(np.array([v[0] for _, v in variants], dtype=SD)[l_v]),
            "name": _str(
                np.array([f"{T.PRODUCTS[pi][1].split(' ', 1)[-1]} - {v[1]}" for pi, v in variants], dtype=SD)[
                    l_v
                ]
            ),
            "quantity": l_q,
            "price": _money(l_price),
            "subtotal": _money(l_sub),
            "total": _money(l_sub - l_disc),
        }
    )
    reasons = np.array(WOO_REASONS, dtype=SD)[rng.integers(0, len(WOO_REASONS), len(r_idx))]
    refunds = pd.DataFrame(
        {
            "refund_id": refund_id,
            "order_id": order_id[r_idx],
            "amount": _money(refund_amt[r_idx]),
            "reason": _str(reasons),
            "date_created": clock.ts(refund_s[r_idx]),
        }
    ).sort_values("refund_id", ignore_index=True)

    # customers
    last_order = np.full(nc, -np.inf)
    acct_order = np.flatnonzero(o_cust > 0)
    pos_of_id = pd.Series(np.arange(nc), index=cust_id)
    if len(acct_order):
        np.maximum.at(last_order, pos_of_id.reindex(o_cust[acct_order]).to_numpy(), modified[acct_order])
    c_mod = np.minimum(np.maximum(c_t, last_order), H - 1e-6)
    c_mod = np.maximum(c_mod, c_t)
    paying = np.isfinite(last_order)
    c_email = np.asarray(ppl.email[c_p], dtype=object).astype(SD)
    c_email = np.where(
        role == "customer", c_email, _cat(np.strings.lower(ppl.first[c_p]), "@", T.SHOP_DOMAIN)
    )
    username = np.strings.partition(c_email, np.array("@", dtype=SD))[0]
    c_phone_ok = ppl.has_phone[c_p] & (rng.random(nc) < 0.5)
    c_phone = np.where(ppl.has_phone[c_p], np.asarray(ppl.phone[c_p], dtype=object), "").astype(SD)
    b_country = np.full(nc, "US", dtype=SD)
    b_country[len(staff) : len(staff) + len(acct_b)] = country_of[acct_b]
    customers = (
        pd.DataFrame(
            {
                "customer_id": cust_id,
                "email": _str(c_email),
                "first_name": _str(ppl.first[c_p]),
                "last_name": _str(ppl.last[c_p]),
                "username": _str(username),
                "role": _str(role),
                "date_created": clock.ts(c_t),
                "date_modified": clock.ts(c_mod),
                "billing_phone": _str(c_phone, ~c_phone_ok),
                "billing_country": _str(b_country),
                "is_paying_customer": paying,
            }
        )
        .iloc[corder]
        .reset_index(drop=True)
    )

    # coupons: created before the campaign (or long ago), modified when last used
    nco = len(woo_codes)
    usage = np.bincount(coupon[coupon >= 0], minlength=nco).astype(np.int32)
    camp_of_code = np.full(nco, -1)
    for i, c in enumerate(codes):
        if c is not None:
            camp_of_code[code_idx[str(c).lower()]] = i
    c_start = np.where(camp_of_code >= 0, cmp.start[np.maximum(camp_of_code, 0)] - 72.0, -30 * WEEK)
    c_exp = np.where(camp_of_code >= 0, cmp.end[np.maximum(camp_of_code, 0)] + 24.0, np.inf)
    last_use = np.full(nco, -np.inf)
    used = coupon >= 0
    np.maximum.at(last_use, coupon[used], t[used])
    c_modified = np.minimum(np.maximum(c_start, last_use), H - 1e-6)
    is_gl = camp_of_code >= 0
    amounts = np.where(is_gl, (pct_of[np.maximum(camp_of_code, 0)] * 10000).astype(np.int64), 1000)
    dtype_ = np.where(np.array(woo_codes, dtype=object) == "freeship", "fixed_cart", "percent")
    amounts = np.where(dtype_ == "fixed_cart", 0, amounts)
    desc = [
        cmp.names[i] if i >= 0 else ("Welcome offer" if c == "welcome10" else "Free shipping")
        for c, i in zip(woo_codes, camp_of_code, strict=True)
    ]
    coupons = pd.DataFrame(
        {
            "coupon_id": (900 + np.arange(nco) * 7).astype(np.int64),
            "code": _str(np.array(woo_codes, dtype=object)),
            "amount": _money(amounts),
            "discount_type": _str(dtype_),
            "description": _str(np.array(desc, dtype=object)),
            "date_created": clock.ts(c_start),
            "date_modified": clock.ts(c_modified),
            "date_expires": clock.ts(c_exp),
            "usage_count": usage,
            "campaign_id": _str(
                np.array([cmp.ids[i] if i >= 0 else "" for i in camp_of_code], dtype=object), camp_of_code < 0
            ),
        }
    )
    guest = o_cust == 0
    truth = pd.concat(
        [
            pd.DataFrame(
                {"platform": "woocommerce", "account_id": _str(_s(cust_id)), "person_id": ppl.pid[c_p]}
            ),
            pd.DataFrame(
                {
                    "platform": "woocommerce_order",
                    "account_id": _str(_s(order_id[guest])),
                    "person_id": ppl.pid[o_p[guest]],
                }
            ),
        ],
        ignore_index=True,
    )
    return {
        "woo_customers": customers,
        "woo_orders": orders,
        "woo_order_lines": lines,
        "woo_refunds": refunds,
        "woo_coupons": coupons,
    }, truth


# --------------------------------------------------------------------------------------------------- offline


def _typed_cn_phone(rng: np.random.Generator, e164: np.ndarray) -> np.ndarray:
    """Mainland mobiles as cashiers and sign-up sheets get them: mostly 11 digits, some spaced or +86."""
    digits = np.strings.slice(e164, 3, None)
    a, b, c = np.strings.slice(digits, 0, 3), np.strings.slice(digits, 3, 7), np.strings.slice(digits, 7, 11)
    fmt = _pick(rng, [0.75, 0.1, 0.08, 0.07], len(e164))
    return np.select(
        [fmt == 0, fmt == 1, fmt == 2],
        [digits, _cat(a, " ", b, " ", c), _cat("+86 ", digits)],
        _cat(a, "-", b, "-", c),
    )


def _offline(
    seed: int, ppl: _People, cmp: _Campaigns, clock: _Clock
) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    rng = _rng(seed, "offline")
    H = clock.H
    # POS: Chinese-community visitors of the two shops, shop hours 10:00-21:00, busier at weekends
    vis = np.flatnonzero((ppl.comm == 0) & (rng.random(ppl.n) < POS_VISIT_P[ppl.persona]))
    store = _pick(rng, [s[2] for s in STORES], len(vis))
    rate = POS_RATE[ppl.persona[vis]] * rng.lognormal(-0.3, 0.8, len(vis)) / WEEK
    owner, a, b = ppl.segments(vis, ppl.joined[vis], H)
    wd_f = np.array([0.8, 0.8, 0.85, 0.9, 1.1, 1.7, 1.6])

    def shop_hours(t, seg):
        hour = np.floor(t).astype(np.int64) % 24
        wd = np.floor(t / 24.0).astype(np.int64) % 7
        return np.where((hour >= 10) & (hour < 21), wd_f[wd] * 24 / 11, 0.0)

    seg, t = _poisson(rng, a, b, rate[owner], shop_hours, float(wd_f.max() * 24 / 11))
    o_v = owner[seg]
    n = len(o_v)
    o_p = vis[o_v]
    o_store = store[o_v]
    l_o, l_v, l_q, variants = _lines(rng, n, 0, sizes=(0.7, 0.22, 0.08))
    v_price = np.array([v[2] for _, v in variants], dtype=np.int64)
    amount = np.bincount(l_o, weights=v_price[l_v] * l_q, minlength=n).astype(np.int64)
    items = np.bincount(l_o, weights=l_q, minlength=n).astype(np.int32)
    day = clock.local_text(t)
    date = np.strings.slice(day, 0, 8)
    codes = np.array([s[0] for s in STORES], dtype=SD)[o_store]
    seq = (
        pd.Series(np.zeros(n)).groupby([codes.astype(object), date.astype(object)]).cumcount().to_numpy() + 1
    )
    order_no = _cat(codes, "-", date, "-", np.strings.zfill(_s(seq), 4))
    gave = ppl.has_phone[o_p] & (rng.random(n) < 0.6)
    desk = ~gave & (rng.random(n) < 0.15)
    e164 = np.where(ppl.has_phone[o_p], np.asarray(ppl.phone[o_p], dtype=object), "+8600000000000").astype(SD)
    phone = np.where(gave, _typed_cn_phone(rng, e164), "")
    desk_typed = np.array(T.SHOP_PHONE_TYPED, dtype=SD)[rng.integers(0, len(T.SHOP_PHONE_TYPED), n)]
    phone = np.where(desk, desk_typed, phone)
    card = _cat("M", np.strings.zfill(_s((ppl.pid[o_p] * 7919) % 100_000_000), 8))
    card_null = ~gave | (rng.random(n) < 0.5)
    cashiers = np.array([s[0] for s in T.STAFF_CN], dtype=SD)
    pos = pd.DataFrame(
        {
            "order_no": _str(order_no),
            "store_code": _str(codes),
            "store_name": _str(np.array([s[1] for s in STORES], dtype=SD)[o_store]),
            "paid_at": clock.ts(t),
            "amount": _money(amount),
            "items": items,
            "phone": _str(phone, ~(gave | desk)),
            "member_card": _str(card, card_null),
            "payment_method": _str(np.array(PAY_METHODS_CN, dtype=SD)[_pick(rng, [0.55, 0.3, 0.05, 0.1], n)]),
            "cashier": _str(cashiers[rng.integers(0, len(cashiers), n)]),
        }
    )

    # events: a launch event per campaign and a tasting every other Saturday, per community
    ev_comm, ev_start, ev_name, ev_city, ev_off, ev_cmp = [], [], [], [], [], []
    weeks = int(round(H / WEEK))
    for comm in (0, 1):
        for w in range(comm, weeks, 2):
            k = len(ev_comm)
            if comm == 0:
                city, off = CN_CITIES[k % len(CN_CITIES)], 8
                name = f"{city}茶友品鉴会"
            else:
                city, off = GLOBAL_CITIES[k % len(GLOBAL_CITIES)]
                name = f"Tea tasting night, {city}"
            ev_comm.append(comm)
            ev_start.append(w * WEEK + 5 * 24 + 14 - (off - 8))  # Saturday 14:00 local
            ev_name.append(name)
            ev_city.append(city)
            ev_off.append(off)
            ev_cmp.append(-1)
    for i in range(len(cmp.ids)):
        comm = int(cmp.comm[i])
        city, off = (CN_CITIES[i % len(CN_CITIES)], 8) if comm == 0 else GLOBAL_CITIES[i % len(GLOBAL_CITIES)]
        ev_comm.append(comm)
        ev_start.append(np.floor(cmp.start[i] / 24.0) * 24 + 19 - (off - 8))  # the first evening, 19:00 local
        ev_name.append(f"{cmp.names[i]} 线下活动" if comm == 0 else f"{cmp.names[i]} launch party")
        ev_city.append(city)
        ev_off.append(off)
        ev_cmp.append(i)
    rows = []
    for e in np.argsort(np.array(ev_start), kind="stable"):
        start, comm = ev_start[e], ev_comm[e]
        if not 0 <= start < H - 3:
            continue
        eligible = np.flatnonzero(
            (ppl.comm == comm)
            & (ppl.joined <= start)
            & (((ppl.joined <= start) & (ppl.churn > start)) | (ppl.react <= start))
        )
        p_go = EVENT_P[ppl.persona[eligible]] * 0.35
        if ev_cmp[e] >= 0:
            p_go = np.where(
                cmp.exposed[ev_cmp[e], eligible], p_go * cmp.activity[ev_cmp[e]] * 1.5, p_go * 0.5
            )
        went = eligible[rng.random(len(eligible)) < p_go]
        if len(went):
            rows.append((e, went, start + rng.normal(-0.1, 0.3, len(went))))
    if rows:
        c_e = np.concatenate([np.full(len(w), e) for e, w, _ in rows])
        c_p = np.concatenate([w for _, w, _ in rows])
        c_t = np.clip(np.concatenate([x for _, _, x in rows]), 0.0, H - 1e-6)
    else:
        c_e, c_p, c_t = np.zeros(0, int), np.zeros(0, int), np.zeros(0)
    m = len(c_p)
    ev_id = _cat("EV", np.strings.zfill(_s(c_e + 1), 3))
    cn_ev = np.array(ev_comm)[c_e] == 0 if m else np.zeros(0, bool)
    seq = pd.Series(np.zeros(m)).groupby(c_e).cumcount().to_numpy() + 1 if m else np.zeros(0, int)
    ticket = _s(_unique_numbers(rng, m, 100_000_000, 37))
    checkin_id = np.where(
        cn_ev,
        _cat("QD", np.strings.zfill(_s(c_e + 1), 3), "-", np.strings.zfill(_s(seq), 4)),
        _cat("T", ticket),
    )
    e164 = np.where(ppl.has_phone[c_p], np.asarray(ppl.phone[c_p], dtype=object), "+8600000000000").astype(SD)
    cn_phone = _typed_cn_phone(rng, e164)
    phone = np.where(np.strings.startswith(e164, "+86"), cn_phone, e164)
    phone_null = ~ppl.has_phone[c_p] | np.where(cn_ev, rng.random(m) < 0.05, rng.random(m) < 0.6)
    email = np.where(ppl.has_email[c_p], np.asarray(ppl.email[c_p], dtype=object), "").astype(SD)
    email = np.where(rng.random(m) < 0.15, np.strings.capitalize(email), email)
    email_null = ~ppl.has_email[c_p] | (cn_ev & (rng.random(m) < 0.7))
    name = np.where(cn_ev, ppl.zh[c_p], _cat(ppl.first[c_p], " ", ppl.last[c_p]))
    checkins = pd.DataFrame(
        {
            "checkin_id": _str(checkin_id),
            "event_id": _str(ev_id),
            "event_name": _str(np.array(ev_name, dtype=object)[c_e] if m else np.empty(0, object)),
            "community": _str(np.where(cn_ev, "brand_cn", "brand_global")),
            "city": _str(np.array(ev_city, dtype=object)[c_e] if m else np.empty(0, object)),
            "name": _str(name),
            "phone": _str(phone, phone_null),
            "email": _str(email, email_null),
            "checked_in_at": clock.ts(c_t),
        }
    )
    truth = pd.concat(
        [
            pd.DataFrame({"platform": "pos_order", "account_id": _str(order_no), "person_id": ppl.pid[o_p]}),
            pd.DataFrame(
                {"platform": "event_checkin", "account_id": _str(checkin_id), "person_id": ppl.pid[c_p]}
            ),
        ],
        ignore_index=True,
    )
    return {"offline_pos_orders": pos, "offline_checkins": checkins}, truth


def extend(world: World, seed: int) -> dict[str, pd.DataFrame]:
    clock = _Clock(world.meta)
    ppl = _People(world, clock, _rng(seed, "names"))
    cmp = _Campaigns(world, ppl, clock)
    out: dict[str, pd.DataFrame] = {}
    truths = []
    for part in (_youzan, _woo, _offline):
        tables, truth = part(seed, ppl, cmp, clock)
        out.update(tables)
        truths.append(truth)
    truth = pd.concat(truths, ignore_index=True)
    out["truth_accounts"] = pd.DataFrame(
        {
            "platform": truth["platform"].astype("str"),
            "account_id": truth["account_id"].astype("str"),
            "person_id": truth["person_id"].astype(np.int64),
        }
    )
    return out
