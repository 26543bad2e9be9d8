"""The brand's membership center (会员中心): the one place where a person binds their accounts to themselves.

Chinese brands run community marketing around a membership program: a member registers with a mobile number (or
through the WeChat mini-program, which gives the unionid), gets a member number that the shops' POS scan as a
member card, and binds the community accounts that member benefits need: the forum signs in through the
membership center (DiscourseConnect, so every forum account of a member is bound), the member-only Discord
channels require a Discord OAuth binding (Discord's Linked Roles: a member on Discord has bound it), and Reddit flair verification asks for a Reddit username. The CRM
exports its member list as a CSV file, which is how these explicit bindings reach the warehouse.

Who binds (runs after the platform modules, `PHASE = 1`, so it sees every account): people with accounts on two or
more platforms are members with probability 0.99 (member benefits are why they have several accounts), people on
one platform with probability 0.4; staff and bots never. A member gives a mobile number (typed as people type it)
when they have one, with probability 0.97, an email 0.85 (with stray capitals), the unionid 0.98 when on WeChat,
and Reddit 0.9; the forum and Discord bindings are always there. Non-members, staff, shop customers who gave a
work email and no phone, and members' missing contacts leave a share of each person's accounts unlinkable: the
identity resolution tests measure recall against this world, not a perfect one.

Served table (`pulse.sandbox.filedrops` writes it as `members_export.csv`):
| table | columns |
|---|---|
| `member_bindings` | member_no str (`M` + 8 digits, the POS member card), mobile str (nullable, as typed), email str (nullable, as typed), unionid str (nullable), forum_user_id Int64 (nullable), discord_user_id str (nullable), reddit_username str (nullable), registered_at (naive UTC) |

Ground truth: `truth_accounts` rows for `membership` (member_no).
"""

from __future__ import annotations

import zlib

import numpy as np
import pandas as pd

from pulse.sandbox.tables import World

TABLES = ("member_bindings",)
PHASE = 1  # after social, stores and wechat: bindings refer to their accounts

# truth_accounts platforms that are accounts a person holds (not orders, check-ins or the brand's own staff ids)
ACCOUNT_PLATFORMS = (
    "discourse",
    "shopify",
    "youzan",
    "woocommerce",
    "wecom_external",
    "wechat_mp",
    "discord",
    "reddit",
)
P_MEMBER_MULTI, P_MEMBER_SINGLE = 0.99, 0.4
P_MOBILE, P_EMAIL, P_UNIONID, P_DISCORD, P_REDDIT = 0.97, 0.85, 0.98, 1.0, 0.9


def member_no(person_id: np.ndarray) -> np.ndarray:
    """The member number the POS prints on a member card (stores.py makes the same one)."""
    return np.char.add("M", np.char.zfill(((np.asarray(person_id) * 7919) % 100_000_000).astype(str), 8))


def _typed_mobile(rng: np.random.Generator, e164: np.ndarray) -> np.ndarray:
    """Mainland numbers mostly as 11 digits, some spaced or with +86; others as the E.164 they were given."""
    out = e164.astype(object).copy()
    cn = np.array([isinstance(v, str) and v.startswith("+86") for v in out])
    fmt = rng.random(len(out))
    for i in np.flatnonzero(cn):
        d = out[i][3:]
        out[i] = d if fmt[i] < 0.7 else (f"+86 {d}" if fmt[i] < 0.85 else f"{d[:3]} {d[3:7]} {d[7:]}")
    return out


def extend(world: World, seed: int) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng([int(seed), zlib.crc32(b"membership")])
    persons = world["persons"]
    acc = world["truth_accounts"]
    acc = acc[acc["platform"].astype(object).isin(ACCOUNT_PLATFORMS)]
    platforms = acc.groupby("person_id")["platform"].nunique()
    pid = persons["person_id"].to_numpy(dtype=np.int64)
    n_platforms = platforms.reindex(pid).fillna(0).to_numpy()
    persona = persons["persona"].astype(object).to_numpy()
    p_member = np.where(n_platforms >= 2, P_MEMBER_MULTI, np.where(n_platforms == 1, P_MEMBER_SINGLE, 0.0))
    p_member[(persona == "staff") | (persona == "bot")] = 0.0
    member = rng.random(len(pid)) < p_member
    rows = np.flatnonzero(member)
    m = len(rows)

    def first_account(platform: str) -> pd.Series:
        a = acc[acc["platform"].astype(object) == platform].drop_duplicates("person_id")
        return a.set_index("person_id")["account_id"].astype(object).reindex(pid[rows])

    phone = persons["phone_e164"].astype(object).to_numpy()[rows]
    email = persons["email"].astype(object).to_numpy()[rows]
    union = persons["wechat_unionid"].astype(object).to_numpy()[rows]
    has = {name: pd.notna(v) for name, v in (("phone", phone), ("email", email), ("union", union))}
    mobile = _typed_mobile(rng, np.where(has["phone"], phone, ""))
    mobile_on = has["phone"] & (rng.random(m) < P_MOBILE)
    email_on = has["email"] & (rng.random(m) < P_EMAIL)
    email = np.where(rng.random(m) < 0.15, [str(e).capitalize() for e in email], email)
    union_on = has["union"] & (rng.random(m) < P_UNIONID)
    forum = first_account("discourse")
    discord = first_account("discord")
    discord_on = discord.notna().to_numpy() & (rng.random(m) < P_DISCORD)
    reddit = first_account("reddit")
    reddit_on = reddit.notna().to_numpy() & (rng.random(m) < P_REDDIT)
    joined = persons["joined_at"].to_numpy(dtype="datetime64[us]")[rows]
    registered = joined + (rng.exponential(36.0, m) * 3_600_000_000).astype("timedelta64[us]")
    numbers = member_no(pid[rows])

    def col(values, on) -> pd.Series:
        out = np.asarray(values, dtype=object).copy()
        out[~np.asarray(on, dtype=bool)] = None
        return pd.Series(out, dtype="str")

    bindings = pd.DataFrame(
        {
            "member_no": pd.Series(numbers, dtype="str"),
            "mobile": col(mobile, mobile_on),
            "email": col(email, email_on),
            "unionid": col(union, union_on),
            "forum_user_id": pd.array(
                [int(v) if pd.notna(v) else None for v in forum.to_numpy()], dtype="Int64"
            ),
            "discord_user_id": col(discord.to_numpy(), discord_on),
            "reddit_username": col(reddit.to_numpy(), reddit_on),
            "registered_at": registered.astype("datetime64[s]").astype("datetime64[us]"),
        }
    ).sort_values("member_no", kind="stable", ignore_index=True)
    truth = pd.DataFrame(
        {
            "platform": pd.Series(["membership"] * m, dtype="str"),
            "account_id": pd.Series(numbers, dtype="str"),
            "person_id": pid[rows],
        }
    )
    return {"member_bindings": bindings, "truth_accounts": truth}
