"""The rendered report on hand-built marts: subject and deltas, every section, escaping and personal data, the
quality banner, the CSV, weeks without data and warehouses without some marts."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import duckdb
import pandas as pd
import pytest
from report_marts import (
    BRAND_CN,
    MONDAY,
    PII_EMAIL,
    PII_MOBILE,
    PII_PHONE,
    WEEK,
    XSS_IMG,
    XSS_SCRIPT,
    health_rows,
)

from pulse.warehouse import fetch_df
from reporting.data import load_report_data
from reporting.render import (
    CIDS,
    COHORTS_CID,
    MEMBERS_CID,
    RESPONSE_CID,
    TREND_CID,
    ReportDataError,
    compute_kpis,
    fmt_pct,
    render_report,
)

TITLES = {"brand_cn": "品牌中文社区", "brand_global": "Brand Global Community"}
PASSED = {"passed": True, "checked": True, "failed": [], "warnings": 0}
FAILED = {
    "passed": False,
    "checked": True,
    "failed": [
        {
            "suite": "community_health_weekly",
            "tbl": "marts.community_health_weekly",
            "expectation": "expect_column_values_to_be_between",
            "col": "revenue",
            "severity": "critical",
            "success": False,
        }
    ],
}
FRESH = [
    {
        "source": "forum",
        "type": "discourse",
        "last_loaded_at": dt.datetime(2026, 11, 23, 1, 30, tzinfo=dt.UTC),
        "records": 12345,
        "stale": False,
    },
    {
        "source": "shop",
        "type": "shopify",
        "last_loaded_at": dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC),
        "records": 678,
        "stale": False,
    },
]
EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
PHONE_RES = (re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)"), re.compile(r"\d{3} \d{4} \d{4}"))


def render(
    con,
    language="zh-CN",
    communities=("brand_cn",),
    quality=PASSED,
    freshness=FRESH,
    week=WEEK,
    titles=TITLES,
):
    return render_report(
        con,
        week=week,
        language=language,
        communities=list(communities),
        titles=titles,
        quality=quality,
        freshness=freshness,
        tz="Asia/Shanghai",
    )


def pct(now, base):
    return (now - base) / abs(base) * 100


def test_subject_is_the_week_and_the_health_score_with_its_change(mart_con):
    r = render(mart_con)
    score = BRAND_CN["health_score"]
    assert r.language == "zh-CN" and r.week == WEEK and r.verified and r.has_data
    assert r.communities == ("brand_cn", "all")
    assert r.subject == f"【社群周报】{WEEK} · 健康分 {score[-1]:.1f}（{score[-1] - score[-2]:+.1f}）"
    en = render(mart_con, language="en", communities=("brand_cn", "brand_global"))
    assert en.communities == ("all", "brand_cn", "brand_global")  # several communities: 'all' is the headline
    all_now = next(
        r
        for r in health_rows()
        if r["community"] == "all" and r["platform"] == "all" and r["week_start"] == MONDAY
    )["health_score"]
    assert en.subject.startswith(f"[Community Pulse] {WEEK} · Health score {all_now:.1f} (")
    assert '<html lang="en">' in en.html and '<html lang="zh-CN">' in r.html


def test_week_over_week_and_trailing_baseline(mart_con):
    data = load_report_data(mart_con, MONDAY, ["brand_cn"])
    kpis = {k["key"]: k for k in compute_kpis(data.weekly, MONDAY, "brand_cn")}
    active = BRAND_CN["active_members"]
    a = kpis["active_members"]
    assert (a["value"], a["previous"], a["change"]) == (active[-1], active[-2], active[-1] - active[-2])
    assert a["change_pct"] == pytest.approx(pct(active[-1], active[-2]))
    assert a["avg4"] == pytest.approx(sum(active[:4]) / 4) and a["avg4_weeks"] == 4
    assert a["vs_avg4_pct"] == pytest.approx(pct(active[-1], sum(active[:4]) / 4))
    share = kpis["answered_within_24h_share"]
    assert share["change"] == pytest.approx(
        BRAND_CN["answered_within_24h_share"][-1] - BRAND_CN["answered_within_24h_share"][-2]
    )
    # the first week of the window has no previous week in it: no change, no average
    first = MONDAY - dt.timedelta(weeks=11)
    k0 = {k["key"]: k for k in compute_kpis(data.weekly, first, "brand_cn")}["active_members"]
    assert k0["previous"] is None and k0["change"] is None and k0["avg4"] is None
    assert compute_kpis(data.weekly, MONDAY + dt.timedelta(weeks=1), "brand_cn") is None
    assert fmt_pct(None) == "—" and fmt_pct(0.04) == "0.0%" and fmt_pct(-3.25) == "-3.2%"
    # the text shows the same numbers; shares change in percentage points
    r = render(mart_con)
    line = next(x for x in r.text.splitlines() if x.startswith("活跃成员:"))
    assert (
        f"{active[-1]}" in line
        and f"+{active[-1] - active[-2]} ({pct(active[-1], active[-2]):+.1f}%)" in line
    )
    s = BRAND_CN["answered_within_24h_share"]
    line = next(x for x in r.text.splitlines() if x.startswith("24 小时内回复率:"))
    assert f"{s[-1] * 100:.1f}%" in line and f"{(s[-1] - s[-2]) * 100:+.1f} pp" in line


def test_only_the_platform_all_rows_are_the_communitys_numbers(mart_con):
    data = load_report_data(mart_con, MONDAY, ["brand_cn"])
    assert set(data.weekly["platform"]) == {"all"}
    assert set(data.by_platform["platform"]) == {"discourse", "discord", "shopify"}
    r = render(mart_con)
    # responsiveness per platform: shopify has no questions and is not listed
    section = r.text[r.text.index("== 响应速度") : r.text.index("== 需要关注的负面反馈")]
    assert "discourse:" in section and "discord:" in section and "shopify" not in section


def test_alerts_name_the_metric_and_only_this_weeks_anomalies(mart_con):
    r = render(mart_con, language="en", communities=("brand_cn", "brand_global"))
    alerts = [x for x in r.text.splitlines() if x.startswith("! ")]
    assert len(alerts) == 2  # the anomaly of last week and the row that is not an anomaly are not alerts
    assert alerts[0].startswith("! 品牌中文社区: Negative feedback burst, 14 this week")  # |z| 6.75 first
    assert "median of 4 (robust z 6.8, threshold 3.5)" in alerts[0]
    assert alerts[1].startswith("! Brand Global Community (discord): Active members drop, 12 this week")
    zh = render(mart_con)  # brand_cn only: brand_global's alert is not theirs
    assert [x for x in zh.text.splitlines() if x.startswith("! ")] == [
        "! 品牌中文社区：负面反馈 激增，本周 14，过去 12 周中位数 4（稳健 z 值 6.8，阈值 3.5）"
    ]


def test_posts_are_escaped_and_carry_no_personal_data(mart_con):
    for language, communities in (("zh-CN", ("brand_cn",)), ("en", ("brand_cn", "brand_global"))):
        r = render(mart_con, language=language, communities=communities)
        lowered = r.html.lower()
        assert "<script" not in lowered and "<img src=x" not in lowered
        assert all(tag.startswith('<img src="cid:') for tag in re.findall(r"<img[^>]*>", lowered))
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in r.html  # the feedback post, shown as text
        assert "&lt;img src=x onerror=alert(1)&gt;" in r.html  # a feedback post and a contributor's handle
        assert XSS_SCRIPT in r.text  # text/plain is not HTML: shown as is
        csv_text = r.csv.decode("utf-8-sig")
        for part in (r.html, r.text, csv_text, r.subject):
            assert PII_EMAIL not in part and PII_PHONE not in part and PII_MOBILE not in part
            assert not EMAIL_RE.search(part), EMAIL_RE.search(part)
            assert not any(p.search(part) for p in PHONE_RES)
        assert "[email]" in r.text and "[phone]" in r.text


def test_negative_feedback_needing_attention(mart_con):
    r = render(mart_con)
    section = r.text[r.text.index("== 需要关注的负面反馈") : r.text.index("== 营销活动")]
    items = [x for x in section.splitlines() if x.startswith("  * ")]
    # unresolved, of brand_cn, from the last 4 weeks; the one nobody answered first
    assert (
        len(items) == 2 and items[0].startswith(f"  * {XSS_SCRIPT}") and items[1].startswith(f"  * {XSS_IMG}")
    )
    assert "尚无人回复" in section and "4.2 小时 后首次回复" in section
    assert (
        "已经解决的抱怨" not in r.text and "six weeks old" not in r.text and "Global shipping" not in r.text
    )
    everyone = render(mart_con, language="en", communities=("brand_cn", "brand_global"))
    assert "Global shipping is terrible" in everyone.text and "(3 in all, 3 shown" in everyone.text


def test_campaigns_running_or_recently_ended(mart_con):
    zh = render(mart_con)
    assert "双十一会员日 (wechat · 11-13 – 11-26 · 进行中)" in zh.text
    assert "参与 321, 订单 45, 销售额 6,789.10 CNY, ROI 150%" in zh.text
    assert "+1,234.50 [100.25, 2,368.75]" in zh.text
    assert "VIP early access" not in zh.text  # brand_global's
    en = render(mart_con, language="en", communities=("brand_cn", "brand_global"))
    assert "VIP early access (wechat · 10-17 – 11-02 · ended)" in en.text
    assert "Spring sale long ago" not in en.text and "Next year launch" not in en.text


def test_loyalty_tiers_rfm_and_points(mart_con):
    r = render(mart_con, language="en")
    lines = r.text.splitlines()
    assert "  member: 6 (-2), Upgraded into 0, Downgraded into 0" in lines
    assert "  silver: 4 (+1), Upgraded into 0, Downgraded into 1" in lines
    assert "  gold: 2 (+1), Upgraded into 2, Downgraded into 0" in lines
    assert "  Champions: 4 (28.6%), Ordered this week 2" in lines
    assert "  Lost: 5 (35.7%), Ordered this week 0" in lines
    assert "RFM as of 2026-11-22 (every store)" in lines
    assert (
        "This week 500 points were issued, 120 redeemed and 30 expired; 4 members hold 1,000 points, 100 of "
        "which expire within 30 days (as of 2026-11-22)."
    ) in lines


def test_top_contributors_by_public_handle(mart_con):
    r = render(mart_con)
    section = r.text[r.text.index("== 本周贡献者") : r.text.index("== 数据质量")]
    ranked = [x.strip() for x in section.splitlines() if re.match(r"\s+\d+\. ", x)]
    assert len(ranked) == 10 and ranked[0] == "1. 茶友小王 (discourse): 37 / 93.0"
    assert "last_weeks_star" not in r.text and "M001" not in r.text  # another week's; member ids never shown


def test_four_charts_by_content_id(mart_con):
    r = render(mart_con, language="en")
    assert set(r.images) == set(CIDS)
    for cid in CIDS:
        assert f'src="cid:{cid}"' in r.html
        png = r.images[cid]
        assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) < 150_000
    assert "<script" not in r.html and "<style" not in r.html and "<link" not in r.html
    # a chart shared by two renderings of one run is drawn once
    cache: dict = {}
    data = load_report_data(mart_con, MONDAY, ["brand_cn", "brand_global"])
    kw = dict(
        week=WEEK,
        titles=TITLES,
        quality=PASSED,
        freshness=FRESH,
        tz="Asia/Shanghai",
        data=data,
        chart_cache=cache,
    )
    one = render_report(None, language="en", communities=["brand_cn"], **kw)
    two = render_report(None, language="en", communities=["brand_cn"], **kw)
    assert one.images[COHORTS_CID] is two.images[COHORTS_CID]
    assert len(cache) == 4
    render_report(None, language="zh-CN", communities=["brand_cn"], **kw)
    assert len(cache) == 8


def test_response_time_buckets(mart_con):
    from reporting.charts import response_buckets

    q = fetch_df(
        mart_con,
        "select * from marts.fct_questions where community = 'brand_cn' and created_week = ?",
        [MONDAY],
    )
    assert response_buckets(q["first_response_hours"]) == [1, 2, 1, 1, 1, 1, 1]
    assert response_buckets(pd.Series([], dtype="float64")) == [0] * 7


def test_quality_failure_and_stale_source_are_said_at_the_top(mart_con):
    stale = [{**FRESH[0]}, {"source": "shop", "type": "shopify", "last_loaded_at": None, "stale": True}]
    r = render(mart_con, quality=FAILED, freshness=stale)
    assert not r.verified
    assert r.subject.startswith("【社群周报】【数据待核实】2026-W47")
    body = r.html[r.html.index("<body") :]  # the <title> repeats the subject
    assert body.index("数据质量提醒") < body.index("本周概览") < body.index("活跃成员")
    assert "最新一次数据质量检查未通过" in r.html
    assert "marts.community_health_weekly · revenue · expect_column_values_to_be_between" in r.html
    assert "以下数据源未按时更新，本周数字可能不完整：shop" in r.html
    assert "（未经验证）" in r.html
    assert r.text.index("数据质量提醒") < r.text.index("活跃成员")
    assert "shop (shopify): 从未加载, 记录数 —, 是否过期: 是" in r.text
    assert all(row["verified"] == "false" for row in csv.DictReader(io.StringIO(r.csv.decode("utf-8-sig"))))

    en = render(mart_con, language="en", quality={"passed": False, "checked": False, "failed": []})
    assert en.subject.startswith("[Community Pulse] [UNVERIFIED] 2026-W47")
    assert en.html.index("Data quality warning") < en.html.index("This week at a glance")
    assert "No data quality check has been recorded" in en.text

    only_stale = render(mart_con, language="en", freshness=stale)
    assert "These sources were not loaded on schedule" in only_stale.html
    assert not only_stale.verified


def test_freshness_of_every_source_in_business_time_zone(mart_con):
    r = render(mart_con, language="en")
    assert "Last loaded (Asia/Shanghai)" in r.html and "2026-11-23 09:30" in r.html  # 01:30 UTC
    assert (
        "forum (discourse): last loaded 2026-11-23 09:30 (Asia/Shanghai), Records 12,345, Stale: no" in r.text
    )
    assert "shop (shopify): last loaded 2026-11-23 10:00 (Asia/Shanghai), Records 678, Stale: no" in r.text


def test_week_without_data_says_so(mart_con):
    r = render(mart_con, week="2026-W50")
    assert not r.has_data
    assert r.subject == "【社群周报】2026-W50 · 本周无数据"
    assert "2026-W50 没有数据" in r.html and "2026-W50 没有数据" in r.text
    assert len(list(csv.reader(io.StringIO(r.csv.decode("utf-8-sig"))))) == 1  # the header only
    far = render(mart_con, language="en", week="2027-W10")
    assert "No data for 2027-W10" in far.text and far.images == {}


def test_csv_holds_the_kpi_table_with_the_marts_values(mart_con):
    r = render(mart_con)
    assert r.csv.startswith(b"\xef\xbb\xbf")  # BOM: Excel opens UTF-8 Chinese correctly
    rows = list(csv.DictReader(io.StringIO(r.csv.decode("utf-8-sig"))))
    mart = fetch_df(
        mart_con,
        "select * from marts.community_health_weekly where week_start = ? and platform = 'all'",
        [MONDAY],
    )
    assert {row["community"] for row in rows} == {"brand_cn", "all"}
    metrics = [
        c
        for c in mart.columns
        if c not in ("week_start", "week", "community", "platform", "revenue_currency")
    ]
    assert len(rows) == 2 * len(metrics)
    for row in rows:
        value = mart.loc[mart["community"] == row["community"], row["metric"]].iloc[0]
        assert float(row["value"]) == pytest.approx(float(value), abs=1e-4), row
    a = next(row for row in rows if row["community"] == "brand_cn" and row["metric"] == "active_members")
    active = BRAND_CN["active_members"]
    assert (a["value"], a["previous_week"], a["change"]) == (
        str(active[-1]),
        str(active[-2]),
        str(active[-1] - active[-2]),
    )
    assert a["metric_label"] == "活跃成员" and a["community_title"] == "品牌中文社区" and a["unit"] == "count"
    assert a["trailing_4w_avg"] == f"{sum(active[:4]) / 4:g}" and a["verified"] == "true"
    share = next(row for row in rows if row["community"] == "brand_cn" and row["metric"] == "stickiness")
    assert share["value"] == "0.4" and share["unit"] == "share"  # fractions, as in the mart


def test_untrusted_community_names_and_titles_are_escaped(tmp_path, mart):
    evil = "<script>alert('x')</script>"
    rows = mart.health_rows()
    rows += [{**r, "community": evil} for r in rows if r["community"] == "brand_cn"]
    path = tmp_path / "pulse.duckdb"
    mart.make(path, health=rows)
    with duckdb.connect(str(path), read_only=True) as con:
        r = render(con, communities=("brand_cn", evil), titles={"brand_cn": f"CN {evil}"})
    assert "<script" not in r.html.lower()
    assert "CN &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in r.html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;</th>" in r.html  # the name, shown when no title
    assert f"CN {evil}" in r.text


def test_marts_that_are_not_built_leave_their_section_out(tmp_path, mart):
    path = tmp_path / "pulse.duckdb"
    mart.make(
        path, skip=("metrics", "cohorts", "contributors", "feedback", "campaigns", "loyalty", "questions")
    )
    with duckdb.connect(str(path), read_only=True) as con:
        r = render(con, language="en")
    for table in (
        "community_health_metrics",
        "fct_feedback",
        "campaign_performance",
        "community_top_contributors_weekly",
        "community_cohort_retention",
    ):
        assert f"marts.{table} is not in the warehouse; this section is left out." in r.html
    assert set(r.images) == {TREND_CID, MEMBERS_CID}
    assert RESPONSE_CID not in r.images and "Loyalty tiers" not in r.text


def test_a_mart_from_before_the_platform_grain_still_renders(tmp_path, mart):
    """An older warehouse: one row per community and week, no platform column, fewer metrics."""
    path = tmp_path / "old.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts")
        con.execute("""create table marts.community_health_weekly as
                       select week_start, iso_week, community, active_members, posts, revenue from (values
                       (date '2026-11-09', '2026-W46', 'brand_cn', 130, 50, 150.00),
                       (date '2026-11-16', '2026-W47', 'brand_cn', 143, 55, 200.00),
                       (date '2026-11-16', '2026-W47', 'all', 300, 90, 400.00))
                       t(week_start, iso_week, community, active_members, posts, revenue)""")
    with duckdb.connect(str(path), read_only=True) as con:
        r = render(con)
    assert r.subject == "【社群周报】2026-W47 · 活跃成员 143（+10.0%）"
    assert "销售额" in r.text and "健康分" not in r.text


def test_missing_health_mart_is_a_clear_error(tmp_path):
    con = duckdb.connect(str(tmp_path / "empty.duckdb"))
    with pytest.raises(ReportDataError, match="marts.community_health_weekly does not exist"):
        render(con)
    con.close()


class _Cursor:
    def __init__(self, log):
        self.log, self.description = log, [("n",)]

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def execute(self, sql, params):
        self.log.append((sql, params))

    def fetchall(self):
        return [(1,)]


class _PsycopgLike:
    def __init__(self):
        self.log = []

    def cursor(self):
        return _Cursor(self.log)


def test_fetch_df_speaks_both_placeholder_styles(mart_con):
    df = fetch_df(
        mart_con,
        "select count(*) as n from marts.community_health_weekly where community = ? and platform = 'all'",
        ["all"],
    )
    assert int(df["n"].iloc[0]) == 12
    pg = _PsycopgLike()
    out = fetch_df(pg, "select 1 as n where 'a' like 'a%' and x = ?", [5])
    assert pg.log == [("select 1 as n where 'a' like 'a%%' and x = %s", [5])]
    assert isinstance(out, pd.DataFrame) and list(out["n"]) == [1]


def test_revenue_in_two_currencies_is_not_added_up(tmp_path, mart):
    rows = [
        {**r, "revenue": None, "revenue_currency": "mixed"} if r["community"] == "all" else r
        for r in mart.health_rows()
    ]
    path = tmp_path / "pulse.duckdb"
    mart.make(path, health=rows)
    with duckdb.connect(str(path), read_only=True) as con:
        r = render(con, language="en", communities=("brand_cn", "brand_global"))
    line = next(x for x in r.text.splitlines() if x.startswith("Revenue:"))  # the headline is 'all'
    assert line.startswith("Revenue: mixed currencies  | Last week mixed currencies")
    cn = render(con := duckdb.connect(str(path), read_only=True))
    con.close()
    assert "销售额: 200.00 CNY" in cn.text
    assert "多币种" in cn.text  # the 'all' column of the metrics table
