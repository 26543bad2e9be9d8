{{ config(materialized='table') }}
{#-
    community_health_weekly's trailing-window counts (MAU, newcomer retention, casual-to-regular) at its grain
    (week_start, community, platform), without one row per member and week of each window.

    The direct reading - every active member-week copied into the 8 weeks whose windows hold it, then grouped per
    member and week - grouped 241 M rows into 73 M groups at L (1 M members) and ran out of a 4 GB memory_limit
    (docs/benchmarks.md). Here each member's active weeks are read once, in order, and each yields a few rows:

    - MAU(w) = members with an active week in w-3..w. A member's active week a covers a..a+3; the weeks it adds to
      the member's earlier cover start at max(a, previous active week + 4). So: +1 there, -1 at a+4 (mau_delta);
      community_health_weekly sums the deltas over the weeks (its running total, like members_total).
    - casual_before(w) = members with 1 or 2 active weeks in w-7..w-4 = MAU(w-4) minus the members with 3 or more
      there: the same deltas 4 weeks later (casual_pool_delta, summed the same way) less heavy_before.
    - A member has 3 or more active weeks in w-3..w only in an active week w or the week after one (else w-3..w-1
      are all active and w-1 is one), so those two weeks per active week - read against the member's previous 7
      active weeks - find every such (member, w): heavy_before counts them 4 weeks later, casual_converted where
      w-7..w-4 held 1 or 2.
    - newcomers_before(w) = members whose first week there is w-4; newcomers_retained(w) = those active in w.
-#}
{%- set lags = range(1, 8) %}
{%- set metrics = ['mau_delta', 'casual_pool_delta', 'heavy_before', 'casual_converted', 'newcomers_before',
                   'newcomers_retained'] %}
{%- set series = 'member_weeks.member_id, member_weeks.community, member_weeks.platform' %}

with

member_weeks as (
    select * from {{ ref('int_health__member_weeks') }}
),

-- noqa: disable=LT02
-- each active week with the member's 7 previous active weeks there, as weeks before it
active_weeks as (
    select
        member_weeks.community,
        member_weeks.platform,
        member_weeks.week_start,
        {%- for j in lags %}
        cast({{ dbt.datediff(
            'lag(member_weeks.week_start, ' ~ j ~ ') over (partition by ' ~ series
            ~ ' order by member_weeks.week_start)',
            'member_weeks.week_start', 'day'
        ) }} / 7 as integer) as weeks_since_{{ j }},
        {%- endfor %}
        cast({{ dbt.datediff(
            'member_weeks.week_start',
            'lead(member_weeks.week_start) over (partition by ' ~ series ~ ' order by member_weeks.week_start)',
            'day'
        ) }} / 7 as integer) as weeks_to_next
    from member_weeks
    where member_weeks.activities > 0
),

-- the member's active weeks in the 4 weeks to w (now) and in the 4 before those (before), for w = the active week
-- (offset 0) and for w = the week after it when that one is not active (offset 1)
candidate_weeks as (
    {%- for offset in [0, 1] %}
    select
        active_weeks.community,
        active_weeks.platform,
        cast({{ dbt.dateadd('day', 7 * offset, 'active_weeks.week_start') }} as date) as week_start,
        1
        {%- for j in lags %}
        + case when active_weeks.weeks_since_{{ j }} <= {{ 3 - offset }} then 1 else 0 end
        {%- endfor %} as active_weeks_now,
        0
        {%- for j in lags %}
        + case when active_weeks.weeks_since_{{ j }} between {{ 4 - offset }} and {{ 7 - offset }} then 1 else 0 end
        {%- endfor %} as active_weeks_before
    from active_weeks
    {%- if offset == 1 %}
    where active_weeks.weeks_to_next is null or active_weeks.weeks_to_next > 1
    {%- endif %}
    {{ 'union all' if not loop.last }}
    {%- endfor %}
),

-- noqa: enable=LT02

-- the weeks an active week adds to the member's MAU cover, from max(a, previous + 4) to a + 3: +1 where they
-- start, -1 after them
cover_changes as (
    select
        cast(
            case
                when active_weeks.weeks_since_1 is null or active_weeks.weeks_since_1 >= 4
                    then active_weeks.week_start
                else {{ dbt.dateadd('day', '7 * (4 - active_weeks.weeks_since_1)', 'active_weeks.week_start') }}
            end as date
        ) as week_start,
        active_weeks.community,
        active_weeks.platform,
        1 as cover_change
    from active_weeks

    union all

    select
        cast({{ dbt.dateadd('day', 28, 'active_weeks.week_start') }} as date) as week_start,
        active_weeks.community,
        active_weeks.platform,
        -1 as cover_change
    from active_weeks
),

-- one row per (week, community, platform, metric, amount); summed per metric below
fragments as (
    select
        cover_changes.week_start,
        cover_changes.community,
        cover_changes.platform,
        'mau_delta' as metric,
        cover_changes.cover_change as amount
    from cover_changes

    union all

    -- the same cover 4 weeks later: the members active in w-7..w-4
    select
        cast({{ dbt.dateadd('day', 28, 'cover_changes.week_start') }} as date) as week_start,
        cover_changes.community,
        cover_changes.platform,
        'casual_pool_delta' as metric,
        cover_changes.cover_change as amount
    from cover_changes

    union all

    -- 3 or more active weeks in w-3..w: counted against casual_before 4 weeks later
    select
        cast({{ dbt.dateadd('day', 28, 'candidate_weeks.week_start') }} as date) as week_start,
        candidate_weeks.community,
        candidate_weeks.platform,
        'heavy_before' as metric,
        1 as amount
    from candidate_weeks
    where candidate_weeks.active_weeks_now >= 3

    union all

    -- casual (1 or 2 active weeks in w-7..w-4), regular now (3 or more in w-3..w)
    select
        candidate_weeks.week_start,
        candidate_weeks.community,
        candidate_weeks.platform,
        'casual_converted' as metric,
        1 as amount
    from candidate_weeks
    where candidate_weeks.active_weeks_now >= 3 and candidate_weeks.active_weeks_before between 1 and 2

    union all

    select
        cast({{ dbt.dateadd('day', 28, 'member_weeks.week_start') }} as date) as week_start,
        member_weeks.community,
        member_weeks.platform,
        'newcomers_before' as metric,
        1 as amount
    from member_weeks
    where member_weeks.week_start = member_weeks.first_week

    union all

    select
        member_weeks.week_start,
        member_weeks.community,
        member_weeks.platform,
        'newcomers_retained' as metric,
        1 as amount
    from member_weeks
    where
        member_weeks.activities > 0
        and member_weeks.week_start = cast({{ dbt.dateadd('day', 28, 'member_weeks.first_week') }} as date)
),

-- noqa: disable=LT02
sums as (
    select
        fragments.week_start,
        fragments.community,
        fragments.platform,
        {%- for metric in metrics %}
        cast(sum(case when fragments.metric = '{{ metric }}' then fragments.amount else 0 end) as bigint)
            as {{ metric }}{{ ',' if not loop.last }}
        {%- endfor %}
    from fragments
    group by fragments.week_start, fragments.community, fragments.platform
)
-- noqa: enable=LT02

-- weeks where nothing changes (a cover ending where the next one starts) have no row
select sums.* from sums
where
    sums.mau_delta <> 0
    or sums.casual_pool_delta <> 0
    or sums.heavy_before > 0
    or sums.casual_converted > 0
    or sums.newcomers_before > 0
