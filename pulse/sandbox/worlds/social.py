"""Reddit and Discord for the sandbox world, derived from the core world's people and campaigns.

Reddit is mostly the global community's: two subreddits (`LumoTea`, `LumoTeaDeals`), English with some Chinese from
brand_cn members who found it, moderated by the global staff (distinguished comments, stickied deal posts), with
Reddit's own `AutoModerator` bot commenting and filtering. Deleted and removed items stay in the listings as Reddit
shows them (`[deleted]` / `[removed]`); edits carry their time.

Discord has one server per community: `鹿茗茶 Lumo Tea 中文社区` (brand_cn, Chinese) and `Lumo Tea Community`
(brand_global, English), each with an announcement channel, chat channels, a private staff room the collector's
bot cannot read, a voice channel and categories. Messages are replies, thread starters (threads archive after a
day without messages), member-join system messages, reactions and edits; the brand's `LumoBot` (bot=true) posts a
daily tip and welcomes newcomers; the collector's own bot is a member of both servers. Some people are in both.

Activity per account is a Poisson process per person: a persona rate with a heavy (lognormal) tail, only while the
person is active (joined, not churned, or reactivated), shaped by the local hour of day and the weekday, and lifted
by the person's campaigns when exposed (the same hashed holdout as the core world). Usernames sometimes equal the
forum username (Reddit has no `.`, so `jun.zeng` becomes `jun_zeng` there); `truth_accounts` records who is who:
`reddit` (account_id = username; Reddit usernames are permanent) and `discord` (account_id = user id snowflake).

Ids are realistic: Reddit base36 ids that grow with time (`t3_1p2abcd`, `t1_nx0abcd`, `t2_...` for accounts),
Discord snowflakes (`(ms since 2015-01-01) << 22 | sequence`), so paging by id follows time.

Tables (timestamps naive UTC `datetime64[us]`; Reddit ones at s, Discord ones at ms precision):

| table | columns |
|---|---|
| `reddit_users` | username str, user_fullname str (`t2_...`), created_at, is_bot bool |
| `reddit_submissions` | submission_id str (base36, no `t3_`), subreddit str, author str, title str, selftext str, url str (nullable: self posts), link_flair_text str (nullable), created_at, edited_at (nullable), score int32, num_comments int32, stickied bool, distinguished str (nullable: `moderator`), state str (`active`/`deleted` by the author/`removed` by moderators) |
| `reddit_comments` | comment_id str, submission_id str, parent_id str (fullname `t3_`/`t1_`), subreddit str, author str, body str, created_at, edited_at (nullable), score int32, stickied bool, distinguished str (nullable), state str |
| `discord_guilds` | guild_id str, name str, community str, lang str, owner_id str, system_channel_id str, created_at, staff_role_id str, regular_role_id str, bot_role_id str |
| `discord_channels` | channel_id str, guild_id str, name str, type int8 (0 text, 2 voice, 4 category, 5 announcement), parent_id str (nullable), position int32, topic str (nullable), private bool (the collector's bot may not view it) |
| `discord_members` | guild_id str, user_id str, username str, global_name str (nullable), discriminator str (`0`; bots keep 4 digits), bot bool, nick str (nullable), roles str (role ids, space-separated), joined_at, premium_since (nullable), left_at (nullable: a member who left is not listed, their messages stay) |
| `discord_threads` | thread_id str (= the starter message's id), guild_id str, parent_id str, owner_id str, name str, created_at, last_message_at, message_count int32, archived bool, archive_at, auto_archive_minutes int32 |
| `discord_messages` | message_id str, channel_id str (a thread's id for messages in it), guild_id str, author_id str, type int8 (0 default, 7 member join, 19 reply), content str, created_at, edited_at (nullable), referenced_message_id str (nullable), pinned bool, reactions str (nullable: JSON `[["👍", 3], ...]`) |
"""

from __future__ import annotations

import re
import zlib

import numpy as np
import pandas as pd

from pulse.sandbox import text as T
from pulse.sandbox.tables import World
from pulse.sandbox.world import campaign_holdout

TABLES = (
    "reddit_users",
    "reddit_submissions",
    "reddit_comments",
    "discord_guilds",
    "discord_channels",
    "discord_members",
    "discord_threads",
    "discord_messages",
)

PERSONAS = ("lurker", "casual", "contributor", "leader", "staff", "bot")
LURKER, CASUAL, CONTRIB, LEADER, STAFF, BOT = range(6)
WEEK_S = 7 * 86400.0
SD = np.dtypes.StringDType()
DISCORD_EPOCH_MS = 1_420_070_400_000  # 2015-01-01T00:00:00Z

SUBREDDITS = ("LumoTea", "LumoTeaDeals")
AUTOMOD = ("AutoModerator", "t2_6l4z3")

# Local hour-of-day and weekday (Mon..Sun) rhythm: Reddit peaks in the evening, Discord chat late evening and on
# weekends.
_HOUR = np.array(
    [0.5, 0.3, 0.2, 0.1, 0.1, 0.1, 0.2, 0.4, 0.7, 0.9, 1.0, 1.1, 1.2, 1.1, 1.0, 1.0, 1.0, 1.1, 1.2, 1.4, 1.7]
    + [1.9, 1.7, 1.1]
)
HOUR_W = _HOUR / _HOUR.mean()
REDDIT_WD = np.array([1.05, 1.1, 1.1, 1.05, 0.95, 0.85, 0.9])
DISCORD_WD = np.array([0.95, 0.95, 1.0, 1.0, 1.05, 1.2, 1.15])
GLOBAL_TZ = (np.array([-8, -5, 0, 1, 10, 8]), np.array([0.3, 0.3, 0.12, 0.13, 0.05, 0.10]))

# Who has an account, by persona (lurker, casual, contributor, leader, staff, bot) x (brand_cn, brand_global);
# people without a forum account (store-only) join at a tenth of the lurker rate.
REDDIT_P = np.array([[0.004, 0.03, 0.05, 0.08, 0.0, 0.0], [0.08, 0.3, 0.45, 0.6, 1.0, 0.0]])
DISCORD_P = np.array([[0.15, 0.45, 0.7, 0.85, 1.0, 0.0], [0.15, 0.45, 0.7, 0.85, 1.0, 0.0]])
# Items per active week (mean of a lognormal with sigma RATE_SIGMA).
REDDIT_RATE = np.array([0.1, 0.5, 2.0, 6.0, 3.0, 0.0])
DISCORD_RATE = np.array([0.1, 0.8, 4.0, 14.0, 6.0, 0.0])
RATE_SIGMA = 1.0
REDDIT_SUBMIT_P = np.array([0.4, 0.25, 0.2, 0.25, 0.3, 0.0])

# ------------------------------------------------------------------------------------------------- words
_TEAS = T.PRODUCTS[:7]  # the teas (the rest is teaware, gifts and the membership)
_P_EN = tuple(p[3] for p in _TEAS)
_P_ZH = tuple(p[2] for p in _TEAS)

REDDIT_TITLES_EN = (
    "First time trying the {p}, brewing tips?",
    "Finally got my hands on the {p}",
    "{p} vs the rest of the lineup: honest review",
    "Is the {p} worth it?",
    "My morning setup with the {p}",
    "Cold brew & the {p}: a quick guide",
    "PSA: store your {p} away from light",
    "Anyone else get a weak batch of {p}?",
    "Gift ideas: {p} or a tasting box?",
    "Shipping to the EU takes forever?",
    "Tips & tricks for a <90°C> kettle",
    "What are you drinking this week?",
)
REDDIT_TITLES_ZH = ("{p}到底怎么泡才好喝？", "海外党求助：{p}寄到美国要多久", "分享一下我的{p}茶席")
REDDIT_SELF_EN = (
    "I used 3g in 200ml at 85°C, 2 minutes. Too bitter? What do you do with the {p}?",
    "Ordered last week, arrived today. The {p} smells amazing.",
    "Been drinking the {p} daily for a month. Thoughts below.",
    "Support was quick & friendly, just sharing.",
    "",
    "Pics in the comments. The {p} pairs well with shortbread.",
)
REDDIT_SELF_ZH = ("在海外买的{p}，大家都怎么泡？", "第一次在Reddit发帖，分享一下{p}", "")
REDDIT_COMMENTS_EN = (
    "Try 80°C & 3 minutes, works for me.",
    "Same here, the {p} is my daily driver.",
    "Support sorted it out in 2 days for me.",
    "Mine arrived a bit crushed :(",
    "This is the way.",
    "Great pics! Where's the teapot from?",
    "The {p} is better on the second steep imo.",
    "Rinse the leaves first, trust me.",
    "Thanks, ordering the {p} now.",
    "Customs held mine for a week, then fine.",
    "Too bitter at boiling <100°C>, go lower.",
    "Underrated comment.",
)
REDDIT_COMMENTS_ZH = ("同问！", "{p}冷泡也很好喝", "谢谢分享～", "我也是海外党，一般两周到")
REDDIT_STAFF_EN = (
    "Hi! Mod from the Lumo team here: please DM us your order number & we'll sort it out.",
    "Thanks for the feedback, passing this on to the sourcing team.",
    "The {p} restock lands next week.",
)
AUTOMOD_COMMENT = (
    "Thanks for posting to r/{s}! Please check the FAQ & flair your post. "
    "*I am a bot, and this action was performed automatically.*"
)
FLAIRS = ("Question", "Brewing", "Show & Tell", "Discussion")

DISCORD_CHAT = {
    "zh-CN": {
        "general": (
            "早上好☀️",
            "今天泡了{p}，香！",
            "哈哈哈哈",
            "+1",
            "有人在吗",
            "下单了下单了",
            "{p}第三泡最好喝",
            "这个活动怎么参加？",
            "周末一起喝茶吗",
        ),
        "brewing": ("有人试过{p}冷泡吗", "{p}用多少度的水？", "盖碗还是紫砂壶泡{p}好？", "投茶量5克够吗"),
        "show": ("晒一下我的茶席", "{p}到货了，包装很用心", "新买的茶具，配{p}绝了"),
        "support": ("物流怎么这么慢啊", "客服回复好快👍", "{p}少发了一包，怎么办", "优惠券用不了"),
        "staff": ("今天的工单都处理完了", "明天直播提纲发群里了", "注意{p}库存"),
        "announce": ("【公告】{p}上新啦，欢迎品尝", "【通知】春节发货安排已更新", "【公告】社区规则更新"),
        "reply": ("谢谢！", "同感", "我也是", "哈哈对", "收到", "好的👌"),
        "staff_reply": ("已私信您处理～", "感谢反馈，我们马上跟进", "您好，请提供订单号"),
        "tip": ("🍵 每日茶知识：{p}建议水温85°C，第一泡洗茶",),
        "welcome": ("欢迎新朋友！先去 #公告 看看吧～",),
        "thread": ("【讨论】{p}怎么泡最好喝", "求助：{p}的售后", "晒单合集"),
    },
    "en": {
        "general": (
            "gm ☀️",
            "just brewed the {p}, so good",
            "lol",
            "+1",
            "what's everyone drinking today?",
            "ordered the {p} again",
            "third steep of the {p} hits different",
            "how do I join the event?",
            "anyone up for a tea tasting call?",
        ),
        "brewing": (
            "anyone cold brewed the {p}?",
            "what temp for the {p}?",
            "gaiwan or teapot for the {p}?",
            "is 5g too much?",
        ),
        "show": ("look at this setup", "the {p} arrived, packaging is lovely", "new teaware & the {p} <3"),
        "support": (
            "my order is stuck in customs 😩",
            "support fixed it, thanks team!",
            "missing a bag of {p} in my box",
            "coupon code not working?",
        ),
        "staff": ("queue is clear for today", "AMA notes are in the doc", "watch the {p} stock"),
        "announce": (
            "📢 New: {p} is now available",
            "📢 Holiday shipping schedule",
            "📢 Community guidelines update",
        ),
        "reply": ("thanks!", "same", "agreed", "haha yes", "noted", "👌"),
        "staff_reply": (
            "DM'd you, let's sort it out",
            "thanks for the feedback, on it",
            "can you share your order #?",
        ),
        "tip": ("🍵 Tea tip of the day: brew the {p} at 85°C & rinse first",),
        "welcome": ("Welcome! Say hi and check #announcements 👋",),
        "thread": ("Brewing the {p}: tips", "Help: order issue", "Show & tell megathread"),
    },
}
EMOJIS = np.array(["👍", "❤️", "🍵", "😂", "🎉", "🙏"], dtype=object)
EMOJI_P = np.array([0.35, 0.2, 0.2, 0.1, 0.1, 0.05])
REDDIT_NOUNS = ("Bread", "Kettle", "Leaf", "Otter", "Panda", "Cloud", "River", "Maple", "Pebble", "Lantern")
REDDIT_ADJ = ("Acceptable", "Quiet", "Curious", "Gentle", "Brave", "Sleepy", "Lucky", "Tidy", "Witty", "Calm")

# (kind, name zh, name en, type, category index or -1, private)
CHANNELS = (
    ("cat_main", "社区", "COMMUNITY", 4, -1, False),
    ("announce", "公告", "announcements", 5, 0, False),
    ("general", "闲聊", "general", 0, 0, False),
    ("brewing", "冲泡交流", "brewing", 0, 0, False),
    ("show", "晒单", "show-and-tell", 0, 0, False),
    ("support", "售后问题", "support", 0, 0, False),
    ("staff", "员工频道", "staff-room", 0, 0, True),
    ("cat_voice", "语音", "VOICE", 4, -1, False),
    ("voice", "茶话会", "tea-lounge", 2, 7, False),
)
TOPICS = {
    "announce": ("官方公告与活动", "News and events from the Lumo team"),
    "general": ("随便聊聊", "Chat about anything tea"),
    "support": ("订单、物流、售后", "Orders, shipping & returns"),
}
GUILD_NAMES = ("鹿茗茶 Lumo Tea 中文社区", "Lumo Tea Community")
# Where people write: regular members, staff (chat kinds index CHANNELS).
CHAT_KINDS = ("general", "brewing", "show", "support", "staff", "announce")
REGULAR_CHANNEL_P = np.array([0.5, 0.2, 0.15, 0.15, 0.0, 0.0])
STAFF_CHANNEL_P = np.array([0.25, 0.05, 0.02, 0.35, 0.25, 0.08])
COLLECTOR_BOT = ("pulse-collector", "Pulse Collector", "2718")
BRAND_BOT = ("lumobot", "LumoBot", "4821")


# ------------------------------------------------------------------------------------------------- helpers


def _rng(seed: int, name: str) -> np.random.Generator:
    """An independent random stream per part, from the seed and a fixed string hash (never Python's hash())."""
    return np.random.default_rng([int(seed), zlib.crc32(f"social/{name}".encode())])


def _expand(templates: tuple[str, ...], products: tuple[str, ...]) -> np.ndarray:
    out: list[str] = []
    for t in templates:
        out.extend(t.format(p=p) for p in products) if "{p}" in t else out.append(t)
    return np.array(out, dtype=object)


def _pick_text(rng: np.random.Generator, pool: np.ndarray, n: int) -> np.ndarray:
    return pool[rng.integers(0, len(pool), n)] if n else np.empty(0, dtype=object)


def _str(values, null: np.ndarray | None = None) -> pd.Series:
    obj = np.asarray(values, dtype=object).copy()
    if null is not None and null.any():
        obj[null] = None
    return pd.Series(obj, dtype="str")


def _ts(ws_us: int, seconds: np.ndarray, unit: str, null: np.ndarray | None = None) -> np.ndarray:
    """Seconds since the window start -> naive UTC datetime64[us], floored to `unit` (s or ms); NaT where null."""
    s = np.where(np.isfinite(seconds), seconds, 0.0)
    step = 1_000_000 if unit == "s" else 1000
    us = np.round(s * 1_000_000).astype(np.int64)  # exact for values already at ms (floats drift below)
    us = ws_us + us - us % step
    out = us.view("datetime64[us]")
    bad = ~np.isfinite(seconds) if null is None else (null | ~np.isfinite(seconds))
    if bad.any():
        out = out.copy()
        out[bad] = np.datetime64("NaT")
    return out


def _seconds(col: pd.Series, ws_us: int) -> np.ndarray:
    """A timestamp column as float seconds since the window start; NaT -> +inf."""
    arr = col.to_numpy(dtype="datetime64[us]")
    out = (arr.astype(np.int64) - ws_us) / 1e6
    out[np.isnat(arr)] = np.inf
    return out


_B36 = np.frombuffer(b"0123456789abcdefghijklmnopqrstuvwxyz", dtype=np.uint8)


def base36(values: np.ndarray) -> np.ndarray:
    """Non-negative int64s as base36 strings (Reddit ids), vectorized."""
    v = np.asarray(values, dtype=np.int64).copy()
    if len(v) == 0:
        return np.empty(0, dtype=object)
    width = max(1, int(np.ceil(np.log(float(v.max()) + 1) / np.log(36))) + 1)
    digits = np.empty((len(v), width), dtype=np.uint8)
    for i in range(width - 1, -1, -1):
        digits[:, i] = _B36[v % 36]
        v //= 36
    text = digits.view(f"S{width}").ravel().astype(str)
    return np.array([t.lstrip("0") or "0" for t in text.tolist()], dtype=object)


GUILDS_CREATED_UNIX_S = np.array([1_699_671_600.0, 1_704_704_400.0])  # 2023-11-11 03:00Z, 2024-01-08 09:00Z


def snowflakes(ms_unix: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Discord snowflakes from unix milliseconds: time << 22 | worker/process/increment bits, unique per call."""
    ms = np.asarray(ms_unix, dtype=np.int64)
    order = np.argsort(ms, kind="stable")
    low = np.empty(len(ms), dtype=np.int64)
    low[order] = (np.arange(len(ms), dtype=np.int64) + int(rng.integers(0, 1 << 12))) % (1 << 12)
    worker = rng.integers(0, 1 << 10, len(ms))  # worker (5 bits) and process (5 bits)
    return ((ms - DISCORD_EPOCH_MS) << 22) | (worker << 12) | low


def _segments(start: np.ndarray, churn: np.ndarray, react: np.ndarray, end: np.ndarray, horizon: float):
    """Active intervals [a, b) of each account inside [0, horizon): from start to churn (or end, if sooner), and
    from reactivation on. Returns (owner index, a, b) of the non-empty ones."""
    n = len(start)
    own = np.concatenate([np.arange(n), np.arange(n)])
    a = np.concatenate([np.maximum(start, 0.0), np.maximum(np.maximum(react, start), 0.0)])
    b = np.concatenate([np.minimum(np.minimum(churn, end), horizon), np.minimum(end, horizon)])
    keep = b > a
    return own[keep], a[keep], b[keep]


class _People:
    """The core world's people, as arrays in seconds since the window start."""

    def __init__(self, world: World, seed: int):
        meta = world.meta
        self.ws_us = int(np.datetime64(meta["window_start_utc"], "us").astype(np.int64))
        self.we_us = int(np.datetime64(meta["window_end_utc"], "us").astype(np.int64))
        self.horizon = (self.we_us - self.ws_us) / 1e6
        p = world["persons"]
        self.pid = p["person_id"].to_numpy(dtype=np.int64)
        self.persona = pd.Categorical(p["persona"].astype(object), categories=PERSONAS).codes.astype(np.int64)
        self.comm = (p["home_community"].astype(object) == "brand_global").to_numpy().astype(np.int64)
        self.join = _seconds(p["joined_at"], self.ws_us)
        self.churn = _seconds(p["churned_at"], self.ws_us)
        self.react = _seconds(p["reactivated_at"], self.ws_us)
        n = len(self.pid)
        email = p["email"].astype(object).to_numpy()
        self.email_local = np.array(
            [e.split("@")[0] if isinstance(e, str) else None for e in email], dtype=object
        )
        # forum accounts: username and display name by person
        acc = world["truth_accounts"]
        acc = acc[acc["platform"].astype(object) == "discourse"]
        users = world["discourse_users"].set_index("user_id")
        uid = acc["account_id"].astype(object).astype(np.int64).to_numpy()
        row = pd.Series(np.arange(n), index=self.pid).reindex(acc["person_id"].to_numpy()).to_numpy()
        self.forum_user = np.full(n, None, dtype=object)
        self.forum_name = np.full(n, None, dtype=object)
        self.forum_user[row] = users["username"].astype(object).reindex(uid).to_numpy()
        self.forum_name[row] = users["name"].astype(object).reindex(uid).to_numpy()
        self.member = self.forum_user != None  # noqa: E711 - elementwise
        rng = _rng(seed, "people")
        tz = GLOBAL_TZ[0][np.searchsorted(np.cumsum(GLOBAL_TZ[1]), rng.random(n) * GLOBAL_TZ[1].sum())]
        self.tz = np.where(self.comm == 0, 8, tz)
        # campaigns the person is exposed to (same hashed holdout as the core world)
        self.campaigns = []
        eligible = (self.persona != STAFF) & (self.persona != BOT)
        for c in world["campaigns"].itertuples(index=False):
            number = int(str(c.campaign_id).rsplit("-", 1)[1])
            comm = 0 if c.community == "brand_cn" else 1
            held = campaign_holdout(int(seed), number, self.pid, float(c.holdout_share))
            exposed = eligible & (self.comm == comm) & ~held
            start = (pd.Timestamp(c.start_at).value // 1000 - self.ws_us) / 1e6
            end = (pd.Timestamp(c.end_at).value // 1000 - self.ws_us) / 1e6
            self.campaigns.append(
                (exposed, start, end, float(c.activity_lift), str(c.name), comm, c.coupon_code)
            )

    def sample(
        self,
        rng: np.random.Generator,
        person: np.ndarray,
        rate_week: np.ndarray,
        start: np.ndarray,
        end: np.ndarray,
        weekday_w: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Event times of accounts (index into `person`) by thinning a Poisson process: rate per active week x
        local hour x weekday x campaign lift. Returns (account index, seconds since window start), time-sorted."""
        own, a, b = _segments(start, self.churn[person], self.react[person], end, self.horizon)
        lift_max = max([c[3] for c in self.campaigns] + [1.0])
        w_max = HOUR_W.max() * weekday_w.max() * lift_max
        lam = rate_week[own] / WEEK_S * (b - a) * w_max
        n = rng.poisson(lam)
        acc = np.repeat(own, n)
        t = np.repeat(a, n) + rng.random(len(acc)) * np.repeat(b - a, n)
        who = person[acc]
        local = t + (self.tz[who] - 8) * 3600.0
        w = HOUR_W[(np.floor(local / 3600.0) % 24).astype(np.int64)]
        w = w * weekday_w[(np.floor(local / 86400.0) % 7).astype(np.int64)]
        for exposed, cs, ce, lift, *_ in self.campaigns:
            m = exposed[who] & (t >= cs) & (t < ce)
            w[m] *= lift
        keep = rng.random(len(t)) * w_max < w
        acc, t = acc[keep], t[keep]
        order = np.argsort(t, kind="stable")
        return acc[order], t[order]


def _rates(rng: np.random.Generator, base: np.ndarray, persona: np.ndarray) -> np.ndarray:
    sigma = np.where(persona == STAFF, 0.3, RATE_SIGMA)
    return base[persona] * rng.lognormal(-(sigma**2) / 2, sigma)


def _choose_accounts(rng, people: _People, table: np.ndarray) -> np.ndarray:
    p = table[people.comm, people.persona] * np.where(people.member | (people.persona == STAFF), 1.0, 0.1)
    return np.flatnonzero(rng.random(len(p)) < p)


_REDDIT_BAD = re.compile(r"[^A-Za-z0-9_-]")
_DISCORD_BAD = re.compile(r"[^a-z0-9_.]")
_DISCORD_DOTS = re.compile(r"\.{2,}")


def _handles(
    rng: np.random.Generator, people: _People, idx: np.ndarray, same_p: float, reddit: bool
) -> np.ndarray:
    """Usernames: the forum one (with `same_p`), else Reddit-style `Adjective-Noun-1234` or a handle with digits."""
    n = len(idx)
    forum = people.forum_user[idx]
    local = people.email_local[idx]
    digits = rng.integers(1, 9999, n)
    adj = np.array(REDDIT_ADJ, dtype=object)[rng.integers(0, len(REDDIT_ADJ), n)]
    noun = np.array(REDDIT_NOUNS, dtype=object)[rng.integers(0, len(REDDIT_NOUNS), n)]
    handles = np.array(T.CN_HANDLES, dtype=object)[rng.integers(0, len(T.CN_HANDLES), n)]
    same = rng.random(n) < same_p
    generated = rng.random(n) < (0.4 if reddit else 0.0)
    out = np.empty(n, dtype=object)
    for i in range(n):
        if same[i] and forum[i] is not None:
            name = forum[i]
        elif generated[i]:
            name = f"{adj[i]}-{noun[i]}-{digits[i]}"
        else:
            stem = local[i].rstrip("0123456789") if isinstance(local[i], str) else ""
            stem = stem if len(stem) >= 3 else handles[i]
            name = f"{stem}{digits[i] % 100}" if digits[i] % 3 else stem
        if reddit:  # letters, digits, _ and -, 3 to 20 characters
            name = _REDDIT_BAD.sub("_", name)[:20].ljust(3, "_")
        else:  # lower case letters, digits, _ and . (never two dots in a row), 2 to 32 characters
            name = _DISCORD_DOTS.sub(".", _DISCORD_BAD.sub("_", name.lower()))[:32].ljust(2, "_")
        out[i] = name
    # usernames are unique on both platforms: a clash gets a suffix
    seen: dict[str, int] = {}
    for i, name in enumerate(out.tolist()):
        key = name.lower()
        if key in seen:
            seen[key] += 1
            out[i] = f"{name[:16]}_{seen[key]}"
        else:
            seen[key] = 0
    return out


def _reactions(rng: np.random.Generator, n: int, weight: np.ndarray) -> np.ndarray:
    """JSON reaction lists (or None) for n items, e.g. `[["👍",3],["🍵",1]]`; heavier `weight` -> more often."""
    out = np.full(n, None, dtype=object)
    has = np.flatnonzero(rng.random(n) < np.clip(0.12 * weight, 0, 0.9))
    m = len(has)
    if m == 0:
        return out
    present = rng.random((m, len(EMOJIS))) < EMOJI_P * 0.8
    first = np.searchsorted(np.cumsum(EMOJI_P), rng.random(m) * EMOJI_P.sum())
    present[np.arange(m), np.minimum(first, len(EMOJIS) - 1)] = True
    counts = (1 + rng.negative_binomial(1, 0.4, (m, len(EMOJIS)))).astype(str).astype(SD)
    text = np.full(m, "[", dtype=SD)
    started = np.zeros(m, dtype=bool)
    for e, emoji in enumerate(EMOJIS.tolist()):
        cell = np.strings.add(np.strings.add(f'["{emoji}",', counts[:, e]), "]")
        sep = np.where(started, ",", "").astype(SD)
        text = np.where(present[:, e], np.strings.add(np.strings.add(text, sep), cell), text)
        started |= present[:, e]
    out[has] = np.strings.add(text, "]").astype(object)
    return out


# ------------------------------------------------------------------------------------------------- reddit


def _reddit(people: _People, seed: int) -> dict[str, pd.DataFrame]:
    rng = _rng(seed, "reddit")
    H = people.horizon
    acc = _choose_accounts(rng, people, REDDIT_P)
    persona = people.persona[acc]
    names = _handles(rng, people, acc, 0.35, reddit=True)
    n_acc = len(acc)
    # accounts are older than the person's joining the community, mostly
    created = np.minimum(people.join[acc], 0.0) - rng.uniform(30, 8 * 365, n_acc) * 86400
    rate = _rates(rng, REDDIT_RATE, persona)
    who, t = people.sample(rng, acc, rate, people.join[acc], np.full(n_acc, np.inf), REDDIT_WD)
    t = np.floor(t)
    ev_persona = persona[who]
    zh = (people.comm[acc[who]] == 0) & (rng.random(len(who)) < 0.3)
    submit = rng.random(len(who)) < REDDIT_SUBMIT_P[ev_persona]
    deals = rng.random(len(who)) < np.where(ev_persona == STAFF, 0.35, 0.12)
    sub_of = deals.astype(np.int64)

    # staff deal posts when a global campaign starts, stickied
    staff_acc = np.flatnonzero(persona == STAFF)
    extra_t, extra_who, extra_title = [], [], []
    for i, (_, cs, _ce, _lift, name, comm, coupon) in enumerate(people.campaigns):
        if comm == 1 and 0 <= cs < H and len(staff_acc):
            extra_t.append(np.floor(cs + 3600 + 60 * i))
            extra_who.append(int(staff_acc[i % len(staff_acc)]))
            code = f", code {coupon}" if isinstance(coupon, str) else ""
            extra_title.append(f"[Deal] {name} starts today{code} & free shipping")

    # -------------------------------------------------------------- submissions
    s_ix = np.flatnonzero(submit)
    s_t = np.concatenate([t[s_ix], np.array(extra_t, dtype=float)])
    s_who = np.concatenate([who[s_ix], np.array(extra_who, dtype=np.int64)])
    s_sub = np.concatenate([sub_of[s_ix], np.ones(len(extra_t), dtype=np.int64)])
    s_zh = np.concatenate([zh[s_ix], np.zeros(len(extra_t), dtype=bool)])
    n_s = len(s_t)
    titles = np.where(
        s_zh[: len(s_ix)],
        _pick_text(rng, _expand(REDDIT_TITLES_ZH, _P_ZH), len(s_ix)),
        _pick_text(rng, _expand(REDDIT_TITLES_EN, _P_EN), len(s_ix)),
    )
    titles = np.concatenate([titles, np.array(extra_title, dtype=object)])
    selftext = np.where(
        s_zh,
        _pick_text(rng, _expand(REDDIT_SELF_ZH, _P_ZH), n_s),
        _pick_text(rng, _expand(REDDIT_SELF_EN, _P_EN), n_s),
    )
    link = rng.random(n_s) < 0.12
    handles = np.array([p[0] for p in T.PRODUCTS], dtype=object)[rng.integers(0, len(T.PRODUCTS), n_s)]
    url = np.where(link, "https://" + T.SHOP_DOMAIN + "/products/" + handles, None)
    selftext = np.where(link, "", selftext)
    flair = np.array(FLAIRS, dtype=object)[rng.integers(0, len(FLAIRS), n_s)]
    flair = np.where(s_sub == 1, "Deal", np.where(rng.random(n_s) < 0.15, None, flair))
    s_state = np.where(
        rng.random(n_s) < 0.015, "deleted", np.where(rng.random(n_s) < 0.01, "removed", "active")
    )
    s_state[len(s_ix) :] = "active"
    stickied = np.zeros(n_s, dtype=bool)
    stickied[len(s_ix) :] = True
    s_order = np.argsort(s_t, kind="stable")
    s_t, s_who, s_sub, titles, selftext, url, flair, s_state, stickied = (
        x[s_order] for x in (s_t, s_who, s_sub, titles, selftext, url, flair, s_state, stickied)
    )
    s_persona = persona[s_who]

    # -------------------------------------------------------------- comments on earlier submissions, same subreddit
    c_ix = np.flatnonzero(~submit)
    c_t, c_who, c_sub, c_zh = t[c_ix], who[c_ix], sub_of[c_ix], zh[c_ix]
    c_subm = np.full(len(c_ix), -1, dtype=np.int64)
    for k in (0, 1):
        rows = np.flatnonzero(s_sub == k)
        m = c_sub == k
        if not len(rows):
            continue
        before = np.searchsorted(s_t[rows], c_t[m], side="left")  # submissions strictly earlier
        back = np.minimum(rng.geometric(0.12, m.sum()) - 1, np.maximum(before - 1, 0))
        pick = before - 1 - back
        c_subm[np.flatnonzero(m)] = np.where(before > 0, rows[np.maximum(pick, 0)], -1)
    ok = c_subm >= 0
    c_t, c_who, c_sub, c_zh, c_subm = c_t[ok], c_who[ok], c_sub[ok], c_zh[ok], c_subm[ok]
    n_c = len(c_t)
    body = np.where(
        c_zh,
        _pick_text(rng, _expand(REDDIT_COMMENTS_ZH, _P_ZH), n_c),
        _pick_text(rng, _expand(REDDIT_COMMENTS_EN, _P_EN), n_c),
    )
    c_staff = persona[c_who] == STAFF
    body = np.where(c_staff, _pick_text(rng, _expand(REDDIT_STAFF_EN, _P_EN), n_c), body)
    c_dist = np.where(c_staff & (rng.random(n_c) < 0.5), "moderator", None)
    c_author = names[c_who]
    c_state = np.where(
        rng.random(n_c) < 0.025, "deleted", np.where(rng.random(n_c) < 0.01, "removed", "active")
    )
    c_sticky = np.zeros(n_c, dtype=bool)

    # AutoModerator: a stickied comment on every deal post and on a third of the questions
    auto = (s_sub == 1) | ((flair == "Question") & (rng.random(n_s) < 0.33))
    a_rows = np.flatnonzero(auto)
    n_a = len(a_rows)
    c_t = np.concatenate([c_t, s_t[a_rows] + rng.integers(2, 20, n_a)])
    c_subm = np.concatenate([c_subm, a_rows])
    c_sub = np.concatenate([c_sub, s_sub[a_rows]])
    body = np.concatenate(
        [body, np.array([AUTOMOD_COMMENT.format(s=SUBREDDITS[k]) for k in s_sub[a_rows]], object)]
    )
    c_author = np.concatenate([c_author, np.full(n_a, AUTOMOD[0], dtype=object)])
    c_dist = np.concatenate([c_dist, np.full(n_a, "moderator", dtype=object)])
    c_state = np.concatenate([c_state, np.full(n_a, "active", dtype=object)])
    c_sticky = np.concatenate([c_sticky, np.ones(n_a, dtype=bool)])
    n_c = len(c_t)

    # ids grow with time (Reddit's are global sequences: other subreddits take the numbers in between)
    s_num = int("1p00000", 36) + np.floor(np.maximum(s_t, 0) * 9).astype(np.int64) + np.arange(n_s)
    s_id = base36(s_num)
    c_order = np.lexsort((c_t, c_subm))  # by submission, then time: to find earlier comments of the thread
    c_t, c_subm, c_sub, body, c_author, c_dist, c_state, c_sticky = (
        x[c_order] for x in (c_t, c_subm, c_sub, body, c_author, c_dist, c_state, c_sticky)
    )
    by_time = np.argsort(c_t, kind="stable")
    c_num = np.empty(n_c, dtype=np.int64)
    c_num[by_time] = (
        int("nx00000", 36) + np.floor(np.maximum(c_t[by_time], 0) * 40).astype(np.int64) + np.arange(n_c)
    )
    c_id = base36(c_num)
    group_start = np.searchsorted(c_subm, c_subm, side="left")
    pos = np.arange(n_c) - group_start
    reply = (pos > 0) & (rng.random(n_c) < 0.45) & ~c_sticky
    back = np.minimum(rng.geometric(0.5, n_c) - 1, np.maximum(pos - 1, 0))
    target = np.arange(n_c) - 1 - back
    target = np.where(reply & ~c_sticky[np.maximum(target, 0)], target, -1)
    parent = np.where(target >= 0, "t1_" + c_id[np.maximum(target, 0)], "t3_" + s_id[c_subm])
    c_score = 1 + rng.negative_binomial(1, 0.3, n_c) - (rng.random(n_c) < 0.06) * rng.integers(1, 6, n_c)
    c_edit = np.where(rng.random(n_c) < 0.07, c_t + 60 + rng.exponential(7200, n_c), np.inf)
    c_edit = np.where(c_edit < H, c_edit, np.inf)
    num_comments = np.bincount(c_subm, minlength=n_s)
    s_score = 1 + rng.negative_binomial(1, 0.08, n_s) + 3 * num_comments
    s_edit = np.where(rng.random(n_s) < 0.05, s_t + 120 + rng.exponential(10800, n_s), np.inf)
    s_edit = np.where(s_edit < H, s_edit, np.inf)
    ws = people.ws_us

    user_num = 36**7 + np.cumsum(rng.integers(1, 2_000_000, n_acc))  # unique, growing with creation
    by_created = np.argsort(created, kind="stable")
    fullname = np.empty(n_acc, dtype=object)
    fullname[by_created] = "t2_" + base36(user_num)
    users = pd.DataFrame(
        {
            "username": _str(np.concatenate([names, [AUTOMOD[0]]])),
            "user_fullname": _str(np.concatenate([fullname, [AUTOMOD[1]]])),
            "created_at": _ts(ws, np.concatenate([np.floor(created), [-12 * 365 * 86400.0]]), "s"),
            "is_bot": np.concatenate([np.zeros(n_acc, dtype=bool), [True]]),
        }
    )
    submissions = pd.DataFrame(
        {
            "submission_id": _str(s_id),
            "subreddit": _str(np.array(SUBREDDITS, dtype=object)[s_sub]),
            "author": _str(names[s_who]),
            "title": _str(titles),
            "selftext": _str(selftext),
            "url": _str(url),
            "link_flair_text": _str(flair),
            "created_at": _ts(ws, s_t, "s"),
            "edited_at": _ts(ws, s_edit, "s"),
            "score": s_score.astype(np.int32),
            "num_comments": num_comments.astype(np.int32),
            "stickied": stickied,
            "distinguished": _str(np.where(stickied & (s_persona == STAFF), "moderator", None)),
            "state": _str(s_state),
        }
    )
    comments = (
        pd.DataFrame(
            {
                "comment_id": _str(c_id),
                "submission_id": _str(s_id[c_subm]),
                "parent_id": _str(parent),
                "subreddit": _str(np.array(SUBREDDITS, dtype=object)[c_sub]),
                "author": _str(c_author),
                "body": _str(body),
                "created_at": _ts(ws, c_t, "s"),
                "edited_at": _ts(ws, c_edit, "s"),
                "score": c_score.astype(np.int32),
                "stickied": c_sticky,
                "distinguished": _str(c_dist),
                "state": _str(c_state),
            }
        )
        .iloc[by_time]
        .reset_index(drop=True)
    )
    truth = pd.DataFrame(
        {
            "platform": _str(np.full(n_acc, "reddit", dtype=object)),
            "account_id": _str(names),
            "person_id": people.pid[acc],
        }
    )
    return {
        "reddit_users": users,
        "reddit_submissions": submissions,
        "reddit_comments": comments,
        "truth_accounts": truth,
    }


# ------------------------------------------------------------------------------------------------- discord


def _discord(people: _People, seed: int) -> dict[str, pd.DataFrame]:
    rng = _rng(seed, "discord")
    H = people.horizon
    ws = people.ws_us

    def unix_ms(seconds) -> np.ndarray:
        """Seconds since the window start -> unix milliseconds (exact for values already at ms)."""
        return (ws // 1000 + np.floor(np.round(np.asarray(seconds, dtype=float) * 1e6) / 1000)).astype(
            np.int64
        )

    # guilds, roles and channels: created on fixed days (so a seed's guild ids do not move with the window, and a
    # config can name them: demo/pulse.yml), before any window this sandbox serves by default
    g_created = (GUILDS_CREATED_UNIX_S - ws / 1e6).astype(float)
    g_ids = snowflakes(unix_ms(g_created), rng)
    role_ids = snowflakes(unix_ms(np.repeat(g_created, 3) + np.tile([60.0, 120.0, 180.0], 2)), rng).reshape(
        2, 3
    )
    ch_rows = []
    for g in (0, 1):
        cat_ids: dict[int, int] = {}
        made = snowflakes(unix_ms(g_created[g] + 300 + 60 * np.arange(len(CHANNELS))), rng)
        for i, (kind, zh_name, en_name, ctype, cat, private) in enumerate(CHANNELS):
            cid = int(made[i])
            if ctype == 4:
                cat_ids[i] = cid
            topic = TOPICS.get(kind, (None, None))[g]
            ch_rows.append(
                (cid, g, kind, zh_name if g == 0 else en_name, ctype, cat_ids.get(cat), i, topic, private)
            )
    ch_id = np.array([r[0] for r in ch_rows], dtype=np.int64)
    ch_guild = np.array([r[1] for r in ch_rows], dtype=np.int64)
    channel_of = {(r[1], r[2]): r[0] for r in ch_rows}

    # members: people of each community, some of the other one (bilingual), the two bots
    acc = _choose_accounts(rng, people, DISCORD_P)
    other = np.flatnonzero((rng.random(len(people.pid)) < 0.04) & people.member & (people.persona != BOT))
    m_person = np.concatenate([acc, other])
    m_guild = np.concatenate([people.comm[acc], 1 - people.comm[other]])
    keep = np.unique(m_guild * (1 << 40) + m_person, return_index=True)[1]
    m_person, m_guild = m_person[keep], m_guild[keep]
    persons_on = np.unique(m_person)
    n_u = len(persons_on)
    u_names = _handles(rng, people, persons_on, 0.4, reddit=False)
    fname = people.forum_name[persons_on]
    nick_pool = np.array(T.CN_NICKNAMES, dtype=object)[rng.integers(0, len(T.CN_NICKNAMES), n_u)]
    global_name = np.where(fname != None, fname, np.where(people.comm[persons_on] == 0, nick_pool, None))  # noqa: E711
    global_name = np.where(rng.random(n_u) < 0.15, None, global_name)
    u_created = np.minimum(people.join[persons_on], 0.0) - rng.uniform(10, 6 * 365, n_u) * 86400
    u_ids = snowflakes(unix_ms(u_created), rng)
    u_row = pd.Series(np.arange(n_u), index=persons_on)
    m_user = u_row.reindex(m_person).to_numpy()

    pj = people.join[m_person]
    m_join = np.where(
        pj >= 0,
        np.minimum(pj + rng.exponential(3 * 86400, len(pj)), H - 1),
        np.minimum(np.maximum(pj, g_created[m_guild]) + rng.exponential(30 * 86400, len(pj)), -60.0),
    )
    churn = people.churn[m_person]
    react = people.react[m_person]
    left = (rng.random(len(pj)) < 0.3) & np.isfinite(churn) & ~(react < H)
    m_left = np.where(left, np.maximum(churn, m_join + 3600), np.inf)
    gone = m_left < 0  # left before the window: neither listed nor writing in it
    m_person, m_guild, m_user, m_join, m_left = (
        x[~gone] for x in (m_person, m_guild, m_user, m_join, m_left)
    )
    n_m = len(m_person)
    m_persona = people.persona[m_person]
    boost = np.where(rng.random(n_m) < 0.03, np.maximum(m_join, 0) + rng.uniform(0, 30 * 86400, n_m), np.inf)
    boost = np.where(boost < H, boost, np.inf)
    nicks = np.where(
        m_guild == 0,
        np.array(T.CN_NICKNAMES, dtype=object)[rng.integers(0, len(T.CN_NICKNAMES), n_m)],
        np.array(T.EN_FIRST, dtype=object)[rng.integers(0, len(T.EN_FIRST), n_m)],
    )
    nick = np.where(rng.random(n_m) < 0.1, nicks, None)
    regular = (m_persona >= CONTRIB) & (m_persona != STAFF)
    roles = np.where(
        m_persona == STAFF,
        role_ids[m_guild, 0].astype(SD).astype(object),
        np.where(regular, role_ids[m_guild, 1].astype(SD).astype(object), ""),
    )

    # -------------------------------------------------------------- messages of people
    rate = _rates(rng, DISCORD_RATE, m_persona)
    mi, t = people.sample(rng, m_person, rate, np.maximum(m_join, 0.0), m_left, DISCORD_WD)
    n = len(t)
    staff = m_persona[mi] == STAFF
    cdf_r, cdf_s = np.cumsum(REGULAR_CHANNEL_P), np.cumsum(STAFF_CHANNEL_P)
    u = rng.random(n)
    kind_ix = np.where(staff, np.searchsorted(cdf_s, u * cdf_s[-1]), np.searchsorted(cdf_r, u * cdf_r[-1]))
    kind = np.array(CHAT_KINDS, dtype=object)[np.minimum(kind_ix, len(CHAT_KINDS) - 1)]
    guild = m_guild[mi]
    author = u_ids[m_user[mi]]

    # bots: LumoBot's daily tip in #general (09:00 local) and its welcome replies; the collector's bot never writes
    bot_created = -np.array([900.0, 780.0]) * 86400  # before the guilds they serve
    bot_ids = snowflakes(unix_ms(bot_created), rng)  # collector, brand bot
    days = np.arange(int(H // 86400))
    tip_t = np.concatenate([days * 86400 + 9 * 3600.0, days * 86400 + (9 + 13) * 3600.0])  # 09:00 +08 / -05
    tip_g = np.repeat([0, 1], len(days))
    ok_tip = (tip_t >= 0) & (tip_t < H)
    tip_t, tip_g = tip_t[ok_tip] + rng.uniform(0, 5, ok_tip.sum()), tip_g[ok_tip]

    # member joins inside the window: a system message in #general, half of them welcomed by LumoBot
    joins = np.flatnonzero((m_join >= 0) & (m_join < H))
    welcome = joins[rng.random(len(joins)) < 0.5]
    welcome_t = m_join[welcome] + rng.uniform(1, 30, len(welcome))
    welcome, welcome_t = welcome[welcome_t < H], welcome_t[welcome_t < H]

    # all messages: people, tips, joins, welcomes
    all_t = np.concatenate([t, tip_t, m_join[joins], welcome_t])
    all_g = np.concatenate([guild, tip_g, m_guild[joins], m_guild[welcome]])
    all_kind = np.concatenate(
        [kind, np.full(len(tip_t), "general", object), np.full(len(joins) + len(welcome), "general", object)]
    )
    all_author = np.concatenate(
        [author, np.full(len(tip_t), bot_ids[1]), u_ids[m_user[joins]], np.full(len(welcome), bot_ids[1])]
    )
    src = np.repeat(
        np.arange(4), [n, len(tip_t), len(joins), len(welcome)]
    )  # 0 person, 1 tip, 2 join, 3 welcome
    all_staff = np.concatenate([staff, np.zeros(len(all_t) - n, dtype=bool)])
    all_persona = np.concatenate([m_persona[mi], np.full(len(all_t) - n, BOT)])
    welcome_of = np.concatenate([np.full(n + len(tip_t) + len(joins), -1), np.arange(len(welcome))])
    order = np.argsort(all_t, kind="stable")
    all_t, all_g, all_kind, all_author, src, all_staff, all_persona, welcome_of = (
        x[order] for x in (all_t, all_g, all_kind, all_author, src, all_staff, all_persona, welcome_of)
    )
    N = len(all_t)
    all_t = np.floor(all_t * 1000) / 1000
    chan = np.array(
        [channel_of[(g, k)] for g, k in zip(all_g.tolist(), all_kind.tolist(), strict=True)], np.int64
    )
    msg_id = snowflakes(unix_ms(all_t), rng)
    mtype = np.where(src == 2, 7, 0).astype(np.int8)

    # content by language and channel kind
    lang = np.where(all_g == 0, "zh-CN", "en")
    content = np.empty(N, dtype=object)
    for lg in ("zh-CN", "en"):
        products = _P_ZH if lg == "zh-CN" else _P_EN
        words = DISCORD_CHAT[lg]
        for k in CHAT_KINDS:
            m = (lang == lg) & (all_kind == k) & (src == 0)
            content[m] = _pick_text(rng, _expand(words[k], products), int(m.sum()))
        m = (lang == lg) & (src == 1)
        content[m] = _pick_text(rng, _expand(words["tip"], products), int(m.sum()))
        m = (lang == lg) & (src == 3)
        content[m] = _pick_text(rng, _expand(words["welcome"], products), int(m.sum()))
    content[src == 2] = ""
    # staff announce campaigns in their community's #announcements when they start
    for _exp, cs, _ce, _lift, name, comm, coupon in people.campaigns:
        m = np.flatnonzero((all_g == comm) & (all_kind == "announce") & (all_t >= cs))
        if len(m):
            code = f" {coupon}" if isinstance(coupon, str) else ""
            content[m[0]] = (
                f"【活动】{name} 开始啦！优惠码{code}" if comm == 0 else f"📢 {name} starts today!{code}"
            )

    # replies: to a recent earlier message of the same channel; welcomes reply to their join message
    key = np.lexsort((all_t, chan))
    pos_in = np.empty(N, dtype=np.int64)
    pos_in[key] = np.arange(N) - np.searchsorted(chan[key], chan[key], side="left")
    ref = np.full(N, -1, dtype=np.int64)
    want = (src == 0) & (rng.random(N) < 0.22) & (pos_in > 0) & (all_kind != "announce")
    back = np.minimum(rng.geometric(0.35, N) - 1, np.maximum(pos_in - 1, 0))
    rank = np.empty(N, dtype=np.int64)
    rank[key] = np.arange(N)
    ref[want] = key[rank[want] - 1 - back[want]]
    ref = np.where((ref >= 0) & (mtype[np.maximum(ref, 0)] == 7), -1, ref)  # nobody replies to a join notice
    join_rows = np.flatnonzero(src == 2)
    keys = zip(all_author[join_rows].tolist(), all_g[join_rows].tolist(), strict=True)
    join_at = dict(zip(keys, join_rows.tolist(), strict=True))
    welcome_rows = np.flatnonzero(src == 3)
    welcomed = u_ids[m_user[welcome]]
    for r in welcome_rows.tolist():
        ref[r] = join_at.get((int(welcomed[welcome_of[r]]), int(all_g[r])), -1)
    replying = ref >= 0
    mtype[replying] = 19
    reply_kind = np.where(all_staff, "staff_reply", "reply")
    for lg in ("zh-CN", "en"):
        for rk in ("reply", "staff_reply"):
            m = replying & (src == 0) & (lang == lg) & (reply_kind == rk) & (rng.random(N) < 0.6)
            content[m] = _pick_text(rng, np.array(DISCORD_CHAT[lg][rk], dtype=object), int(m.sum()))

    # threads: some messages in chat channels start one; later messages of that channel move into it
    starter = (
        (src == 0) & np.isin(all_kind, ["brewing", "show", "support", "general"]) & (rng.random(N) < 0.03)
    )
    s_rows = np.flatnonzero(starter)
    thread_of = np.full(N, -1, dtype=np.int64)
    for c in np.unique(chan[s_rows]).tolist():
        st = s_rows[chan[s_rows] == c]
        rows = np.flatnonzero((chan == c) & (src == 0) & ~starter & (ref < 0))
        j = np.searchsorted(all_t[st], all_t[rows], side="right") - 1
        ok = (
            (j >= 0)
            & (all_t[rows] - all_t[st[np.maximum(j, 0)]] < 2 * 86400)
            & (rng.random(len(rows)) < 0.35)
        )
        thread_of[rows[ok]] = st[j[ok]]
    in_thread = thread_of >= 0
    chan_out = np.where(in_thread, msg_id[np.maximum(thread_of, 0)], chan)
    elsewhere = (ref >= 0) & (chan_out[np.maximum(ref, 0)] != chan_out)  # replies stay in their channel
    ref[elsewhere] = -1
    mtype[elsewhere] = 0
    t_lang = lang[s_rows]
    t_name = np.empty(len(s_rows), dtype=object)
    for lg in ("zh-CN", "en"):
        m = t_lang == lg
        t_name[m] = _pick_text(
            rng, _expand(DISCORD_CHAT[lg]["thread"], _P_ZH if lg == "zh-CN" else _P_EN), m.sum()
        )
    t_count = np.bincount(np.searchsorted(s_rows, thread_of[in_thread]), minlength=len(s_rows))
    last = all_t[s_rows].copy()
    np.maximum.at(last, np.searchsorted(s_rows, thread_of[in_thread]), all_t[in_thread])
    auto_min = np.where(rng.random(len(s_rows)) < 0.8, 1440, 10080)
    archive_at = last + auto_min * 60.0
    archived = archive_at < H
    archive_at = np.where(archived, archive_at, all_t[s_rows])  # an active thread's: when it was created

    edited = np.where((src == 0) & (rng.random(N) < 0.05), all_t + 30 + rng.exponential(1200, N), np.inf)
    edited = np.where(edited < H, np.floor(edited * 1000) / 1000, np.inf)
    weight = np.select([all_persona == LEADER, all_persona == STAFF, src == 1], [2.5, 3.0, 2.0], 1.0)
    weight = np.where(src == 2, 0.0, weight)
    pinned = (all_kind == "announce") & (rng.random(N) < 0.3)

    guild_ids = g_ids.astype(SD).astype(object)
    owner = [u_ids[m_user[np.flatnonzero((m_guild == g) & (m_persona == STAFF))[:1]]] for g in (0, 1)]
    guilds = pd.DataFrame(
        {
            "guild_id": _str(guild_ids),
            "name": _str(np.array(GUILD_NAMES, dtype=object)),
            "community": _str(np.array(["brand_cn", "brand_global"], dtype=object)),
            "lang": _str(np.array(["zh-CN", "en"], dtype=object)),
            "owner_id": _str(
                np.array([str(o[0]) if len(o) else str(bot_ids[1]) for o in owner], dtype=object)
            ),
            "system_channel_id": _str(
                np.array([str(channel_of[(g, "general")]) for g in (0, 1)], dtype=object)
            ),
            "created_at": _ts(ws, np.floor(g_created), "ms"),
            "staff_role_id": _str(role_ids[:, 0].astype(SD).astype(object)),
            "regular_role_id": _str(role_ids[:, 1].astype(SD).astype(object)),
            "bot_role_id": _str(role_ids[:, 2].astype(SD).astype(object)),
        }
    )
    channels = pd.DataFrame(
        {
            "channel_id": _str(ch_id.astype(SD).astype(object)),
            "guild_id": _str(guild_ids[ch_guild]),
            "name": _str(np.array([r[3] for r in ch_rows], dtype=object)),
            "type": np.array([r[4] for r in ch_rows], dtype=np.int8),
            "parent_id": _str(np.array([None if r[5] is None else str(r[5]) for r in ch_rows], dtype=object)),
            "position": np.array([r[6] for r in ch_rows], dtype=np.int32),
            "topic": _str(np.array([r[7] for r in ch_rows], dtype=object)),
            "private": np.array([r[8] for r in ch_rows], dtype=bool),
        }
    )
    # bots are members of both guilds, joined when the guild was set up
    b_join = np.array([g_created[0] + 3600, g_created[1] + 3600, g_created[0] + 7200, g_created[1] + 7200])
    members = pd.DataFrame(
        {
            "guild_id": _str(np.concatenate([guild_ids[m_guild], guild_ids[[0, 1, 0, 1]]])),
            "user_id": _str(np.concatenate([u_ids[m_user], bot_ids[[0, 0, 1, 1]]]).astype(SD).astype(object)),
            "username": _str(np.concatenate([u_names[m_user], [COLLECTOR_BOT[0]] * 2 + [BRAND_BOT[0]] * 2])),
            "global_name": _str(np.concatenate([global_name[m_user], [None] * 4])),
            "discriminator": _str(
                np.array(["0"] * n_m + [COLLECTOR_BOT[2]] * 2 + [BRAND_BOT[2]] * 2, dtype=object)
            ),
            "bot": np.concatenate([np.zeros(n_m, dtype=bool), np.ones(4, dtype=bool)]),
            "nick": _str(np.concatenate([nick, [None, None, BRAND_BOT[1], BRAND_BOT[1]]])),
            "roles": _str(np.concatenate([roles, role_ids[[0, 1, 0, 1], 2].astype(SD).astype(object)])),
            "joined_at": _ts(ws, np.floor(np.concatenate([m_join, b_join]) * 1000) / 1000, "ms"),
            "premium_since": _ts(ws, np.concatenate([boost, np.full(4, np.inf)]), "ms"),
            "left_at": _ts(ws, np.concatenate([m_left, np.full(4, np.inf)]), "ms"),
        }
    )
    threads = pd.DataFrame(
        {
            "thread_id": _str(msg_id[s_rows].astype(SD).astype(object)),
            "guild_id": _str(guild_ids[all_g[s_rows]]),
            "parent_id": _str(chan[s_rows].astype(SD).astype(object)),
            "owner_id": _str(all_author[s_rows].astype(SD).astype(object)),
            "name": _str(t_name),
            "created_at": _ts(ws, all_t[s_rows], "ms"),
            "last_message_at": _ts(ws, last, "ms"),
            "message_count": t_count.astype(np.int32),
            "archived": archived,
            "archive_at": _ts(ws, np.floor(archive_at * 1000) / 1000, "ms"),
            "auto_archive_minutes": auto_min.astype(np.int32),
        }
    )
    messages = pd.DataFrame(
        {
            "message_id": _str(msg_id.astype(SD).astype(object)),
            "channel_id": _str(chan_out.astype(SD).astype(object)),
            "guild_id": _str(guild_ids[all_g]),
            "author_id": _str(all_author.astype(SD).astype(object)),
            "type": mtype,
            "content": _str(content),
            "created_at": _ts(ws, all_t, "ms"),
            "edited_at": _ts(ws, edited, "ms"),
            "referenced_message_id": _str(
                np.where(ref >= 0, msg_id[np.maximum(ref, 0)].astype(SD).astype(object), None)
            ),
            "pinned": pinned,
            "reactions": _str(_reactions(rng, N, weight)),
        }
    )
    truth = pd.DataFrame(
        {
            "platform": _str(np.full(n_u, "discord", dtype=object)),
            "account_id": _str(u_ids.astype(SD).astype(object)),
            "person_id": people.pid[persons_on],
        }
    )
    return {
        "discord_guilds": guilds,
        "discord_channels": channels,
        "discord_members": members,
        "discord_threads": threads,
        "discord_messages": messages,
        "truth_accounts": truth,
    }


def extend(world: World, seed: int) -> dict[str, pd.DataFrame]:
    people = _People(world, seed)
    reddit = _reddit(people, seed)
    discord = _discord(people, seed)
    truth = pd.concat([reddit.pop("truth_accounts"), discord.pop("truth_accounts")], ignore_index=True)
    return {**reddit, **discord, "truth_accounts": truth}
