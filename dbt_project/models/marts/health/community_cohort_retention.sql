{#
    Newcomer cohorts and how many of them are still active: one row per cohort week (the week of a member's first
    event in the community, int_health__member_weeks platform 'all'), community ('all' too) and weeks since
    (0..11, as far as the data reaches). Only cohorts from the first week of community_health_weekly on: accounts
    created before the data begins are no newcomers of it.
#}
with

member_weeks as (
    select * from {{ ref('int_health__member_weeks') }}
    where platform = 'all'
),

weekly as (
    select * from {{ ref('community_health_weekly') }}
),

week_bounds as (
    select
        min(weekly.week_start) as first_week,
        max(weekly.week_start) as last_week
    from weekly
),

cohort_members as (
    select
        member_weeks.member_id,
        member_weeks.community,
        member_weeks.first_week as cohort_week,
        member_weeks.week_start,
        member_weeks.activities,
        cast(
            {{ dbt.datediff('member_weeks.first_week', 'member_weeks.week_start', 'day') }} / 7 as integer  -- noqa: LT05
        ) as weeks_since
    from member_weeks
    cross join week_bounds
    where member_weeks.first_week between week_bounds.first_week and week_bounds.last_week
),

offsets as (
    {%- for k in range(12) %}
        select {{ k }} as weeks_since{{ ' union all' if not loop.last }}
    {%- endfor %}
),

cohorts as (
    select
        cohort_members.cohort_week,
        cohort_members.community,
        count(*) as cohort_size
    from cohort_members
    where cohort_members.weeks_since = 0
    group by cohort_members.cohort_week, cohort_members.community
),

spine as (
    select
        cohorts.cohort_week,
        cohorts.community,
        offsets.weeks_since,
        cohorts.cohort_size,
        0 as retained_members
    from cohorts
    cross join offsets
    cross join week_bounds
    where cast({{ dbt.dateadd('day', '7 * offsets.weeks_since', 'cohorts.cohort_week') }} as date)
        <= week_bounds.last_week
),

retained as (
    select
        cohort_members.cohort_week,
        cohort_members.community,
        cohort_members.weeks_since,
        0 as cohort_size,
        count(*) as retained_members
    from cohort_members
    where cohort_members.activities > 0 and cohort_members.weeks_since between 0 and 11
    group by cohort_members.cohort_week, cohort_members.community, cohort_members.weeks_since
),

unioned as (
    select * from spine
    union all
    select * from retained
),

final as (
    select
        unioned.cohort_week,
        {{ iso_week_of_date('unioned.cohort_week') }} as cohort_iso_week,
        unioned.community,
        unioned.weeks_since,
        max(unioned.cohort_size) as cohort_size,
        cast(sum(unioned.retained_members) as integer) as retained_members,
        {{ round_to('cast(sum(unioned.retained_members) as ' ~ type_double() ~ ') / max(unioned.cohort_size)', 4) }}
            as retention_rate
    from unioned
    group by unioned.cohort_week, unioned.community, unioned.weeks_since
)

select * from final
