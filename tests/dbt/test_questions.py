"""The `fct_questions` mart built over the sandbox world as the real connectors land it, scored against the world that
generated it: the forum's Q&A topics are the questions, their first responses (by someone other than the asker, not a
bot, not deleted) are the world's, and so are staff flags, accepted answers and communities; Reddit and Discord
questions follow the documented rules over the world's own tables. Both adapters build the same rows."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from statistics import median, quantiles
from zoneinfo import ZoneInfo

import duckdb
import numpy as np
import pandas as pd
import pytest
import yaml
from dbt_helpers import DBT_PROJECT, DbtRun
from sandbox_raw import build_duckdb, build_postgres, copy_of, rows
from test_dbt_build import table_rows

from pulse.sandbox import text as T
from pulse.sandbox.world import COMMUNITIES

SELECT = ["--select", "+fct_questions", "--indirect-selection", "cautious"]
UNIT_TESTS = (
    "test_questions_discourse_first_response",
    "test_questions_reddit_first_response",
    "test_questions_discord_first_response",
)
DATA_TESTS = ("first_response_consistent_fct_questions_", "unique_fct_questions_question_key")
FORUM, REDDIT = "discourse", "reddit"  # the sandbox's source names (pulse.sandbox.sources)
REDDIT_MAIN = "reddit_main"  # a community given to one subreddit, to see the channel row beat the source row
TZ = ZoneInfo("Asia/Shanghai")
VARS = yaml.safe_load((DBT_PROJECT / "dbt_project.yml").read_text(encoding="utf-8"))["vars"]


def discord_sources(world) -> dict[str, str]:
    """Guild id -> source name: one source per guild, in the world's order (pulse.sandbox.sources)."""
    return {str(g): f"discord{i + 1}" for i, g in enumerate(world["discord_guilds"]["guild_id"])}


def channel_rows(world) -> list[tuple[str, str | None, str]]:
    """raw._channels for the test: each forum category to its community, Reddit to brand_global except r/LumoTea
    (named in lower case: the match ignores case), each Discord guild to its community."""
    out = [(FORUM, c[3], COMMUNITIES[c[0]]) for c in T.CATEGORIES]
    out += [(REDDIT, None, "brand_global"), (REDDIT, "lumotea", REDDIT_MAIN)]
    sources = discord_sources(world)
    out += [(sources[str(g.guild_id)], None, g.community) for g in world["discord_guilds"].itertuples()]
    return out


@dataclass
class Builds:
    duck_path: Path
    duck: DbtRun
    pg_db: object | None
    pg: DbtRun | None


def wants_postgres(request) -> bool:
    """Whether any Postgres test of this module is selected (`-m "not postgres"` must not start the server)."""
    return any(i.get_closest_marker("postgres") for i in request.session.items if i.module is request.module)


@pytest.fixture(scope="module")
def builds(request, sandbox_raw_data, tmp_path_factory) -> Builds:
    """`dbt build --select +fct_questions` on both adapters at once, with channels mapped to communities. Cautious
    indirect selection: the identity models pull in staging models whose other tests need unselected models. The
    session's Postgres database holds the channel rows only while it builds (the mart is a table)."""
    work = tmp_path_factory.mktemp("fct-questions")
    channels = channel_rows(sandbox_raw_data.world)
    path = copy_of(sandbox_raw_data.duckdb, work / "build.duckdb")
    con = duckdb.connect(str(path))
    con.executemany("insert into raw._channels values (?, ?, ?)", channels)
    con.close()
    db = pg = None
    with ThreadPoolExecutor(2) as pool:
        duck = pool.submit(build_duckdb, path, SELECT, work / "duckdb")
        if wants_postgres(request):
            try:
                db = request.getfixturevalue("sandbox_pg")  # starts the server while DuckDB builds
            except pytest.skip.Exception:
                db = None  # the Postgres tests skip with the reason
        if db is not None:
            pg = build_postgres_with_channels(db, channels, work / "postgres")
        duck = duck.result()
    assert duck.returncode == 0, duck.stdout[-5000:]
    return Builds(path, duck, db, pg)


def build_postgres_with_channels(db, channels: list[tuple], work: Path) -> DbtRun:
    pg_con = db.connect()
    try:
        with pg_con.cursor() as cur:
            cur.execute("select source, channel, community from raw._channels")
            saved = cur.fetchall()
            cur.execute("delete from raw._channels")
            cur.executemany("insert into raw._channels values (%s, %s, %s)", channels)
        try:
            return build_postgres(db, SELECT, work)
        finally:
            with pg_con.cursor() as cur:
                cur.execute("delete from raw._channels")
                cur.executemany("insert into raw._channels values (%s, %s, %s)", saved)
    finally:
        pg_con.close()


@pytest.fixture(scope="module")
def con(builds):
    c = duckdb.connect(str(builds.duck_path), read_only=True)
    c.execute("set TimeZone = 'UTC'")
    yield c
    c.close()


@pytest.fixture(scope="module")
def got(con) -> dict[str, dict]:
    return {r["question_key"]: r for r in rows(con, "select * from marts.fct_questions")}


@pytest.fixture(scope="module")
def world(sandbox_raw_data):
    return sandbox_raw_data.world


# --- the world's truth -------------------------------------------------------------------------------------------


def utc(value) -> dt.datetime:
    return pd.Timestamp(value).to_pydatetime().replace(tzinfo=dt.UTC)


def holds_word(name, var: str) -> bool:
    """The documented rule of macros/questions.sql: an ASCII word is a whole `-` part, any other word a substring."""
    if name is None or pd.isna(name):
        return False
    name = str(name).strip().lower()
    parts = "-" + name.replace("_", "-").replace(" ", "-") + "-"
    return any(
        (f"-{w}-" in parts) if w.isascii() else (w in name) for w in (str(w).lower() for w in VARS[var])
    )


def is_flair(flair, var: str) -> bool:
    return (
        flair is not None
        and not pd.isna(flair)
        and str(flair).strip().lower() in {w.lower() for w in VARS[var]}
    )


def asks(title) -> bool:
    return title is not None and not pd.isna(title) and str(title).strip()[-1:] in ("?", "？")


def first_of(candidates: pd.DataFrame, group: str, key: str) -> dict:
    """Per question, the earliest candidate response (ties by key) and how many candidates there are."""
    ordered = candidates.sort_values(["created_at", key])
    first = ordered.groupby(group).head(1).set_index(group)
    counts = candidates.groupby(group).size()
    return {q: (r, int(counts[q])) for q, r in first.iterrows()}


def expected_forum(world) -> dict[str, dict]:
    """The generator's questions are the topics of its Q&A categories; the first response is the first post that is
    not the opening post, not the asker's, not a bot's and not deleted. Staff is the responder's persona."""
    kind = {c[3]: c[1] for c in T.CATEGORIES}
    qa_ids = {
        int(c.category_id) for c in world["discourse_categories"].itertuples() if kind[str(c.slug)] == "qa"
    }
    users = world["discourse_users"].set_index("user_id")
    persona = truth_persona(world, "discourse")
    topics = world["discourse_topics"]
    topics = topics[topics["category_id"].isin(qa_ids)]
    assert not topics["pinned"].any()
    posts = world["discourse_posts"].merge(
        topics[["topic_id", "user_id"]], on="topic_id", suffixes=("", "_asker")
    )
    bots = set(users.index[users["is_bot"]]) | {u for u in users.index if u <= 0}
    replies = posts[
        (posts["post_number"] > 1)
        & (posts["user_id"] != posts["user_id_asker"])
        & ~posts["user_id"].isin(bots)
        & posts["deleted_at"].isna()
    ]
    firsts = first_of(replies, "topic_id", "post_id")
    slug = dict(
        zip(world["discourse_categories"]["category_id"], world["discourse_categories"]["slug"], strict=True)
    )
    comm = {c[3]: COMMUNITIES[c[0]] for c in T.CATEGORIES}
    out = {}
    for t in topics.itertuples():
        first, count = firsts.get(t.topic_id, (None, 0))
        out[f"discourse:{FORUM}:{t.topic_id}"] = {
            "community": comm[slug[t.category_id]],
            "asker_account_key": f"discourse:{FORUM}:{t.user_id}",
            "created_at": utc(t.created_at),
            "first_response_at": None if first is None else utc(first.created_at),
            "first_response_key": None if first is None else f"{FORUM}:{first.post_id}",
            "responder_is_staff": None if first is None else persona.get(str(first.user_id)) == "staff",
            "response_count": count,
            "is_accepted": bool(t.has_accepted_answer),
        }
    return out


def truth_persona(world, platform: str) -> dict[str, str]:
    accounts = world["truth_accounts"]
    accounts = accounts[accounts["platform"] == platform]
    persona = world["persons"].set_index("person_id")["persona"]
    return {
        str(a): str(persona[p]) for a, p in zip(accounts["account_id"], accounts["person_id"], strict=True)
    }


def expected_reddit(world) -> dict[str, dict]:
    """Submissions that are live, not stickied, not a bot's, with a question or solved flair or a trailing ?;
    responses are live comments by others than the submitter and not bots. Reddit shows moderators only by the
    items they distinguish: those authors are staff."""
    subs, comments = world["reddit_submissions"], world["reddit_comments"]
    bots = set(world["reddit_users"].loc[world["reddit_users"]["is_bot"], "username"])
    mods = set(subs.loc[subs["distinguished"] == "moderator", "author"]) | set(
        comments.loc[comments["distinguished"] == "moderator", "author"]
    )
    mods -= bots
    qs = subs[
        (subs["state"] == "active")
        & ~subs["stickied"]
        & ~subs["author"].isin(bots)
        & np.array(
            [
                is_flair(f, "question_flairs") or is_flair(f, "question_solved_flairs") or asks(t)
                for f, t in zip(subs["link_flair_text"], subs["title"], strict=True)
            ],
            dtype=bool,
        )
    ]
    c = comments.merge(qs[["submission_id", "author"]], on="submission_id", suffixes=("", "_asker"))
    c = c[(c["state"] == "active") & (c["author"] != c["author_asker"]) & ~c["author"].isin(bots)]
    firsts = first_of(c, "submission_id", "comment_id")
    out = {}
    for s in qs.itertuples():
        first, count = firsts.get(s.submission_id, (None, 0))
        out[f"reddit:{REDDIT}:{s.submission_id}"] = {
            "community": REDDIT_MAIN if str(s.subreddit).lower() == "lumotea" else "brand_global",
            "asker_account_key": f"reddit:{REDDIT}:{s.author}",
            "created_at": utc(s.created_at),
            "first_response_at": None if first is None else utc(first.created_at),
            "first_response_key": None if first is None else f"{REDDIT}:{first.comment_id}",
            "responder_is_staff": None if first is None else first.author in mods,
            "response_count": count,
            "is_accepted": is_flair(s.link_flair_text, "question_solved_flairs"),
        }
    return out


def expected_discord(world) -> dict[str, dict]:
    """Threads of help/support channels (or with a trailing ?): the starter message's author asks; responses are
    messages in the thread and replies to the starter in its channel, by others, not bots, not system notices."""
    sources = discord_sources(world)
    channels = world["discord_channels"].astype({"channel_id": str}).set_index("channel_id")
    guilds = world["discord_guilds"].astype({"guild_id": str}).set_index("guild_id")
    members = world["discord_members"].astype({"guild_id": str, "user_id": str})
    bots = {(m.guild_id, m.user_id) for m in members.itertuples() if m.bot}
    staff = {
        (m.guild_id, m.user_id)
        for m in members.itertuples()
        if not m.bot and guilds.at[m.guild_id, "staff_role_id"] in str(m.roles or "").split()
    }
    threads = world["discord_threads"].astype(
        {"thread_id": str, "parent_id": str, "guild_id": str, "owner_id": str}
    )
    threads = threads[
        [
            holds_word(channels.at[p, "name"], "question_channel_names") or asks(n)
            for p, n in zip(threads["parent_id"], threads["name"], strict=True)
        ]
    ]
    msgs = world["discord_messages"].astype(
        {
            "message_id": str,
            "channel_id": str,
            "guild_id": str,
            "author_id": str,
            "referenced_message_id": str,
        }
    )
    msgs = msgs.assign(message_num=msgs["message_id"].astype(int))
    in_thread = msgs.merge(threads[["thread_id", "owner_id"]], left_on="channel_id", right_on="thread_id")
    to_starter = msgs[msgs["type"] == 19].merge(
        threads[["thread_id", "owner_id"]], left_on="referenced_message_id", right_on="thread_id"
    )
    to_starter = to_starter[to_starter["channel_id"] != to_starter["thread_id"]]
    cand = pd.concat([in_thread, to_starter], ignore_index=True)
    cand = cand[
        cand["type"].isin([0, 19])
        & (cand["author_id"] != cand["owner_id"])
        & np.array(
            [(g, a) not in bots for g, a in zip(cand["guild_id"], cand["author_id"], strict=True)], dtype=bool
        )
    ]
    firsts = first_of(cand, "thread_id", "message_num")
    starters = msgs.set_index("message_id")
    out = {}
    for t in threads.itertuples():
        first, count = firsts.get(t.thread_id, (None, 0))
        src = sources[t.guild_id]
        asker = starters.at[t.thread_id, "author_id"]
        assert asker == t.owner_id
        out[f"discord:{src}:{t.thread_id}"] = {
            "community": guilds.at[t.guild_id, "community"],
            "asker_account_key": f"discord:{src}:{asker}",
            "created_at": utc(starters.at[t.thread_id, "created_at"]),
            "first_response_at": None if first is None else utc(first.created_at),
            "first_response_key": None if first is None else f"{src}:{first.message_id}",
            "responder_is_staff": None if first is None else (t.guild_id, first.author_id) in staff,
            "response_count": count,
            "is_accepted": None,
        }
    return out


# --- DuckDB ------------------------------------------------------------------------------------------------------


def test_build_runs_the_model_its_data_tests_and_unit_tests(builds):
    run = builds.duck
    assert not run.failures(), run.failures()
    assert run.status_of("fct_questions") == "success"
    for name in UNIT_TESTS:
        assert run.status_of(name) == "pass", name
    tests = {
        r["unique_id"].split(".")[2]: r["status"] for r in run.results if "fct_questions" in r["unique_id"]
    }
    assert len(tests) >= 15 and set(DATA_TESTS) <= set(tests), sorted(tests)
    assert all(s in ("pass", "success") for s in tests.values()), tests


def test_forum_questions_and_first_responses_equal_the_world(got, world):
    expected = expected_forum(world)
    forum = {k: r for k, r in got.items() if r["platform"] == "discourse"}
    assert len(expected) > 30 and sum(e["first_response_at"] is not None for e in expected.values()) > 20
    assert set(forum) == set(expected)
    _compare(forum, expected)
    staff = sum(bool(e["responder_is_staff"]) for e in expected.values())
    accepted = sum(e["is_accepted"] for e in expected.values())
    assert 0 < staff < sum(e["first_response_at"] is not None for e in expected.values()) and accepted > 0
    _report("discourse", forum, expected)


def test_reddit_and_discord_questions_follow_the_rules_over_the_world(got, world):
    for platform, expected in (("reddit", expected_reddit(world)), ("discord", expected_discord(world))):
        mine = {k: r for k, r in got.items() if r["platform"] == platform}
        assert expected, platform
        assert set(mine) == set(expected), platform
        _compare(mine, expected)
        _report(platform, mine, expected)
    communities = {r["community"] for r in got.values() if r["platform"] == "reddit"}
    assert REDDIT_MAIN in communities  # the subreddit's own channel row, named in another case, won


def _compare(mine: dict[str, dict], expected: dict[str, dict]) -> None:
    wrong = {
        (key, column): (mine[key][column], value)
        for key, exp in expected.items()
        for column, value in exp.items()
        if mine[key][column] != value
    }
    assert not wrong, dict(list(wrong.items())[:10])


def _report(platform: str, mine: dict[str, dict], expected: dict[str, dict]) -> None:
    hours = sorted(r["first_response_hours"] for r in mine.values() if r["is_answered"])
    p90 = quantiles(hours, n=10, method="inclusive")[-1] if len(hours) > 1 else None
    agree = sum(all(mine[k][c] == v for c, v in e.items()) for k, e in expected.items())
    print(
        f"\n{platform}: {len(mine)} questions, {len(hours)} answered"
        f" ({sum(r['is_answered_within_24h'] for r in mine.values())} within 24h,"
        f" {sum(bool(r['responder_is_staff']) for r in mine.values())} first by staff,"
        f" {sum(bool(r['is_accepted']) for r in mine.values())} accepted);"
        f" first response hours median {median(hours) if hours else None}, p90 {p90};"
        f" rows equal to the world's {agree}/{len(expected)}"
    )


def test_no_first_response_is_the_askers_a_bots_or_deleted(con):
    # the responder's author, looked up in staging (not through the mart's logic)
    found = rows(
        con,
        """
        select q.question_key, q.asker_account_key, 'discourse:' || p.user_key as responder, p.author_is_bot as bot,
            p.is_deleted as deleted
        from marts.fct_questions as q
        inner join staging.stg_discourse__posts as p on q.first_response_key = p.post_key
        where q.platform = 'discourse'
        union all
        select q.question_key, q.asker_account_key, 'reddit:' || c.author_key, c.author_is_bot, c.is_deleted
        from marts.fct_questions as q
        inner join staging.stg_reddit__comments as c on q.first_response_key = c.comment_key
        where q.platform = 'reddit'
        union all
        select q.question_key, q.asker_account_key, 'discord:' || m.author_key, m.author_is_bot,
            m.is_system_message
        from marts.fct_questions as q
        inner join staging.stg_discord__messages as m on q.first_response_key = m.message_key
        where q.platform = 'discord'
        """,
    )
    answered = con.execute("select count(*) from marts.fct_questions where is_answered").fetchone()[0]
    assert len(found) == answered > 0
    assert not [r for r in found if r["responder"] == r["asker_account_key"] or r["bot"] or r["deleted"]]
    # the forum's questions do get replies from their askers (thanks) and bots (closing notices): ignored above
    ignored = con.execute(
        """select count(*) from marts.fct_questions as q
           inner join staging.stg_discourse__posts as p on q.native_key = p.topic_key and p.is_reply
           where q.asker_account_key = 'discourse:' || p.user_key or p.author_is_bot"""
    ).fetchone()[0]
    assert ignored > 0


def test_hours_24h_flag_and_week_agree(got):
    for key, r in got.items():
        assert r["is_answered"] is (r["first_response_at"] is not None), key
        if r["is_answered"]:
            seconds = (r["first_response_at"] - r["created_at"]).total_seconds()
            assert r["first_response_hours"] == pytest.approx(seconds / 3600, abs=1e-9), key
            assert r["is_answered_within_24h"] is (seconds <= 86400), key
        else:
            assert r["first_response_hours"] is None and r["is_answered_within_24h"] is False, key
            assert r["response_count"] == 0 and r["responder_is_staff"] is None, key
        local = r["created_at"].astimezone(TZ).date()
        assert r["created_week"] == local - dt.timedelta(days=local.weekday()), key
    within = [r["is_answered_within_24h"] for r in got.values()]
    assert any(within) and not all(within)


def test_askers_are_members(con, got):
    members = dict(
        con.execute(
            "select account_key, member_id from intermediate.int_identity__account_members"
        ).fetchall()
    )
    for key, r in got.items():
        assert r["asker_member_id"] == members.get(r["asker_account_key"]), key
    forum = [r for r in got.values() if r["platform"] == "discourse"]
    assert all(r["asker_member_id"] is not None for r in forum)


# --- Postgres ----------------------------------------------------------------------------------------------------


@pytest.mark.postgres
def test_postgres_builds_the_same_rows(request, builds, con):
    if builds.pg_db is None:
        request.getfixturevalue("sandbox_pg")  # skips with the reason where Postgres is unavailable
    assert builds.pg is not None and builds.pg.returncode == 0, builds.pg.stdout[-5000:]
    assert not builds.pg.failures(), builds.pg.failures()
    for name in UNIT_TESTS:
        assert builds.pg.status_of(name) == "pass", name
    pg_con = builds.pg_db.connect()
    try:
        pg_rows = table_rows(pg_con, "marts_work.fct_questions")
    finally:
        pg_con.close()
    duck_rows = table_rows(con, "marts.fct_questions")
    assert len(duck_rows) > 50
    assert pg_rows == duck_rows
