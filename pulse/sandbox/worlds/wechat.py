"""WeCom customer groups and contacts, and a WeChat Official Account, derived from the core world's people.

Who is on WeChat is the core world's `persons.wechat_unionid` (most of brand_cn, a few of brand_global): every
WeCom external contact of type 1, group member of type 2 and Official Account follower is one of those people, and
carries that unionid, which is how identity resolution links the three to each other and to the forum and store.
A few contacts are WeCom users of other companies (type 2: distributors), who have no unionid.

Time follows one clock per community: an hourly intensity with the evening/weekday rhythm of WeChat use and the
campaigns' `activity_lift` (WeChat-channel campaigns lift the Official Account a little more). Each event (a
contact added, a group joined, a follow) happens after an exponential amount of that intensity-time from what
enables it (the person joining the community, the group being created), so events bunch on evenings and in
campaigns. People leave groups when they churn (most do) or at random; reactivated people sometimes come back
(a second membership with a new join_time). Followers unfollow the same way and sometimes follow again.

Tables (timestamps naive UTC, second precision, as the APIs send epoch seconds):
| table | columns |
|---|---|
| `wecom_staff` | userid, name (staff with the customer-contact permission) |
| `wecom_group_chats` | chat_id, name, owner (userid), create_time, notice, status (0: owner active), admin_userids (comma-joined) |
| `wecom_group_members` | chat_id, userid (staff userid or external_userid), type (1 staff, 2 external), unionid (externals), join_time, join_scene (1 invited, 2 invite link, 3 group QR code), invitor (staff userid, nullable), group_nickname, name, left_at (nullable: still in the group at the window end). One row per membership spell: (chat_id, userid, join_time) is unique |
| `wecom_external_contacts` | external_userid, name, type (1 WeChat, 2 WeCom user), gender, unionid (nullable), corp_name (nullable), avatar |
| `wecom_follow_users` | external_userid, userid, remark, description, createtime, add_way, oper_userid, state (nullable: the campaign's contact-way state), tag (nullable), remark_mobile (nullable, as the staff typed it) |
| `wechat_mp_followers` | openid, unionid, language, first_subscribe_time, unsubscribe_time (nullable), resubscribe_time (nullable), subscribe_scene, user_source, qr_scene_str (nullable). Following at time t: subscribed, not unsubscribed since, or subscribed again |
| `wechat_mp_user_summary` | ref_date (date, Asia/Shanghai), user_source, new_user, cancel_user: a row per day and source with any, else one (day, 0, 0, 0) row, like the API |
| `wechat_mp_user_cumulate` | ref_date, cumulate_user (followers at the end of the day) |
| `wechat_mp_articles` | ref_date, msgid (`appmsgid_index`), title, int_page_read_user/count, ori_page_read_user/count, share_user/count, add_to_fav_user/count |

`truth_accounts` gains `wecom_staff` (userid), `wecom_external` (external_userid) and `wechat_mp` (openid) rows.
"""

from __future__ import annotations

import datetime as dt
import zlib

import numpy as np
import pandas as pd

from pulse.sandbox import text as T
from pulse.sandbox.tables import World
from pulse.sandbox.world import campaign_holdout

TABLES = (
    "wecom_staff",
    "wecom_group_chats",
    "wecom_group_members",
    "wecom_external_contacts",
    "wecom_follow_users",
    "wechat_mp_followers",
    "wechat_mp_user_summary",
    "wechat_mp_user_cumulate",
    "wechat_mp_articles",
)

PERSONAS = ("lurker", "casual", "contributor", "leader", "staff", "bot")
STAFF, BOT = 4, 5
SHOP_ONLY = 6  # a lurker without a forum account: a store customer only
SD = np.dtypes.StringDType()

# by persona class (lurker, casual, contributor, leader, staff, bot, shop-only)
P_CONTACT = np.array([0.35, 0.55, 0.75, 0.9, 0.0, 0.0, 0.25])
P_GROUP = np.array([0.35, 0.6, 0.8, 0.95, 0.0, 0.0, 0.15])
EXTRA_GROUPS = np.array([0.15, 0.4, 0.8, 1.5, 0.0, 0.0, 0.05])  # Poisson mean of groups beyond the first
P_FOLLOW = np.array([0.45, 0.65, 0.8, 0.9, 1.0, 0.0, 0.35])
GROUP_CAP = 500  # WeCom customer groups hold at most 500 people

# hour-of-day (local) and weekday (Mon..Sun) rhythm of WeChat use; normalised to mean 1
_HOUR = np.array(
    [0.5, 0.3, 0.15, 0.1, 0.08, 0.1, 0.25, 0.6, 0.9, 1.0, 1.05, 1.1, 1.35, 1.2, 0.95, 0.95, 1.0, 1.05, 1.2,
     1.45, 1.75, 1.9, 1.6, 1.0]
)  # fmt: skip
_WEEKDAY = np.array([1.0, 1.02, 1.05, 1.02, 0.95, 1.0, 0.96])
HOUR_F = _HOUR / _HOUR.mean()
WEEKDAY_F = _WEEKDAY / _WEEKDAY.mean()
# a WeChat-channel campaign lifts Official Account follows beyond its activity lift
WECHAT_CAMPAIGN_EXTRA = 1.6

ADD_WAYS = np.array([1, 4, 2, 3, 6, 16, 202])
ADD_WAY_P = np.array([0.45, 0.2, 0.1, 0.08, 0.07, 0.05, 0.05])
TAGS = ("新客", "老客", "VIP", "潜在客户", "茶艺爱好者")
REMARK_SUFFIX = ("-老客户", "-VIP", "（杭州）", "（上海）", "-团购", "-试饮")
DISTRIBUTORS = ("杭州茗香茶业有限公司", "上海悦茶商贸有限公司", "成都蜀韵茶行", "广州岭南茶仓")

# getusersummary's user_source: 0 other, 1 search, 17 business card, 30 QR code, 51 after payment, 57 account
# name in an article, 100 WeChat ads, 161 reprinted by others; the matching user/info subscribe_scene
USER_SOURCES = np.array([0, 1, 17, 30, 51, 57, 100, 161])
USER_SOURCE_P = np.array([0.12, 0.25, 0.05, 0.3, 0.08, 0.12, 0.03, 0.05])
SCENES = {
    0: "ADD_SCENE_OTHERS",
    1: "ADD_SCENE_SEARCH",
    17: "ADD_SCENE_PROFILE_CARD",
    30: "ADD_SCENE_QR_CODE",
    51: "ADD_SCENE_PAID",
    57: "ADD_SCENE_PROFILE_LINK",
    100: "ADD_SCENE_WECHAT_ADVERTISEMENT",
    161: "ADD_SCENE_REPRINT",
}

GROUP_THEMES_CN = ("茶友交流", "新品体验", "VIP会员", "冲泡学堂", "福利秒杀", "老茶客")
GROUP_THEMES_EN = ("Lumo Tea Friends", "Lumo Tea Tasting Club", "Lumo Tea Brew Lab")
NOTICES_CN = (
    "欢迎加入鹿茗茶茶友群！群内请文明交流，禁止发广告。",
    "每周三晚 8 点群内秒杀，记得准时来哦～",
    "新品试饮名额有限，填写问卷即可报名。",
    "售后问题请私聊群主，我们会在 24 小时内回复。",
    "",
)
NOTICES_EN = ("Welcome! Be kind, no spam.", "Tasting notes every Friday — share yours!", "")
GROUP_NICK_SUFFIX = ("", "", "", "-杭州", "-北京", "-上海", "-深圳", "🍵", "-茶友")
EMOJI = ("", "", "", "", "🍵", "🌸", "🐱", "☀️", "🌿")
ARTICLE_TITLES = (
    "秋冬喝什么茶？这份指南请收好",
    "一杯好龙井，从这三步开始",
    "冷泡茶的正确打开方式",
    "茶友问答｜白茶越陈越好吗？",
    "鹿茗茶工厂探访：一片茶叶的旅程",
    "本周上新｜桂花乌龙限量发售",
    "办公室泡茶，只需要一个随手杯",
    "茶与点心的搭配公式",
    "新手必看：绿茶、红茶、乌龙茶怎么选",
    "会员日福利来啦，戳进来领券",
    "茶友故事｜在山里种茶的第十年",
    "喝茶睡不着？你可能泡错了",
)
ARTICLE_SECONDARY = ("今日茶签", "评论区抽 5 位茶友送试饮装", "往期精选", "冲泡小贴士", "门店活动预告")


def _rng(seed: int, name: str) -> np.random.Generator:
    return np.random.default_rng([int(seed), zlib.crc32(f"wechat/{name}".encode())])


def _ids(rng: np.random.Generator, prefix: str, n: int, length: int, alphabet: bytes) -> np.ndarray:
    """n random ids `prefix` + `length` characters of `alphabet` (collisions: never at these lengths)."""
    letters = np.frombuffer(alphabet, dtype=np.uint8)
    codes = letters[rng.integers(0, len(letters), (n, length))]
    return np.strings.add(prefix, codes.view(f"S{length}").ravel().astype(SD)) if n else np.array([], SD)


ALNUM = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
B64URL = ALNUM + b"-_"


class _Clock:
    """Cumulative WeChat-use intensity per community on an hourly grid (hours since the window start); events
    happen after an exponential amount of it, so they follow the daily/weekly rhythm and the campaigns."""

    def __init__(self, g0: int, rates: np.ndarray):
        self.g0 = g0
        self.rates = rates  # (communities, hours)
        self.n = rates.shape[1]
        self.cum = np.concatenate([np.zeros((rates.shape[0], 1)), np.cumsum(rates, axis=1)], axis=1)

    def at(self, comm: np.ndarray, h: np.ndarray) -> np.ndarray:
        x = np.clip(np.asarray(h, dtype=float) - self.g0, 0.0, None)
        k = np.minimum(np.floor(x).astype(np.int64), self.n - 1)
        inside = x < self.n
        base = self.cum[comm, k] + (x - k) * self.rates[comm, k]
        beyond = self.cum[comm, self.n] + (x - self.n)
        return np.where(inside, base, beyond)

    def after(self, comm: np.ndarray, h: np.ndarray, amount: np.ndarray) -> np.ndarray:
        """The hour at which `amount` more intensity has accrued since hour h."""
        y = self.at(comm, h) + amount
        out = np.empty(len(y))
        for c in range(self.cum.shape[0]):
            m = comm == c
            if not m.any():
                continue
            yc = y[m]
            k = np.clip(np.searchsorted(self.cum[c], yc, side="right") - 1, 0, self.n - 1)
            t = self.g0 + k + (yc - self.cum[c, k]) / self.rates[c, k]
            end = self.cum[c, self.n]
            out[m] = np.where(yc >= end, self.g0 + self.n + (yc - end), t)
        return out


def _hours(ts: pd.Series, origin: np.datetime64) -> np.ndarray:
    v = ts.to_numpy(dtype="datetime64[us]")
    h = (v - origin).astype("timedelta64[us]").astype(np.int64) / 3.6e9
    h[np.isnat(v)] = np.inf
    return h


def _ts(hours: np.ndarray, origin: np.datetime64, null: np.ndarray | None = None) -> np.ndarray:
    """Hours since the window start -> naive UTC datetime64[us] at whole seconds (NaT where null)."""
    h = np.where(np.isfinite(hours), hours, 0.0)
    us = np.floor(h * 3600).astype(np.int64) * 1_000_000
    out = (origin.astype("datetime64[us]").astype(np.int64) + us).view("datetime64[us]")
    if null is not None and null.any():
        out = out.copy()
        out[null] = np.datetime64("NaT")
    return out


def _str(values, null: np.ndarray | None = None) -> pd.Series:
    obj = np.asarray(values).astype(object)
    if null is not None and null.any():
        obj = obj.copy()
        obj[null] = None
    return pd.Series(obj, dtype="str")


def _pick(rng: np.random.Generator, p: np.ndarray, n: int) -> np.ndarray:
    return np.searchsorted(np.cumsum(p) / np.sum(p), rng.random(n), side="right").clip(0, len(p) - 1)


def extend(world: World, seed: int) -> dict[str, pd.DataFrame]:
    persons = world["persons"]
    origin = np.datetime64(str(world.meta["window_start_utc"])[:19], "us")
    H = float((np.datetime64(str(world.meta["window_end_utc"])[:19], "us") - origin).astype(np.int64) / 3.6e9)
    n_days = int(round(H / 24))
    acc = world["truth_accounts"]
    forum_pids = acc.loc[acc["platform"] == "discourse", "person_id"].to_numpy()

    pid = persons["person_id"].to_numpy(dtype=np.int64)
    P = len(pid)
    persona = pd.Categorical(persons["persona"].astype(object), categories=PERSONAS).codes.astype(np.int64)
    member = np.isin(pid, forum_pids)
    klass = np.where((persona == 0) & ~member, SHOP_ONLY, persona)
    comm = (persons["home_community"].astype(object) != "brand_cn").to_numpy().astype(np.int64)
    joined = _hours(persons["joined_at"], origin)
    churn = _hours(persons["churned_at"], origin)
    react = _hours(persons["reactivated_at"], origin)
    unionid = persons["wechat_unionid"].astype(object).to_numpy()
    has_wx = pd.notna(persons["wechat_unionid"]).to_numpy()
    phone = persons["phone_e164"].astype(object).to_numpy()

    clock, mp_clock = _clocks(world, origin, H, joined)
    nick = _nicknames(_rng(seed, "names"), persons, comm)

    staff = _staff(world, pid, persona, comm)
    groups, members = _groups(seed, world, origin, H, clock, staff, pid, klass, comm, joined, churn, react)
    ext_pick = has_wx & (persona != STAFF) & (persona != BOT)
    contacts, follows = _contacts(
        seed, world, origin, H, clock, staff, pid, klass, comm, joined, has_wx, ext_pick, phone, nick
    )

    # external_userids: one per person who is a contact or a group member
    ext_persons = np.union1d(contacts["person"], members["person"][members["type"] == 2])
    ext_id = _ids(_rng(seed, "external-ids"), "wm", len(ext_persons), 30, B64URL)
    ext_of = dict(zip(ext_persons.tolist(), ext_id.tolist(), strict=True))
    staff_of = dict(zip(staff["person"].tolist(), staff["userid"].tolist(), strict=True))
    row_of = pd.Series(np.arange(P), index=pid)

    # -- wecom tables
    m_person = members["person"]
    m_row = row_of.loc[m_person].to_numpy()
    m_user = np.array(
        [
            ext_of[p] if t == 2 else staff_of[p]
            for p, t in zip(m_person.tolist(), members["type"].tolist(), strict=True)
        ],
        dtype=object,
    )
    m_ext = members["type"] == 2
    m_name = np.where(m_ext, nick[m_row], staff["name_of"][m_row])
    gn_rng = _rng(seed, "group-nicknames")
    suffix = np.array(GROUP_NICK_SUFFIX, dtype=object)[gn_rng.integers(0, len(GROUP_NICK_SUFFIX), len(m_row))]
    has_gn = gn_rng.random(len(m_row)) < np.where(m_ext, 0.3, 0.9)
    group_nickname = np.where(has_gn, np.char.add(m_name.astype(str), suffix.astype(str)), "")
    left = members["leave"] < H
    wecom_members = pd.DataFrame(
        {
            "chat_id": _str(groups["chat_id"][members["group"]]),
            "userid": _str(m_user),
            "type": members["type"].astype(np.int8),
            "unionid": _str(unionid[m_row], ~m_ext | ~has_wx[m_row]),
            "join_time": _ts(members["join"], origin),
            "join_scene": members["scene"].astype(np.int8),
            "invitor": _str(members["invitor"], pd.isna(members["invitor"])),
            "group_nickname": _str(group_nickname),
            "name": _str(m_name),
            "left_at": _ts(members["leave"], origin, ~left),
        }
    )
    order = np.lexsort((wecom_members["join_time"].to_numpy(), members["group"]))
    wecom_members = wecom_members.iloc[order].reset_index(drop=True)

    c_row = row_of.loc[contacts["person"]].to_numpy()
    c_type2 = contacts["type"] == 2
    a_rng = _rng(seed, "avatars")
    external = pd.DataFrame(
        {
            "external_userid": _str([ext_of[p] for p in contacts["person"].tolist()]),
            "name": _str(nick[c_row]),
            "type": contacts["type"].astype(np.int8),
            "gender": a_rng.choice(np.array([0, 1, 2], dtype=np.int8), len(c_row), p=[0.1, 0.4, 0.5]),
            "unionid": _str(unionid[c_row], c_type2 | ~has_wx[c_row]),
            "corp_name": _str(contacts["corp"], ~c_type2),
            "avatar": _str(
                np.strings.add(
                    np.strings.add(
                        "http://wx.qlogo.cn/mmhead/", _ids(a_rng, "Q3auHgzwzM", len(c_row), 40, ALNUM)
                    ),
                    "/0",
                )
            ),
        }
    )
    f_ext = np.array([ext_of[p] for p in follows["person"].tolist()], dtype=object)
    oper = np.where(follows["add_way"] == 1, f_ext, follows["userid"])
    wecom_follow = pd.DataFrame(
        {
            "external_userid": _str(f_ext),
            "userid": _str(follows["userid"]),
            "remark": _str(follows["remark"]),
            "description": _str(follows["description"]),
            "createtime": _ts(follows["created"], origin),
            "add_way": follows["add_way"].astype(np.int16),
            "oper_userid": _str(oper),
            "state": _str(follows["state"], pd.isna(follows["state"])),
            "tag": _str(follows["tag"], pd.isna(follows["tag"])),
            "remark_mobile": _str(follows["mobile"], pd.isna(follows["mobile"])),
        }
    ).sort_values(["external_userid", "createtime"], kind="stable", ignore_index=True)

    wecom_staff = pd.DataFrame({"userid": _str(staff["userid"]), "name": _str(staff["name"])})

    # -- WeChat Official Account
    mp = _followers(seed, world, origin, H, mp_clock, pid, klass, comm, joined, churn, react, has_wx)
    f_row = row_of.loc[mp["person"]].to_numpy()
    openid = _ids(_rng(seed, "openids"), "oLVPp", len(f_row), 23, B64URL)
    unsub = mp["unsub"] < H
    resub = unsub & (mp["resub"] < H)
    followers = pd.DataFrame(
        {
            "openid": _str(openid),
            "unionid": _str(unionid[f_row]),
            "language": _str(np.where(comm[f_row] == 0, "zh_CN", "en")),
            "first_subscribe_time": _ts(mp["sub"], origin),
            "unsubscribe_time": _ts(mp["unsub"], origin, ~unsub),
            "resubscribe_time": _ts(mp["resub"], origin, ~resub),
            "subscribe_scene": _str([SCENES[int(s)] for s in mp["source"].tolist()]),
            "user_source": mp["source"].astype(np.int16),
            "qr_scene_str": _str(mp["qr"], pd.isna(mp["qr"])),
        }
    )
    order = np.argsort(mp["sub"], kind="stable")  # user/get lists followers in the order they followed
    followers = followers.iloc[order].reset_index(drop=True)
    summary, cumulate = _datacube(world, origin, H, n_days, mp, unsub, resub)
    articles = _articles(seed, world, origin, n_days, cumulate)

    platforms = ["wecom_staff"] * len(staff["userid"])
    platforms += ["wecom_external"] * len(ext_persons) + ["wechat_mp"] * len(openid)
    accounts = [staff["userid"].astype(object), ext_id.astype(object), openid.astype(object)]
    truth = pd.DataFrame(
        {
            "platform": pd.Series(platforms, dtype="str"),
            "account_id": _str(np.concatenate(accounts)),
            "person_id": np.concatenate([staff["person"], ext_persons, mp["person"]]).astype(np.int64),
        }
    )
    return {
        "wecom_staff": wecom_staff,
        "wecom_group_chats": groups["frame"],
        "wecom_group_members": wecom_members,
        "wecom_external_contacts": external.sort_values("external_userid", ignore_index=True),
        "wecom_follow_users": wecom_follow,
        "wechat_mp_followers": followers,
        "wechat_mp_user_summary": summary,
        "wechat_mp_user_cumulate": cumulate,
        "wechat_mp_articles": articles,
        "truth_accounts": truth,
    }


# --------------------------------------------------------------------------------------------------- parts


def _campaign_hours(world: World, origin: np.datetime64) -> pd.DataFrame:
    c = world["campaigns"]
    return pd.DataFrame(
        {
            "number": [int(str(x).rsplit("-", 1)[1]) for x in c["campaign_id"]],
            "comm": (c["community"].astype(object) != "brand_cn").to_numpy().astype(np.int64),
            "start": _hours(c["start_at"], origin),
            "end": _hours(c["end_at"], origin),
            "lift": c["activity_lift"].to_numpy(dtype=float),
            "wechat": (c["channel"].astype(object) == "wechat").to_numpy(),
            "holdout": c["holdout_share"].to_numpy(dtype=float),
            "name": c["name"].astype(object).to_numpy(),
            "utm": c["utm_campaign"].astype(object).to_numpy(),
        }
    )


def _clocks(world: World, origin: np.datetime64, H: float, joined: np.ndarray) -> tuple[_Clock, _Clock]:
    g0 = int(min(np.floor(np.nanmin(joined[np.isfinite(joined)], initial=0.0)) - 48, -48))
    hours = np.arange(g0, int(np.ceil(H)) + 1)
    base = HOUR_F[hours % 24] * WEEKDAY_F[(hours // 24) % 7]
    act = np.vstack([base, base]).astype(float)
    mp = act.copy()
    for c in _campaign_hours(world, origin).itertuples(index=False):
        s, e = int(np.floor(c.start)) - g0, int(np.ceil(c.end)) - g0
        act[c.comm, s:e] *= c.lift
        mp[c.comm, s:e] *= c.lift * (WECHAT_CAMPAIGN_EXTRA if c.wechat else 1.0)
    return _Clock(g0, act), _Clock(g0, mp)


def _nicknames(rng: np.random.Generator, persons: pd.DataFrame, comm: np.ndarray) -> np.ndarray:
    """WeChat nicknames: chosen by the person, so often not their name; the same in every WeChat app."""
    P = len(persons)
    r = rng.random(P)
    nick = np.array(T.CN_NICKNAMES, dtype=object)[rng.integers(0, len(T.CN_NICKNAMES), P)]
    real_cn = np.char.add(
        np.array([s[0] for s in T.CN_SURNAMES], dtype=str)[rng.integers(0, len(T.CN_SURNAMES), P)],
        np.array([g[0] for g in T.CN_GIVEN], dtype=str)[rng.integers(0, len(T.CN_GIVEN), P)],
    ).astype(object)
    first = np.array(T.EN_FIRST, dtype=object)[rng.integers(0, len(T.EN_FIRST), P)]
    last = np.array(T.EN_LAST, dtype=object)[rng.integers(0, len(T.EN_LAST), P)]
    cn = np.where(r < 0.55, nick, np.where(r < 0.85, real_cn, first))
    en = np.where(r < 0.6, first, first + " " + last)
    emoji = np.array(EMOJI, dtype=object)[rng.integers(0, len(EMOJI), P)]
    return np.where(comm == 0, cn, en) + emoji


def _staff(world: World, pid: np.ndarray, persona: np.ndarray, comm: np.ndarray) -> dict:
    acc = world["truth_accounts"]
    users = world["discourse_users"].set_index("user_id")
    forum = acc[acc["platform"] == "discourse"]
    by_person = pd.Series(forum["account_id"].astype("int64").to_numpy(), index=forum["person_id"].to_numpy())
    idx = np.flatnonzero(persona == STAFF)
    uids = by_person.reindex(pid[idx]).to_numpy()
    usernames = users["username"].reindex(uids).astype(object).to_numpy()
    names = users["name"].reindex(uids).astype(object).to_numpy()
    userid = np.array(
        [
            str(u).removeprefix("lumo_") if isinstance(u, str) else f"staff{p}"
            for u, p in zip(usernames, pid[idx], strict=True)
        ],
        dtype=object,
    )
    name = np.array(
        [n if isinstance(n, str) else u for n, u in zip(names, userid, strict=True)], dtype=object
    )
    name_of = np.full(len(pid), "", dtype=object)
    name_of[idx] = name
    return {
        "person": pid[idx],
        "row": idx,
        "userid": userid,
        "name": name,
        "comm": comm[idx],
        "name_of": name_of,
    }


def _staff_for(comm: np.ndarray, staff: dict, rng: np.random.Generator) -> np.ndarray:
    """A staff index per item, from the item's community's staff (brand_cn's when a community has none)."""
    out = np.empty(len(comm), dtype=np.int64)
    for c in (0, 1):
        pool = np.flatnonzero(staff["comm"] == c)
        if len(pool) == 0:
            pool = np.flatnonzero(staff["comm"] == 0)
        if len(pool) == 0:
            pool = np.arange(len(staff["userid"]))
        m = comm == c
        out[m] = pool[rng.integers(0, len(pool), m.sum())]
    return out


def _groups(
    seed, world, origin, H, clock, staff, pid, klass, comm, joined, churn, react
) -> tuple[dict, dict]:
    rng = _rng(seed, "groups")
    n_staff = len(staff["userid"])
    wx = pd.notna(world["persons"]["wechat_unionid"]).to_numpy()
    eligible = wx & (klass != STAFF) & (klass != BOT)
    n_cn = int(np.clip(round(eligible[comm == 0].sum() / 80), 3, 400))
    n_en = int(np.clip(round(eligible[comm == 1].sum() / 80), 1, 100))
    camps = _campaign_hours(world, origin)
    cn_camps = camps[(camps["comm"] == 0) & (camps["start"] >= 0)]

    # regular groups: most created before the window (up to a year), some during it
    n_reg = n_cn + n_en
    g_comm = np.r_[np.zeros(n_cn, np.int64), np.ones(n_en, np.int64)]
    before = rng.random(n_reg) < 0.75
    create = np.where(before, -rng.uniform(0, 52 * 168, n_reg), rng.uniform(0, H * 0.9, n_reg))
    theme_cn = np.array(GROUP_THEMES_CN, dtype=object)
    names = []
    counters: dict[str, int] = {}
    for i in range(n_reg):
        theme = (
            theme_cn[rng.integers(0, len(theme_cn))]
            if g_comm[i] == 0
            else GROUP_THEMES_EN[i % len(GROUP_THEMES_EN)]
        )
        counters[theme] = counters.get(theme, 0) + 1
        k = counters[theme]
        names.append(f"{T.BRAND_ZH}·{theme}{k}群" if g_comm[i] == 0 else f"{theme} #{k}")
    # one group per brand_cn campaign in the window, opened the day before it starts, joined by its audience
    c_create = cn_camps["start"].to_numpy() - 24.0
    names += [f"{n}福利群" for n in cn_camps["name"].tolist()]
    g_comm = np.r_[g_comm, np.zeros(len(cn_camps), np.int64)]
    create = np.r_[create, c_create]
    campaign_of = np.r_[np.full(n_reg, -1), cn_camps["number"].to_numpy()]
    G = len(create)
    owner = _staff_for(g_comm, staff, rng)
    admin = _staff_for(g_comm, staff, rng)
    admin = np.where(admin == owner, (admin + 1) % max(n_staff, 1), admin)
    has_admin = (rng.random(G) < 0.6) & (n_staff > 1)
    popularity = rng.lognormal(0.0, 0.8, G) * np.where(campaign_of >= 0, 2.0, 1.0)
    notice_cn = np.array(NOTICES_CN, dtype=object)[rng.integers(0, len(NOTICES_CN), G)]
    notice_en = np.array(NOTICES_EN, dtype=object)[rng.integers(0, len(NOTICES_EN), G)]
    chat_id = _ids(rng, "wrOgQhDgAA", G, 20, B64URL)
    order = np.argsort(create, kind="stable")  # chat ids follow creation order in listings
    frame = (
        pd.DataFrame(
            {
                "chat_id": _str(chat_id),
                "name": _str(np.array(names, dtype=object)),
                "owner": _str(staff["userid"][owner]),
                "create_time": _ts(create, origin),
                "notice": _str(np.where(g_comm == 0, notice_cn, notice_en)),
                "status": np.zeros(G, dtype=np.int8),
                "admin_userids": _str(np.where(has_admin, staff["userid"][admin], "")),
            }
        )
        .iloc[order]
        .reset_index(drop=True)
    )

    # externals: who joins how many groups of their community (Gumbel top-k by popularity)
    joiner = np.flatnonzero(eligible & (rng.random(len(pid)) < P_GROUP[klass]))
    k = 1 + rng.poisson(EXTRA_GROUPS[klass[joiner]])
    rows_p, rows_g = [], []
    for c in (0, 1):
        gi = np.flatnonzero(g_comm == c)
        pj = joiner[comm[joiner] == c]
        if len(gi) == 0 or len(pj) == 0:
            continue
        w = np.log(np.broadcast_to(popularity[gi], (len(pj), len(gi))))
        # campaign groups: the campaign's audience only (its holdout never joins)
        for j, g in enumerate(gi):
            if campaign_of[g] >= 0:
                hold = campaign_holdout(
                    int(seed),
                    int(campaign_of[g]),
                    pid[pj],
                    float(camps.set_index("number").loc[campaign_of[g], "holdout"]),
                )
                w[hold, j] = -np.inf
        keys = w + rng.gumbel(size=w.shape)
        ranked = np.argsort(-keys, axis=1)
        kk = np.minimum(k[comm[joiner] == c], len(gi))
        take = np.arange(len(gi))[None, :] < kk[:, None]
        sel = ranked[take]
        owner_rows = np.repeat(np.arange(len(pj)), kk)
        ok = np.isfinite(keys[owner_rows, sel])
        rows_p.append(pj[owner_rows[ok]])
        rows_g.append(gi[sel[ok]])
    m_person_row = np.concatenate(rows_p) if rows_p else np.array([], np.int64)
    m_group = np.concatenate(rows_g) if rows_g else np.array([], np.int64)
    n = len(m_group)
    lo = np.maximum(joined[m_person_row], create[m_group])
    camp_group = campaign_of[m_group] >= 0
    delay = rng.exponential(1.0, n) * np.where(camp_group, 36.0, 6 * 168.0)
    join = clock.after(g_comm[m_group], lo, delay)
    # leaving: most churners leave soon after churning, everyone may leave at random
    pc, pr = churn[m_person_row], react[m_person_row]
    churn_leave = np.isfinite(pc) & (pc > join) & (rng.random(n) < 0.7)
    leave = np.where(
        churn_leave,
        pc + rng.exponential(5 * 24.0, n),
        join + rng.exponential(np.where(camp_group, 6 * 168.0, 60 * 168.0), n),
    )
    # reactivated people sometimes come back: a second membership
    back = churn_leave & np.isfinite(pr) & (rng.random(n) < 0.4)
    rejoin = np.maximum(pr, leave) + rng.exponential(3 * 24.0, n)
    back &= rejoin < H
    re_leave = np.full(n, np.inf)
    scene_p = np.where(camp_group[:, None], [[0.15, 0.1, 0.75]], [[0.5, 0.15, 0.35]])
    scene = 1 + (rng.random(n)[:, None] > np.cumsum(scene_p, axis=1)).sum(axis=1)
    scene2 = 1 + (rng.random(n)[:, None] > np.cumsum(scene_p, axis=1)).sum(axis=1)
    inv_staff = np.where(rng.random(n) < 0.7, owner[m_group], admin[m_group])
    inv_staff2 = np.where(rng.random(n) < 0.7, owner[m_group], admin[m_group])

    persons_all = np.concatenate([m_person_row, m_person_row[back]])
    group_all = np.concatenate([m_group, m_group[back]])
    join_all = np.concatenate([join, rejoin[back]])
    leave_all = np.concatenate([leave, re_leave[back]])
    scene_all = np.concatenate([scene, scene2[back]])
    inv_all = np.concatenate([inv_staff, inv_staff2[back]])
    keep = join_all < H
    # a group holds at most GROUP_CAP people: the latest joins of an overfull group never happened
    persons_all, group_all, join_all = persons_all[keep], group_all[keep], join_all[keep]
    leave_all, scene_all, inv_all = leave_all[keep], scene_all[keep], inv_all[keep]
    o = np.lexsort((join_all, group_all))
    rank = np.arange(len(o)) - np.searchsorted(group_all[o], group_all[o], side="left")
    capped = np.zeros(len(o), dtype=bool)
    capped[o] = rank < GROUP_CAP - 3
    persons_all, group_all, join_all = persons_all[capped], group_all[capped], join_all[capped]
    leave_all, scene_all, inv_all = leave_all[capped], scene_all[capped], inv_all[capped]
    invitor = np.where(scene_all == 3, None, staff["userid"][inv_all]).astype(object)

    # staff: the owner creates the group, an admin joins a minute later; staff never leave
    s_rows = np.r_[staff["row"][owner], staff["row"][admin[has_admin]]]
    s_group = np.r_[np.arange(G), np.flatnonzero(has_admin)]
    s_join = np.r_[create, create[has_admin] + 1 / 60]
    s_inv = np.r_[np.full(G, None, dtype=object), staff["userid"][owner[has_admin]]]
    members = {
        "person": np.r_[pid[persons_all], pid[s_rows]],
        "group": np.r_[group_all, s_group],
        "type": np.r_[np.full(len(group_all), 2), np.full(len(s_group), 1)],
        "join": np.r_[join_all, s_join],
        "leave": np.r_[leave_all, np.full(len(s_group), np.inf)],
        "scene": np.r_[scene_all, np.ones(len(s_group), np.int64)],
        "invitor": np.r_[invitor, s_inv],
    }
    # frame rows are in creation order; members point at the unsorted group index: remap
    position = np.empty(G, dtype=np.int64)
    position[order] = np.arange(G)
    members["group"] = position[members["group"]]
    groups = {"frame": frame, "chat_id": frame["chat_id"].to_numpy(dtype=object)}
    return groups, members


def _contacts(seed, world, origin, H, clock, staff, pid, klass, comm, joined, has_wx, ext_pick, phone, nick):
    rng = _rng(seed, "contacts")
    P = len(pid)
    is_contact = ext_pick & (rng.random(P) < P_CONTACT[klass])
    # a few WeCom users of distributors (type 2): no WeChat unionid
    type2 = ~has_wx & (klass == SHOP_ONLY) & (comm == 0) & (rng.random(P) < 0.02)
    rows = np.flatnonzero(is_contact | type2)
    n = len(rows)
    two = (rng.random(n) < 0.2) & (len(staff["userid"]) > 1)
    first = _staff_for(comm[rows], staff, rng)
    second = _staff_for(comm[rows], staff, rng)
    second = np.where(second == first, (first + 1) % max(len(staff["userid"]), 1), second)
    f_row = np.r_[rows, rows[two]]
    f_staff = np.r_[first, second[two]]
    m = len(f_row)
    created = clock.after(comm[f_row], np.maximum(joined[f_row], -150 * 168.0), rng.exponential(5 * 168.0, m))
    add_way = ADD_WAYS[_pick(rng, ADD_WAY_P, m)]
    # the contact-way "state" carries the campaign for people who scanned a WeChat campaign's QR code
    state = np.full(m, None, dtype=object)
    for c in _campaign_hours(world, origin).itertuples(index=False):
        if c.wechat:
            hit = (created >= c.start) & (created < c.end) & (comm[f_row] == c.comm) & (add_way == 1)
            state[hit] = c.utm
    r = rng.random(m)
    suffix = np.array(REMARK_SUFFIX, dtype=object)[rng.integers(0, len(REMARK_SUFFIX), m)]
    remark = np.where(r < 0.6, "", np.where(r < 0.85, nick[f_row] + suffix, nick[f_row]))
    description = np.where(rng.random(m) < 0.1, "对接采购事务", "")
    tag = np.array(TAGS, dtype=object)[rng.integers(0, len(TAGS), m)]
    tag = np.where(rng.random(m) < 0.5, tag, None)
    # staff type the customer's phone into the remark as they heard it
    ph = phone[f_row]
    has_ph = pd.notna(ph) & (rng.random(m) < 0.35)
    mobile = np.array(
        [
            (p[3:] if p.startswith("+86") else p) if h else None
            for p, h in zip(ph.tolist(), has_ph.tolist(), strict=True)
        ],
        dtype=object,
    )
    add_way = np.where(type2[f_row] & (add_way == 1), 3, add_way)  # distributors are added by card
    keep = created < H
    f_row, f_staff, created = f_row[keep], f_staff[keep], created[keep]
    follows = {
        "person": pid[f_row],
        "userid": staff["userid"][f_staff],
        "created": created,
        "add_way": add_way[keep],
        "state": state[keep],
        "remark": remark[keep],
        "description": description[keep],
        "tag": tag[keep],
        "mobile": mobile[keep],
    }
    c_rows = np.unique(f_row)
    contacts = {
        "person": pid[c_rows],
        "type": np.where(type2[c_rows], 2, 1),
        "corp": np.array(DISTRIBUTORS, dtype=object)[rng.integers(0, len(DISTRIBUTORS), len(c_rows))],
    }
    return contacts, follows


def _followers(seed, world, origin, H, clock, pid, klass, comm, joined, churn, react, has_wx) -> dict:
    rng = _rng(seed, "followers")
    P = len(pid)
    rows = np.flatnonzero(has_wx & (klass != BOT) & (rng.random(P) < P_FOLLOW[klass]))
    n = len(rows)
    sub = clock.after(comm[rows], np.maximum(joined[rows], -150 * 168.0), rng.exponential(3 * 168.0, n))
    source = USER_SOURCES[_pick(rng, USER_SOURCE_P, n)]
    qr = np.where(source == 30, "store_counter", None).astype(object)
    for c in _campaign_hours(world, origin).itertuples(index=False):
        hit = (sub >= c.start) & (sub < c.end) & (comm[rows] == c.comm) & (rng.random(n) < 0.7)
        source = np.where(hit, 30, source)
        qr[hit] = c.utm
    pc, pr = churn[rows], react[rows]
    churned = np.isfinite(pc) & (pc > sub) & (rng.random(n) < 0.5)
    unsub = np.where(churned, pc + rng.exponential(7 * 24.0, n), sub + rng.exponential(150 * 168.0, n))
    resub = np.where(
        churned & np.isfinite(pr) & (rng.random(n) < 0.5),
        np.maximum(pr, unsub) + rng.exponential(3 * 24.0, n),
        np.inf,
    )
    keep = sub < H
    return {
        "person": pid[rows][keep],
        "sub": sub[keep],
        "unsub": unsub[keep],
        "resub": resub[keep],
        "source": source[keep],
        "qr": qr[keep],
    }


def _day_index(hours: np.ndarray) -> np.ndarray:
    """Local (Asia/Shanghai) day of hours since the window start (a local midnight)."""
    return np.floor(hours / 24.0).astype(np.int64)


def _dates(world: World, n_days: int) -> np.ndarray:
    first = dt.date.fromisoformat(str(world.meta.get("window_start_local") or _local_start(world)))
    return np.array([first + dt.timedelta(days=d) for d in range(n_days)], dtype=object)


def _local_start(world: World) -> str:
    start = pd.Timestamp(str(world.meta["window_start_utc"])[:19]) + pd.Timedelta(hours=8)
    return start.date().isoformat()


def _datacube(world, origin, H, n_days, mp, unsub, resub) -> tuple[pd.DataFrame, pd.DataFrame]:
    # events: every subscription (+1) and unsubscription (-1) with the source of the subscription it belongs to
    sub_t = np.r_[mp["sub"], mp["resub"][resub]]
    sub_src = np.r_[mp["source"], mp["source"][resub]]
    cancel_t = mp["unsub"][unsub]
    cancel_src = mp["source"][unsub]
    sources = USER_SOURCES
    s_idx = np.searchsorted(sources, sub_src)
    c_idx = np.searchsorted(sources, cancel_src)
    new = np.zeros((n_days, len(sources)), np.int64)
    cancel = np.zeros((n_days, len(sources)), np.int64)
    in_s = (sub_t >= 0) & (sub_t < H)
    in_c = (cancel_t >= 0) & (cancel_t < H)
    np.add.at(new, (_day_index(sub_t[in_s]), s_idx[in_s]), 1)
    np.add.at(cancel, (_day_index(cancel_t[in_c]), c_idx[in_c]), 1)
    any_row = (new + cancel) > 0
    quiet = ~any_row.any(axis=1)
    any_row[quiet, 0] = True  # a day without any follow or unfollow still has its (day, 0, 0, 0) row
    d, s = np.nonzero(any_row)
    dates = _dates(world, n_days)
    summary = pd.DataFrame(
        {
            "ref_date": dates[d],
            "user_source": sources[s].astype(np.int64),
            "new_user": new[d, s],
            "cancel_user": cancel[d, s],
        }
    )
    # followers at the end of each day: every event up to then, including those before the window
    ends = (np.arange(n_days) + 1) * 24.0
    ev_t = np.r_[sub_t, cancel_t]
    ev_v = np.r_[np.ones(len(sub_t), np.int64), -np.ones(len(cancel_t), np.int64)]
    o = np.argsort(ev_t, kind="stable")
    running = np.cumsum(ev_v[o])
    upto = np.searchsorted(ev_t[o], ends, side="left")
    cum = np.where(upto > 0, running[np.maximum(upto - 1, 0)], 0)
    cumulate = pd.DataFrame({"ref_date": dates, "cumulate_user": cum.astype(np.int64)})
    return summary, cumulate


def _articles(seed, world, origin, n_days, cumulate) -> pd.DataFrame:
    rng = _rng(seed, "articles")
    camps = _campaign_hours(world, origin)
    weekday = np.arange(n_days) % 7  # the window starts on a Monday
    p_push = np.array([0.1, 0.75, 0.1, 0.75, 0.1, 0.5, 0.1])[weekday]
    lift = np.ones(n_days)
    campaign_day: dict[int, str] = {}
    for c in camps[camps["comm"] == 0].itertuples(index=False):
        d0, d1 = int(np.floor(c.start / 24)), int(np.ceil(c.end / 24))
        lift[max(d0, 0) : max(d1, 0)] *= c.lift
        if 0 <= d0 < n_days:
            campaign_day[d0] = c.name
    push = rng.random(n_days) < p_push
    push[list(campaign_day)] = True
    days = np.flatnonzero(push)
    n_items = 1 + _pick(rng, np.array([0.6, 0.25, 0.15]), len(days))
    day = np.repeat(days, n_items)
    idx = np.concatenate([np.arange(1, k + 1) for k in n_items]) if len(days) else np.array([], np.int64)
    appmsgid = 2247483650 + np.repeat(np.cumsum(rng.integers(1, 4, len(days))), n_items)
    titles = np.array(ARTICLE_TITLES, dtype=object)[rng.integers(0, len(ARTICLE_TITLES), len(day))]
    second = np.array(ARTICLE_SECONDARY, dtype=object)[rng.integers(0, len(ARTICLE_SECONDARY), len(day))]
    titles = np.where(idx == 1, titles, second)
    for i in np.flatnonzero(idx == 1):
        if int(day[i]) in campaign_day:
            titles[i] = f"{campaign_day[int(day[i])]}｜限时福利，戳这里"
    followers = cumulate["cumulate_user"].to_numpy()[day].astype(float)
    rate = np.array([0.0, 0.09, 0.035, 0.015])[idx] * rng.lognormal(-0.18, 0.6, len(day)) * lift[day]
    read_user = rng.poisson(followers * rate)
    read_count = read_user + rng.poisson(0.25 * read_user)
    ori_user = rng.poisson(0.03 * read_user)
    share_user = rng.poisson(0.05 * read_user)
    fav_user = rng.poisson(0.015 * read_user)
    dates = _dates(world, n_days)
    return pd.DataFrame(
        {
            "ref_date": dates[day],
            "msgid": pd.Series(
                [f"{a}_{i}" for a, i in zip(appmsgid.tolist(), idx.tolist(), strict=True)], dtype="str"
            ),
            "title": _str(titles),
            "int_page_read_user": read_user.astype(np.int64),
            "int_page_read_count": read_count.astype(np.int64),
            "ori_page_read_user": ori_user.astype(np.int64),
            "ori_page_read_count": (ori_user + rng.poisson(0.2 * ori_user)).astype(np.int64),
            "share_user": share_user.astype(np.int64),
            "share_count": (share_user + rng.poisson(0.4 * share_user)).astype(np.int64),
            "add_to_fav_user": fav_user.astype(np.int64),
            "add_to_fav_count": (fav_user + rng.poisson(0.1 * fav_user)).astype(np.int64),
        }
    )
