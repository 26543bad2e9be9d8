"""Negative feedback (`fct_feedback`, `int_feedback_scored`, seed `sentiment_lexicon`) built over the sandbox world
as the real connectors land it, plus a few posts added to the raw tables: one per post template of the generator
(pulse/sandbox/text.py, both languages) and posts holding emails and phone numbers. Scored against the world's
truth: the offline sentiment classifier's precision and recall of "negative" on every human forum post
(`truth_feedback`), first responses recomputed from the world's posts, resolutions from its accepted answers and
thanks. Both adapters build the same rows."""

from __future__ import annotations

import datetime as dt
import json
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from dbt_helpers import BUILD_VARS, DbtRun
from sandbox_raw import build_duckdb, build_postgres, copy_of, load_postgres, rows
from test_dbt_build import table_rows

from pulse.sandbox import text as T

# Cautious: the identity models pull in staging models whose other tests need models this selection leaves out.
SELECT = ["--select", "+fct_feedback", "--indirect-selection", "cautious"]
MODELS = ("int_feedback_items", "int_feedback_sentiment", "int_feedback_scored", "fct_feedback")
UNIT_TESTS = (
    "test_feedback_sentiment_score",
    "test_feedback_discourse_text_redacted_and_linked",
    "test_feedback_flags_language_and_excerpt",
    "test_feedback_first_response_and_resolution",
)
FORUM, REDDIT = "discourse", "reddit"  # the sandbox's source names (pulse.sandbox.sources)
COMMUNITIES = ("brand_cn", "brand_global")

# Floors for the classifier against the world's truth, on every human forum post. Its complaints are the everyday
# vocabulary of shop complaints (slow shipping, missing or broken items, crashing app, unanswered support,
# disappointment) in plain Chinese and English: a general lexicon that misses one in ten of them, or flags one in
# ten that is no complaint, is broken. Chance is far below: calling everything negative has a precision of about
# 0.15, calling nothing negative a recall of 0. The floors leave room for lexicon edits, not for regressions.
MIN_PRECISION = 0.90
MIN_RECALL = 0.90
# The generator's templates, one post each: every complaint template must be caught (coverage); a few others may
# read negative (a delay notice, a staff apology), not many.
MAX_TEMPLATE_FALSE_POSITIVE_RATE = 0.05
# Feedback written by hand, not by the generator, in the words customers use (tea dust, a dented tin, musty
# smell, expiry questions): vocabulary the world never uses. Before the lexicon had words such as 碎末, 压扁,
# dented, musty or never shipped it caught 13 of these 20 complaints (recall 0.65, precision 0.93); since then
# they guard those words.
MIN_HANDWRITTEN_PRECISION = 0.85
MIN_HANDWRITTEN_RECALL = 0.80
HANDWRITTEN_NEGATIVE = (
    "茶叶受潮结块了，味道也变了",
    "快递员态度很差，包裹被扔在门口",
    "这次买的铁观音有股霉味，不敢喝",
    "下单一周了还没发货，客服也联系不上",
    "申请退款三天没人处理",
    "价格比上个月贵了二十块，性价比太低",
    "收到的茶叶全是碎末，跟图片完全不一样",
    "App更新后一直登录不上，太烦了",
    "包装盒被压扁了，里面的茶罐也凹了",
    "泡出来又苦又涩，完全喝不下去",
    "The tin arrived dented and half the leaves were dust.",
    "Ordered two weeks ago and still no tracking number.",
    "Customer service was rude and unhelpful.",
    "Tastes like cardboard, very disappointing.",
    "I was charged but the order never shipped.",
    "The tea smells musty, I think it's old stock.",
    "Terrible experience, I want my money back.",
    "The website kept giving me an error at checkout.",
    "Really overpriced for such a small pouch.",
    "Package was lost and nobody is responding.",
)
HANDWRITTEN_OTHER = (
    "茶汤清亮，回甘明显，很满意",
    "请问这款茶适合冷泡吗？",
    "客服回复很及时，问题很快解决了",
    "第一次买，包装很精美",
    "想问一下会员积分多久过期",
    "没想到这么好喝，下次还来",
    "物流不算快但也不慢",
    "送给爸爸的礼物，他说不错",
    "有没有人试过用玻璃杯泡？",
    "周末打折吗？想囤一点",
    "Lovely aroma and a smooth finish.",
    "Does this ship to Canada?",
    "Not bad at all for the price.",
    "Arrived quickly, well packed, no complaints.",
    "Can I brew this in a French press?",
    "Thanks for the quick reply!",
    "I never thought green tea could taste this good.",
    "What's the caffeine content of the oolong?",
    "Best oolong I've had in years.",
    "Is there a discount for members?",
)

EMAIL = re.compile(r"[\w.%+-]+@[\w-]+(\.[\w-]+)*\.[A-Za-z]{2,}")
PHONE = re.compile(r"\+\d[\d ()-]{6,}\d|(?<![\d@#&:/=_.-])1[3-9]\d(?:[ -]?\d{4}){2}(?!\d)")
CONTACT_TEXTS = (
    "退款三周了还没到账，太失望了，请联系我 13812345678 或 wang.fang+shop@example.com",
    "Refund still missing, really disappointed. Call me at +1 (415) 555-0101 or mail jo.doe@example.org",
)
ADDED_TOPIC_ID = 9_000_000  # topics and posts added to the raw tables get ids far above the world's
ADDED_POST_ID = 90_000_000


@dataclass
class Builds:
    duck_path: Path
    duck: DbtRun
    pg_db: object | None
    pg: DbtRun | None
    added: pd.DataFrame  # the posts added to raw.discourse__posts: post_id, kind, lang, sentiment, raw


def wants_postgres(request) -> bool:
    """Whether any Postgres test of this module is selected (`-m "not postgres"` must not start the server)."""
    return any(i.get_closest_marker("postgres") for i in request.session.items if i.module is request.module)


def channel_rows(world) -> list[tuple[str, str | None, str]]:
    """raw._channels: each forum category to its community, the global `feedback` category also to brand_cn (an
    item in two communities), Reddit to brand_global, each Discord guild (source discord<n>) to its community."""
    out = [(FORUM, slug, c) for c, slugs in world.meta["community_categories"].items() for slug in slugs]
    out += [(FORUM, "feedback", "brand_cn"), (REDDIT, None, "brand_global")]
    out += [(f"discord{i + 1}", None, g) for i, g in enumerate(world["discord_guilds"]["community"])]
    return out


def added_posts(world) -> pd.DataFrame:
    """One post per template of text.POSTS (the product placeholder filled), both languages, the contact posts and
    the hand-written feedback; all by one ordinary member, in topics of their own, inside the data window."""
    users = world["discourse_users"]
    member = users[(users["user_id"] > 0) & ~users["admin"] & ~users["moderator"] & ~users["is_bot"]].iloc[0]
    out = []
    for kind, by_lang in T.POSTS.items():
        for lang, templates in enumerate(by_lang):
            for template in templates:
                text = template.replace("{p}", T.PRODUCTS[0][2 + lang]).replace("{b}", T.BRAND_ZH)
                out.append(
                    (kind, ("zh-CN", "en")[lang], T.SENTIMENT.get(kind, "neutral"), text.replace("{u}", "x"))
                )
    out += [
        ("contact", "zh-CN", "negative", CONTACT_TEXTS[0]),
        ("contact", "en", "negative", CONTACT_TEXTS[1]),
    ]
    out += [("handwritten", "", "negative", t) for t in HANDWRITTEN_NEGATIVE]
    out += [("handwritten", "", "other", t) for t in HANDWRITTEN_OTHER]
    frame = pd.DataFrame(out, columns=["kind", "lang", "sentiment", "raw"])
    frame["post_id"] = ADDED_POST_ID + frame.index
    frame["topic_id"] = ADDED_TOPIC_ID + frame.index
    frame["user_id"] = int(member["user_id"])
    frame["username"] = member["username"]
    return frame


def raw_records(added: pd.DataFrame, start: dt.datetime) -> list[tuple]:
    """The added posts as raw.discourse__posts rows (the columns the loader writes)."""
    out = []
    for i, p in enumerate(added.itertuples()):
        at = (start + dt.timedelta(days=1, minutes=i)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        record = {
            "id": int(p.post_id),
            "topic_id": int(p.topic_id),
            "post_number": 1,
            "post_type": 1,
            "user_id": int(p.user_id),
            "username": p.username,
            "created_at": at,
            "updated_at": at,
            "raw": p.raw,
            "version": 1,
            "staff": False,
            "admin": False,
            "moderator": False,
        }
        out.append(("added", FORUM, start, str(p.post_id), f"added-{p.post_id}", json.dumps(record)))
    return out


def load_extra(con, records: list[tuple], channels: list[tuple], placeholder: str) -> None:
    marks = ", ".join([placeholder] * 6)
    con.executemany(f"insert into raw.discourse__posts values ({marks})", records)
    con.executemany(f"insert into raw._channels values ({', '.join([placeholder] * 3)})", channels)


@pytest.fixture(scope="module")
def builds(request, sandbox_raw_data, tmp_path_factory) -> Builds:
    """`dbt build --select +fct_feedback` on both adapters at once over the same raw rows: DuckDB into a copy of
    the sandbox raw file, Postgres into a database of its own (the session's sandbox database stays untouched)."""
    world = sandbox_raw_data.world
    work = tmp_path_factory.mktemp("fct-feedback")
    added = added_posts(world)
    start = pd.Timestamp(world.meta["window_start_utc"]).to_pydatetime().replace(tzinfo=dt.UTC)
    records, channels = raw_records(added, start), channel_rows(world)
    path = copy_of(sandbox_raw_data.duckdb, work / "build.duckdb")
    con = duckdb.connect(str(path))
    load_extra(con, records, channels, "?")
    con.close()
    db = pg = None
    with ThreadPoolExecutor(2) as pool:
        duck = pool.submit(build_duckdb, path, SELECT, work / "duckdb")
        if wants_postgres(request):
            try:
                server = request.getfixturevalue("postgres")
            except pytest.skip.Exception:
                server = None  # Postgres unavailable: the Postgres tests skip
            if server is not None:
                db = server.create_database("feedback_raw")
                load_postgres(db, sandbox_raw_data.landing, work / "pg-load")
                pg_con = db.connect()
                with pg_con, pg_con.cursor() as cur:
                    load_extra(cur, records, channels, "%s")
                pg_con.close()
                pg = pool.submit(build_postgres, db, SELECT, work / "postgres").result()
        duck = duck.result()
    assert duck.returncode == 0, duck.stdout[-5000:]
    return Builds(path, duck, db, pg, added)


@pytest.fixture(scope="module")
def con(builds):
    c = duckdb.connect(str(builds.duck_path), read_only=True)
    c.execute("set TimeZone = 'UTC'")
    yield c
    c.close()


@pytest.fixture(scope="module")
def world(sandbox_raw_data):
    return sandbox_raw_data.world


@pytest.fixture(scope="module")
def scored(con) -> dict[str, dict]:
    """int_feedback_scored by item_key."""
    return {r["item_key"]: r for r in rows(con, "select * from intermediate.int_feedback_scored")}


@pytest.fixture(scope="module")
def feedback(con) -> list[dict]:
    return rows(con, "select * from marts.fct_feedback order by feedback_key")


def forum_posts(scored: dict[str, dict]) -> pd.DataFrame:
    """The scored forum posts (post_id, is_negative, is_feedback)."""
    return pd.DataFrame(
        [
            {"post_id": int(r["native_id"]), "is_negative": r["is_negative"], "is_feedback": r["is_feedback"]}
            for r in scored.values()
            if r["platform"] == "discourse" and r["source_name"] == FORUM
        ]
    )


def forum_post_id(item_key: str) -> int | None:
    """The world's post id of a forum item key (None for other items and the posts this module added)."""
    prefix = f"discourse:{FORUM}:"
    if not item_key.startswith(prefix):
        return None
    post_id = int(item_key[len(prefix) :])
    return post_id if post_id < ADDED_POST_ID else None


def world_bots(world) -> set[int]:
    """Forum user ids the build treats as bots: user_id <= 0 or a username of the var bot_usernames."""
    users = world["discourse_users"]
    names = {n.lower() for n in BUILD_VARS["bot_usernames"]}
    return set(users[(users["user_id"] <= 0) | users["username"].str.lower().isin(names)]["user_id"])


def world_staff(world) -> set[int]:
    users = world["discourse_users"]
    return set(users[users["admin"] | users["moderator"]]["user_id"])


def precision_recall(truth_negative: pd.Series, predicted: pd.Series) -> tuple[float, float, int, int, int]:
    tp = int((truth_negative & predicted).sum())
    fp = int((~truth_negative & predicted).sum())
    fn = int((truth_negative & ~predicted).sum())
    return tp / max(tp + fp, 1), tp / max(tp + fn, 1), tp, fp, fn


def utc(value) -> dt.datetime | None:
    """A world timestamp (naive UTC) as an aware datetime; None for NaT."""
    if value is None or pd.isna(value):
        return None
    return pd.Timestamp(value).to_pydatetime().replace(tzinfo=dt.UTC)


# --- the build ----------------------------------------------------------------------------------------------------


def test_build_runs_every_model_test_and_unit_test(builds):
    run = builds.duck
    assert not run.failures(), run.failures()
    for name in (*MODELS, "sentiment_lexicon", *UNIT_TESTS):
        assert run.status_of(name) in ("success", "pass"), f"{name}: {run.status_of(name)}"
    mine = [r for r in run.results if r["unique_id"].startswith("test.") and "feedback" in r["unique_id"]]
    assert len(mine) >= 25, [r["unique_id"] for r in mine]


def test_lexicon_is_packaged_for_both_languages(con):
    counts = {
        (r["language"], r["kind"]): r["n"]
        for r in rows(con, "select language, kind, count(*) as n from seeds.sentiment_lexicon group by 1, 2")
    }
    assert counts[("zh-CN", "sentiment")] >= 150 and counts[("en", "sentiment")] >= 150, counts
    for lang in ("zh-CN", "en"):
        assert counts[(lang, "negator")] >= 5 and counts[(lang, "intensifier")] >= 5, counts


# --- the classifier against the world's truth ---------------------------------------------------------------------


def test_classifier_precision_and_recall_against_truth(scored, world):
    """Every human forum post of the world (truth_feedback: members and staff, deleted ones too) against the
    classifier's is_negative, overall and by language."""
    truth = world["truth_feedback"]
    posts = forum_posts(scored).merge(truth, on="post_id", how="inner")
    assert len(posts) == len(truth), "every post of the truth is scored once"
    lines, overall = [], None
    for lang in (None, "zh-CN", "en"):
        part = posts if lang is None else posts[posts["lang"] == lang]
        p, r, tp, fp, fn = precision_recall(part["sentiment"] == "negative", part["is_negative"].astype(bool))
        lines.append(
            f"{lang or 'all':5} n={len(part):4} tp={tp:3} fp={fp:3} fn={fn:3} precision={p:.3f} recall={r:.3f}"
        )
        overall = overall or (p, r, tp)
    print("\nsentiment classifier vs truth_feedback (negative):\n  " + "\n  ".join(lines))
    precision, recall, tp = overall
    assert tp >= 50, "too few negative posts in the world to measure"
    assert precision >= MIN_PRECISION and recall >= MIN_RECALL, lines


def test_fct_feedback_against_truth(feedback, world):
    """The mart's forum items against the world's negative posts written by members (no staff, no bots, not
    deleted): the classifier plus the feedback rules."""
    posts = world["discourse_posts"].merge(world["truth_feedback"], on="post_id")
    excluded = world_bots(world) | world_staff(world)
    posts = posts[~posts["user_id"].isin(excluded) & posts["deleted_at"].isna()]
    got = {forum_post_id(r["item_key"]) for r in feedback} - {None}
    assert got <= set(posts["post_id"]), "a staff, bot or deleted post is in fct_feedback"
    p, r, tp, fp, fn = precision_recall(posts["sentiment"] == "negative", posts["post_id"].isin(got))
    print(
        f"\nfct_feedback forum items vs members' negative posts: tp={tp} fp={fp} fn={fn} precision={p:.3f} recall={r:.3f}"
    )
    assert tp >= 50 and p >= MIN_PRECISION and r >= MIN_RECALL


def test_generator_complaint_templates_are_covered(scored, builds):
    """Every template of the generator as a post: all complaint templates read negative, few others do."""
    added = builds.added[builds.added["kind"].isin(T.POSTS)]
    posts = forum_posts(scored).merge(added, on="post_id", how="inner")
    assert len(posts) == len(added)
    truth, predicted = posts["sentiment"] == "negative", posts["is_negative"].astype(bool)
    p, r, tp, fp, fn = precision_recall(truth, predicted)
    print(f"\ngenerator templates: n={len(posts)} tp={tp} fp={fp} fn={fn} precision={p:.3f} recall={r:.3f}")
    print("  read negative, labelled otherwise:", posts[~truth & predicted]["raw"].tolist())
    assert tp >= 30
    assert not fn, f"complaint templates the lexicon misses: {posts[truth & ~predicted]['raw'].tolist()}"
    assert fp <= MAX_TEMPLATE_FALSE_POSITIVE_RATE * int((~truth).sum())


def test_handwritten_feedback_outside_the_generator(scored, builds):
    added = builds.added[builds.added["kind"] == "handwritten"]
    posts = forum_posts(scored).merge(added, on="post_id", how="inner")
    assert len(posts) == len(added) == 40
    truth, predicted = posts["sentiment"] == "negative", posts["is_negative"].astype(bool)
    p, r, tp, fp, fn = precision_recall(truth, predicted)
    print(f"\nhand-written feedback: n={len(posts)} tp={tp} fp={fp} fn={fn} precision={p:.3f} recall={r:.3f}")
    print(
        "  missed:",
        posts[truth & ~predicted]["raw"].tolist(),
        "wrongly negative:",
        posts[~truth & predicted]["raw"].tolist(),
    )
    assert p >= MIN_HANDWRITTEN_PRECISION and r >= MIN_HANDWRITTEN_RECALL


def test_sentiment_scores_only_what_it_has_not_scored(builds, tmp_path):
    """int_feedback_sentiment is incremental: a rebuild keeps the scores it has (a planted wrong score survives),
    scores an edited text, and scores everything again once the lexicon changes; back on the original lexicon,
    every score equals the first build's."""
    path = copy_of(builds.duck_path, tmp_path / "incremental.duckdb")
    select = ["--select", "int_feedback_items", "int_feedback_sentiment", "int_feedback_scored"]
    con = duckdb.connect(str(path))
    first = {r["item_key"]: r for r in rows(con, "select * from intermediate.int_feedback_sentiment")}
    edited, planted = [
        r["item_key"]
        for r in rows(
            con,
            """select item_key from intermediate.int_feedback_scored
               where item_key like 'discord:%' and is_feedback and not is_negative order by item_key limit 2""",
        )
    ]
    message_key = edited.removeprefix("discord:")
    con.execute(
        "update staging.stg_discord__messages set body = '很失望，质量太差了' where message_key = ?",
        [message_key],
    )
    con.execute(
        "update intermediate.int_feedback_sentiment set sentiment_score = 0.9999 where item_key = ?",
        [planted],
    )
    con.close()

    def rebuild() -> dict[str, dict]:
        run = build_duckdb(path, select, tmp_path / "dbt")
        assert run.returncode == 0, run.stdout[-3000:]
        with duckdb.connect(str(path), read_only=True) as c:
            return {r["item_key"]: r for r in rows(c, "select * from intermediate.int_feedback_sentiment")}

    second = rebuild()
    assert second.keys() == first.keys()
    assert float(second[planted]["sentiment_score"]) == 0.9999  # kept: the text did not change
    assert second[edited]["body_hash"] != first[edited]["body_hash"]
    assert float(second[edited]["sentiment_score"]) < -0.5
    unchanged = [k for k in first if k != edited]
    assert all(second[k]["body_hash"] == first[k]["body_hash"] for k in unchanged)

    con = duckdb.connect(str(path))
    con.execute("update seeds.sentiment_lexicon set weight = weight * 2 where term = '失望'")
    con.close()
    third = rebuild()
    assert {r["lexicon_version"] for r in third.values()} != {first[edited]["lexicon_version"]}
    assert float(third[planted]["sentiment_score"]) == float(
        first[planted]["sentiment_score"]
    )  # scored again
    assert float(third[edited]["sentiment_score"]) < float(
        second[edited]["sentiment_score"]
    )  # 失望 weighs more

    con = duckdb.connect(str(path))
    con.execute("update seeds.sentiment_lexicon set weight = weight / 2 where term = '失望'")
    con.close()
    fourth = rebuild()
    assert {k: r for k, r in fourth.items() if k != edited} == {k: r for k, r in first.items() if k != edited}


def test_scores_and_counts_are_consistent(scored):
    texts = [r for r in scored.values() if r["language"] is not None]
    assert len(texts) > 1000
    assert {r["language"] for r in texts} <= {"zh-CN", "en", "und"}
    assert {"zh-CN", "en"} <= {r["language"] for r in texts}
    only_negative = only_positive = 0
    for r in texts:
        score, pos, neg = float(r["sentiment_score"]), r["positive_term_count"], r["negative_term_count"]
        assert -1 < score < 1, r
        if pos == 0 and neg == 0:
            assert score == 0, r
        elif pos == 0:
            assert score < 0, r
            only_negative += 1
        elif neg == 0:
            assert score > 0, r
            only_positive += 1
    assert only_negative > 100 and only_positive > 100
    assert all(r["sentiment_score"] is None for r in scored.values() if r["language"] is None)


# --- the mart ------------------------------------------------------------------------------------------------------


def test_feedback_rows_are_negative_member_items(feedback, scored):
    assert len(feedback) > 100
    assert len({r["feedback_key"] for r in feedback}) == len(feedback)
    for r in feedback:
        item = scored[r["item_key"]]
        assert item["is_negative"] and item["is_feedback"], r
        assert not (item["author_is_staff"] or item["author_is_bot"] or item["is_deleted"]), r
        assert r["feedback_key"] == f"{r['item_key']}@{r['community'] or ''}"
        assert r["sentiment_score"] == item["sentiment_score"] and r["excerpt"] == item["excerpt"]
    assert {r["platform"] for r in feedback} == {"discourse", "reddit", "discord"}
    assert sum(r["author_member_id"] is not None for r in feedback) > 0.9 * len(feedback)


def test_communities_and_weeks(feedback):
    assert {r["community"] for r in feedback} - {None} == set(COMMUNITIES)
    # the global feedback category also belongs to brand_cn: each of its items has a row in both communities
    shared: dict[str, set] = {}
    for r in feedback:
        if r["platform"] == "discourse" and r["channel"] == "feedback":
            shared.setdefault(r["item_key"], set()).add(r["community"])
    assert shared and all(c == set(COMMUNITIES) for c in shared.values())
    shanghai = dt.timezone(dt.timedelta(hours=8))  # Asia/Shanghai has no daylight saving time
    for r in feedback:
        local = r["created_at"].astimezone(shanghai)
        assert r["created_week"] == local.date() - dt.timedelta(days=local.weekday()), r
        year, week, _ = local.isocalendar()
        assert r["created_iso_week"] == f"{year}-W{week:02d}", r


def test_first_response_is_by_someone_else_and_no_bot(feedback, scored):
    answered = [r for r in feedback if r["first_response_item_key"] is not None]
    assert len(answered) > 20 and any(r["first_responder_is_staff"] for r in answered)
    for r in answered:
        response, item = scored[r["first_response_item_key"]], scored[r["item_key"]]
        assert response["author_account_key"] != item["author_account_key"], r
        assert (
            not response["author_is_bot"] and not response["is_deleted"] and response["is_regular_message"]
        ), r
        assert (
            response["parent_item_key"] == r["item_key"] and response["created_at"] == r["first_response_at"]
        )
        assert r["first_response_at"] >= r["created_at"], r
        assert response["author_is_staff"] == r["first_responder_is_staff"], r
        whole = r["first_response_at"].replace(microsecond=0) - r["created_at"].replace(microsecond=0)
        assert abs(float(r["first_response_hours"]) - whole.total_seconds() / 3600) <= 0.005 + 1e-9, r
    for r in feedback:
        if r["first_response_item_key"] is None:
            assert r["first_response_at"] is None and r["first_response_hours"] is None, r


def test_forum_first_response_equals_the_world(feedback, world):
    """Recomputed from the world's posts: the earliest reply to the post (for a topic's first post, any reply
    without a reply_to too) by another user who is no bot, not deleted."""
    posts = world["discourse_posts"]
    replies = posts[
        ~posts["user_id"].isin(world_bots(world)) & posts["deleted_at"].isna() & (posts["post_number"] > 1)
    ].assign(to=lambda p: p["reply_to_post_number"].fillna(1).astype(int))
    by_id = posts.set_index("post_id")
    checked = set()
    for r in feedback:
        post_id = forum_post_id(r["item_key"])
        if post_id is None:
            continue
        p = by_id.loc[post_id]
        found = replies[
            (replies["topic_id"] == p["topic_id"])
            & (replies["to"] == p["post_number"])
            & (replies["user_id"] != p["user_id"])
            & (replies["created_at"] >= p["created_at"])
        ]
        assert r["first_response_at"] == (utc(found["created_at"].min()) if len(found) else None), r
        checked.add(post_id)
    assert len(checked) > 50


def test_resolutions_follow_the_world(feedback, world):
    """Forum topics opened with a complaint are resolved by an accepted answer or by the asker's thanks after a
    response (the world's `thanks` posts); resolved_at is then the first thanks."""
    posts = world["discourse_posts"]
    accepted = world["discourse_topics"].set_index("topic_id")["has_accepted_answer"]
    thanks_texts = {t for lang in T.POSTS["thanks"] for t in lang}
    thanks = posts[posts["raw"].isin(thanks_texts) & posts["deleted_at"].isna()]
    by_id = posts.set_index("post_id")
    checked = by_thanks = by_accepted = 0
    for r in feedback:
        post_id = forum_post_id(r["item_key"])
        if post_id is None or by_id.at[post_id, "post_number"] != 1:
            continue
        p = by_id.loc[post_id]
        mine = thanks[(thanks["topic_id"] == p["topic_id"]) & (thanks["user_id"] == p["user_id"])]
        after = [
            utc(t) for t in mine["created_at"] if r["first_response_at"] and utc(t) > r["first_response_at"]
        ]
        if after:
            assert r["is_resolved"] and r["resolution_signal"] == "author_thanks", r
            assert r["resolved_at"] <= min(after), r
            by_thanks += 1
        elif accepted[p["topic_id"]]:
            assert r["is_resolved"] and r["resolution_signal"] in ("author_thanks", "accepted_answer"), r
            by_accepted += 1
        checked += 1
    print(
        f"\nforum complaint topics: {checked}, resolved by thanks {by_thanks}, by an accepted answer {by_accepted}"
    )
    assert checked > 20 and by_thanks > 3
    for r in feedback:
        assert r["is_resolved"] == (r["resolution_signal"] is not None), r
        if r["resolved_at"] is not None:
            assert r["resolution_signal"] == "author_thanks" and r["resolved_at"] > r["first_response_at"], r
            assert float(r["resolution_hours"]) > 0, r


def test_excerpts_hold_no_contact_data(feedback, scored, builds):
    for excerpts in ([r["excerpt"] for r in scored.values()], [r["excerpt"] for r in feedback]):
        excerpts = [e for e in excerpts if e is not None]
        assert len(excerpts) > 100
        for e in excerpts:
            assert len(e) <= 140 and not EMAIL.search(e) and not PHONE.search(e), e
    added = builds.added[builds.added["kind"] == "contact"]
    keys = {f"discourse:{FORUM}:{i}" for i in added["post_id"]}
    mine = [r["excerpt"] for r in feedback if r["item_key"] in keys]
    assert len(mine) == len(added), "the posts with contact data are negative feedback"
    for e in mine:
        assert "[email]" in e and "[phone]" in e, e


# --- Postgres ------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pg_build(builds):
    if builds.pg is None:
        pytest.skip("Postgres unavailable")
    assert builds.pg.returncode == 0, builds.pg.stdout[-5000:]
    return builds.pg_db, builds.pg


@pytest.mark.postgres
def test_postgres_build_passes(pg_build):
    run = pg_build[1]
    assert not run.failures(), run.failures()
    for name in (*MODELS, "sentiment_lexicon", *UNIT_TESTS):
        assert run.status_of(name) in ("success", "pass"), f"{name}: {run.status_of(name)}"


@pytest.mark.postgres
@pytest.mark.parametrize("relation", ["intermediate.int_feedback_scored", "marts.fct_feedback"])
def test_postgres_builds_the_same_rows(pg_build, con, relation):
    schema, name = relation.split(".")
    duck = table_rows(con, relation)
    pg = table_rows(pg_build[0].connect(), f"{schema}_work.{name}")
    assert len(duck) > 100
    assert len(duck) == len(pg)
    assert duck == pg
