{#
    Each member's engagement over the trailing window (var engagement.window days, ending at the latest day with
    community activity), in the spirit of the Orbit model (love: weighted activity; presence: active weeks;
    reach: who answers them):
      leader       weighted score >= leader_min_score and active in >= leader_min_weeks distinct weeks
      contributor  weighted score >= contributor_min_score
      participant  any community activity in the window besides joining, leaving, following, unfollowing
      explorer     none (joined, follows, reads)
    is_kol: at least kol_min_repliers distinct other members replied to their content in the window.
    is_koc: a buyer (an order rolls up to them, int_identity__order_members) with at least koc_min_reviews
    reviews or shares (晒单) in the window.
#}
{%- set e = var('engagement') %}
with

events as (
    select * from {{ ref('fct_engagement_events') }}
    where is_community_activity and member_id is not null
),

members as (
    select distinct member_id from {{ ref('dim_member_accounts') }}
),

orders as (
    select
        member_id,
        count(*) as orders_count
    from {{ ref('int_identity__order_members') }}
    where member_id is not null
    group by member_id
),

window_bounds as (
    select
        max(events.event_date) as window_end,
        {{ dbt.dateadd('day', -1 * (e['window'] | int) + 1, 'max(events.event_date)') }} as window_start
    from events
),

in_window as (
    select events.*
    from events
    cross join window_bounds
    where events.event_date between window_bounds.window_start and window_bounds.window_end
),

activity as (
    select
        in_window.member_id,
        cast(sum(in_window.weight) as numeric(12, 2)) as window_score,
        count(distinct in_window.week_start) as window_active_weeks,
        sum(case when in_window.activity_type in {{ sql_values(passive_activity_types()) }} then 0 else 1 end)
            as window_activity_count,
        sum(case when in_window.activity_type in ('review', 'review_with_photos', 'share') then 1 else 0 end)
            as window_reviews
    from in_window
    group by in_window.member_id
),

reach as (
    select
        in_window.replied_to_member_id as member_id,
        count(distinct in_window.member_id) as window_repliers
    from in_window
    where
        in_window.replied_to_member_id is not null
        and in_window.replied_to_member_id != in_window.member_id
    group by in_window.replied_to_member_id
),

final as (
    select
        members.member_id,
        cast(window_bounds.window_start as date) as window_start,
        cast(window_bounds.window_end as date) as window_end,
        coalesce(activity.window_score, 0) as window_score,
        coalesce(activity.window_active_weeks, 0) as window_active_weeks,
        coalesce(activity.window_activity_count, 0) as window_activity_count,
        coalesce(reach.window_repliers, 0) as window_repliers,
        coalesce(activity.window_reviews, 0) as window_reviews,
        coalesce(orders.orders_count, 0) as orders_count,
        case
            when coalesce(activity.window_score, 0) >= {{ e['leader_min_score'] }}
                and coalesce(activity.window_active_weeks, 0) >= {{ e['leader_min_weeks'] }} then 'leader'
            when coalesce(activity.window_score, 0) >= {{ e['contributor_min_score'] }} then 'contributor'
            when coalesce(activity.window_activity_count, 0) > 0 then 'participant'
            else 'explorer'
        end as engagement_level,
        coalesce(reach.window_repliers, 0) >= {{ e['kol_min_repliers'] }} as is_kol,
        coalesce(orders.orders_count, 0) > 0
        and coalesce(activity.window_reviews, 0) >= {{ e['koc_min_reviews'] }} as is_koc
    from members
    cross join window_bounds
    left join activity on members.member_id = activity.member_id
    left join reach on members.member_id = reach.member_id
    left join orders on members.member_id = orders.member_id
)

select * from final
