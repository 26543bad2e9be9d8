"""Every string the weekly report shows, in each supported language (`zh-CN`, `en`).

`KPIS` is the ordered list of mart columns the report shows, with their labels; a column the mart does not have
(yet) is skipped, and a new mart column appears in the report once it is listed here.
"""

from __future__ import annotations

LANGUAGES = ("zh-CN", "en")

# (mart column, decimals shown)
KPIS: tuple[tuple[str, int], ...] = (
    ("active_members", 0),
    ("new_members", 0),
    ("topics", 0),
    ("posts", 0),
    ("replies", 0),
    ("orders", 0),
    ("buyers", 0),
    ("revenue", 2),
)

STRINGS: dict[str, dict[str, str]] = {
    "zh-CN": {
        # subject: 【社群周报】2026-W47 · 活跃成员 1,234（+5.2%）
        "subject": "【社群周报】{flag}{week} · {kpi} {value}{change}",
        "subject_change": "（{change}）",
        "subject_no_data": "【社群周报】{flag}{week} · 本周无数据",
        "subject_flag": "【数据待核实】",
        "title": "社群周报",
        "period": "{week}（{start} 至 {end}，{tz}）",
        "all_communities": "全部社群",
        "banner_title": "⚠ 数据质量提醒：本期数字未经验证",
        "banner_quality_failed": "最新一次数据质量检查未通过，以下数字可能有误。核实之前请不要引用或据此决策。",
        "banner_quality_not_run": "没有找到数据质量检查的记录，以下数字未经验证。",
        "banner_stale": "以下数据源未按时更新，本周数字可能不完整：{sources}。",
        "banner_failed_checks": "未通过的检查：",
        "unverified": "（未经验证）",
        "section_headline": "本周概览",
        "col_metric": "指标",
        "col_value": "本周",
        "col_previous": "上周",
        "col_change": "周环比",
        "col_avg4": "前4周均值",
        "col_vs_avg4": "较4周均值",
        "no_data_week": "{week} 没有数据：数据仓库里没有这一周的记录。可能数据尚未加载，或这一周还没有结束。",
        "no_data_community": "本周没有 {community} 的数据。",
        "section_trend": "近 12 周趋势",
        "chart_alt": "近 12 周活跃成员与帖子数趋势图",
        "chart_note_english": "图表使用英文标签：生成报告的服务器没有安装中文字体。",
        "chart_active": "活跃成员",
        "chart_posts": "帖子",
        "section_freshness": "数据新鲜度",
        "col_source": "数据源",
        "col_last_loaded": "最后加载时间（{tz}）",
        "col_stale": "是否过期",
        "last_loaded": "最后加载",
        "yes": "是",
        "no": "否",
        "never": "从未加载",
        "section_quality": "数据质量",
        "quality_passed": "数据质量检查全部通过。",
        "quality_passed_warnings": "数据质量检查通过，有 {n} 项警告。",
        "quality_failed": "数据质量检查未通过（{n} 项关键检查失败）。",
        "quality_not_run": "尚未运行数据质量检查。",
        "footer": "由 Community Pulse 于 {generated} 生成。附件 {csv_name} 是本周的指标表。",
        "none": "—",
        "kpi.active_members": "活跃成员",
        "kpi.new_members": "新成员",
        "kpi.topics": "新话题",
        "kpi.posts": "帖子",
        "kpi.replies": "回复",
        "kpi.orders": "订单",
        "kpi.buyers": "购买人数",
        "kpi.revenue": "销售额",
    },
    "en": {
        "subject": "[Community Pulse] {flag}{week} · {kpi} {value}{change}",
        "subject_change": " ({change})",
        "subject_no_data": "[Community Pulse] {flag}{week} · no data for this week",
        "subject_flag": "[UNVERIFIED] ",
        "title": "Community weekly report",
        "period": "{week} ({start} to {end}, {tz})",
        "all_communities": "All communities",
        "banner_title": "⚠ Data quality warning: these numbers are not verified",
        "banner_quality_failed": "The latest data quality check failed, so the numbers below may be wrong. "
        "Please do not quote them or act on them until they are verified.",
        "banner_quality_not_run": "No data quality check has been recorded: the numbers below are unverified.",
        "banner_stale": "These sources were not loaded on schedule, so this week's numbers may be incomplete: "
        "{sources}.",
        "banner_failed_checks": "Failed checks:",
        "unverified": " (unverified)",
        "section_headline": "This week at a glance",
        "col_metric": "Metric",
        "col_value": "This week",
        "col_previous": "Last week",
        "col_change": "Week over week",
        "col_avg4": "4-week avg",
        "col_vs_avg4": "vs 4-week avg",
        "no_data_week": "No data for {week}: the warehouse has no rows for this week. The data may not be loaded "
        "yet, or the week has not ended.",
        "no_data_community": "No data for {community} this week.",
        "section_trend": "12-week trend",
        "chart_alt": "Chart: active members and posts over the last 12 weeks",
        "chart_note_english": "",
        "chart_active": "Active members",
        "chart_posts": "Posts",
        "section_freshness": "Data freshness",
        "col_source": "Source",
        "col_last_loaded": "Last loaded ({tz})",
        "col_stale": "Stale",
        "last_loaded": "last loaded",
        "yes": "yes",
        "no": "no",
        "never": "never",
        "section_quality": "Data quality",
        "quality_passed": "All data quality checks passed.",
        "quality_passed_warnings": "Data quality checks passed with {n} warning(s).",
        "quality_failed": "Data quality checks failed ({n} critical check(s) failed).",
        "quality_not_run": "No data quality check has run yet.",
        "footer": "Generated by Community Pulse at {generated}. The attached {csv_name} holds this week's KPI table.",
        "none": "—",
        "kpi.active_members": "Active members",
        "kpi.new_members": "New members",
        "kpi.topics": "Topics",
        "kpi.posts": "Posts",
        "kpi.replies": "Replies",
        "kpi.orders": "Orders",
        "kpi.buyers": "Buyers",
        "kpi.revenue": "Revenue",
    },
}


def check_language(language: str) -> str:
    if language not in STRINGS:
        raise ValueError(f"language {language!r}: the report speaks {', '.join(LANGUAGES)}")
    return language


def t(language: str, key: str, **values: object) -> str:
    """The string `key` in `language`, formatted with `values`."""
    text = STRINGS[check_language(language)][key]
    return text.format(**values) if values else text


def kpi_label(language: str, column: str) -> str:
    return STRINGS[check_language(language)].get(f"kpi.{column}", column)
