{#
    Each member's lifecycle stage as of the latest day with community participation in the warehouse (active days:
    int_members__active_days, where joins and follows do not count; `as_of_date`:
    the data's "today", so that a rebuild of old data gives the stages it gave then). Windows in days from the
    `lifecycle_days` var (pulse.yml rules.lifecycle):
      new          first seen (an account created, or a first activity) less than new_within days ago
      reactivated  active less than active_within days ago, and back within active_within days after a silence of
                   at least churned_after days
      active       active less than active_within days ago
      dormant      silent for active_within to churned_after days (or never active, first seen less than
                   churned_after days ago)
      churned      silent for churned_after days or more (or never active, first seen that long ago)
#}
{%- set windows = var('lifecycle_days') %}
with

active_days as (
    select * from {{ ref('int_members__active_days') }}
),

member_accounts as (
    select * from {{ ref('dim_member_accounts') }}
),

as_of as (
    select max(active_days.event_date) as as_of_date
    from active_days
),

gaps as (
    select
        active_days.member_id,
        active_days.event_date,
        {{ dbt.datediff(
            'lag(active_days.event_date) over (partition by active_days.member_id order by active_days.event_date)',
            'active_days.event_date',
            'day',
        ) }} as days_since_previous
    from active_days
),

activity as (
    select
        gaps.member_id,
        min(gaps.event_date) as first_active_date,
        max(gaps.event_date) as last_active_date,
        max(case when gaps.days_since_previous >= {{ windows['churned_after'] }} then gaps.event_date end)
            as last_return_date
    from gaps
    group by gaps.member_id
),

first_seen as (
    select
        member_accounts.member_id,
        min({{ business_date('member_accounts.created_at') }}) as first_account_date
    from member_accounts
    group by member_accounts.member_id
),

measured as (
    select
        first_seen.member_id,
        as_of.as_of_date,
        case
            when activity.first_active_date is null then first_seen.first_account_date
            when first_seen.first_account_date is null then activity.first_active_date
            when activity.first_active_date < first_seen.first_account_date then activity.first_active_date
            else first_seen.first_account_date
        end as first_seen_date,
        activity.first_active_date,
        activity.last_active_date,
        activity.last_return_date
    from first_seen
    cross join as_of
    left join activity on first_seen.member_id = activity.member_id
),

aged as (
    select
        measured.*,
        {{ dbt.datediff('measured.first_seen_date', 'measured.as_of_date', 'day') }} as days_since_seen,  -- noqa: LT05
        {{ dbt.datediff('measured.last_active_date', 'measured.as_of_date', 'day') }} as days_since_active,  -- noqa: LT05
        {{ dbt.datediff('measured.last_return_date', 'measured.as_of_date', 'day') }} as days_since_return  -- noqa: LT05
    from measured
),

final as (
    select
        aged.member_id,
        aged.as_of_date,
        aged.first_seen_date,
        aged.first_active_date,
        aged.last_active_date,
        aged.last_return_date,
        aged.days_since_active,
        case
            when aged.as_of_date is null then null
            when aged.days_since_seen < {{ windows['new_within'] }} then 'new'
            when aged.last_active_date is null and aged.days_since_seen >= {{ windows['churned_after'] }}
                then 'churned'
            when aged.last_active_date is null then 'dormant'
            when
                aged.days_since_active < {{ windows['active_within'] }}
                and aged.days_since_return < {{ windows['active_within'] }}
                then 'reactivated'
            when aged.days_since_active < {{ windows['active_within'] }} then 'active'
            when aged.days_since_active < {{ windows['churned_after'] }} then 'dormant'
            else 'churned'
        end as lifecycle_stage
    from aged
)

select * from final
