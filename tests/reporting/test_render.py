"""The rendered report: subject and language, numbers, escaping, the quality banner, CSV, no-data weeks."""

from __future__ import annotations

import csv
import datetime as dt
import io

import duckdb
import pandas as pd
import pytest

from pulse.warehouse import fetch_df
from reporting.render import (
    TREND_CID,
    ReportDataError,
    compute_kpis,
    find_cjk_font,
    fmt_pct,
    load_window,
    render_report,
)

WEEK = "2026-W47"
MONDAY = dt.date(2026, 11, 16)
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
        "stale": False,
    },
    {
        "source": "shop",
        "type": "shopify",
        "last_loaded_at": dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC),
        "stale": False,
    },
]


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


def test_chinese_subject_and_week_over_week_numbers(mart_con):
    r = render(mart_con)
    assert r.language == "zh-CN" and r.week == WEEK
    assert r.subject == "【社群周报】2026-W47 · 活跃成员 143（+10.0%）"
    assert r.communities == ("brand_cn", "all")
    assert r.verified and r.has_data
    assert '<html lang="zh-CN">' in r.html
    assert "品牌中文社区" in r.html and "全部社群" in r.html
    # active members: 143 vs 130 last week (+13, +10.0%); 4-week average 115 (+24.3%)
    line = next(x for x in r.text.splitlines() if x.startswith("活跃成员:"))
    assert "143" in line and "+13 (+10.0%)" in line and "115" in line and "+24.3%" in line
    assert "销售额: 200.00" in r.text and "+50.00 (+33.3%)" in r.text
    assert "数据质量提醒" not in r.text and "数据质量提醒" not in r.html


def test_english_headline_is_all_communities(mart_con):
    r = render(mart_con, language="en", communities=("brand_cn", "brand_global"))
    assert r.communities == ("all", "brand_cn", "brand_global")
    # all: 143 + 211 - 20 = 334, last week 130 + 210 - 20 = 320
    assert r.subject == "[Community Pulse] 2026-W47 · Active members 334 (+4.4%)"
    assert '<html lang="en">' in r.html and "This week at a glance" in r.html
    assert "Brand Global Community" in r.text


def test_compute_kpis_deltas_and_trailing_average(mart_con):
    df = load_window(mart_con, MONDAY, ["brand_cn", "all"])
    kpis = {k["key"]: k for k in compute_kpis(df, MONDAY, "brand_cn")}
    a = kpis["active_members"]
    assert (a["value"], a["previous"], a["change"]) == (143, 130, 13)
    assert a["change_pct"] == pytest.approx(10.0)
    assert a["avg4"] == pytest.approx(115.0) and a["avg4_weeks"] == 4
    assert a["vs_avg4_pct"] == pytest.approx((143 - 115) / 115 * 100)
    rev = kpis["revenue"]
    assert rev["change"] == pytest.approx(50.0) and rev["avg4"] == pytest.approx(150.0)
    # the first week of the window has no previous week in it: no change, no average
    first = MONDAY - dt.timedelta(weeks=11)
    k0 = {k["key"]: k for k in compute_kpis(df, first, "brand_cn")}["active_members"]
    assert k0["previous"] is None and k0["change"] is None and k0["change_pct"] is None and k0["avg4"] is None
    assert compute_kpis(df, MONDAY + dt.timedelta(weeks=1), "brand_cn") is None
    assert fmt_pct(None) == "—" and fmt_pct(0.04) == "0.0%" and fmt_pct(-3.25) == "-3.2%"


def test_untrusted_names_and_titles_are_escaped(tmp_path, mart):
    evil = "<script>alert('x')</script>"
    path = tmp_path / "pulse.duckdb"
    rows = mart.rows()
    rows += [(r[0], r[1], evil, *r[3:]) for r in rows if r[2] == "brand_cn"]
    mart.make(path, rows)
    con = duckdb.connect(str(path), read_only=True)
    r = render(con, communities=("brand_cn", evil), titles={"brand_cn": f"CN {evil}"})
    con.close()
    assert "<script" not in r.html.lower()
    assert "CN &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in r.html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;</h3>" in r.html  # the name, shown when no title
    assert f"CN {evil}" in r.text  # text/plain is not HTML: shown as is


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
    assert "shop: 从未加载, 是否过期: 是" in r.text

    en = render(mart_con, language="en", quality={"passed": False, "checked": False, "failed": []})
    assert en.subject.startswith("[Community Pulse] [UNVERIFIED] 2026-W47")
    assert en.html.index("Data quality warning") < en.html.index("This week at a glance")
    assert "No data quality check has been recorded" in en.text

    only_stale = render(mart_con, language="en", freshness=stale)
    assert "These sources were not loaded on schedule" in only_stale.html
    assert not only_stale.verified


def test_freshness_table_in_business_time_zone(mart_con):
    r = render(mart_con, language="en")
    assert "Last loaded (Asia/Shanghai)" in r.html
    assert "2026-11-23 09:30" in r.html  # 01:30 UTC
    assert "forum: last loaded 2026-11-23 09:30 (Asia/Shanghai), Stale: no" in r.text


def test_week_without_data_says_so(mart_con):
    r = render(mart_con, week="2026-W50")
    assert not r.has_data
    assert r.subject == "【社群周报】2026-W50 · 本周无数据"
    assert "2026-W50 没有数据" in r.html and "2026-W50 没有数据" in r.text
    rows = list(csv.reader(io.StringIO(r.csv.decode("utf-8-sig"))))
    assert len(rows) == 1  # the header only
    far = render(mart_con, language="en", week="2027-W10")
    assert "No data for 2027-W10" in far.text and far.images == {}


def test_csv_holds_the_kpi_table(mart_con):
    r = render(mart_con)
    assert r.csv.startswith(b"\xef\xbb\xbf")  # BOM: Excel opens UTF-8 Chinese correctly
    rows = list(csv.DictReader(io.StringIO(r.csv.decode("utf-8-sig"))))
    assert {row["community"] for row in rows} == {"brand_cn", "all"}
    assert len(rows) == 2 * 8
    a = next(row for row in rows if row["community"] == "brand_cn" and row["metric"] == "active_members")
    assert a == {
        "iso_week": "2026-W47",
        "week_start": "2026-11-16",
        "community": "brand_cn",
        "community_title": "品牌中文社区",
        "metric": "active_members",
        "metric_label": "活跃成员",
        "value": "143",
        "previous_week": "130",
        "change": "13",
        "change_pct": "10.0",
        "trailing_4w_avg": "115.00",
        "vs_trailing_4w_avg_pct": "24.3",
        "verified": "true",
    }
    rev = next(row for row in rows if row["community"] == "brand_cn" and row["metric"] == "revenue")
    assert (rev["value"], rev["change"]) == ("200.00", "50.00")


def test_html_is_mail_safe_with_a_cid_chart(mart_con):
    r = render(mart_con, language="en")
    assert "<script" not in r.html and "<style" not in r.html and "<link" not in r.html
    assert f'src="cid:{TREND_CID}"' in r.html
    png = r.images[TREND_CID]
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) < 100_000
    zh = render(mart_con)
    if find_cjk_font() is None:  # no Chinese font installed: English chart labels, and the report says so
        assert zh.notes and "图表使用英文标签" in zh.html
    else:
        assert not zh.notes


def test_missing_mart_is_a_clear_error(tmp_path):
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
        mart_con, "select count(*) as n from marts.community_health_weekly where community = ?", ["all"]
    )
    assert int(df["n"].iloc[0]) == 12
    pg = _PsycopgLike()
    out = fetch_df(pg, "select 1 as n where 'a' like 'a%' and x = ?", [5])
    assert pg.log == [("select 1 as n where 'a' like 'a%%' and x = %s", [5])]
    assert isinstance(out, pd.DataFrame) and list(out["n"]) == [1]
