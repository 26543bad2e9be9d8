{{ config(materialized='table') }}
{#-
    One row per member, community, platform and business week in which the member did anything in the community
    (fct_engagement_events: community activity - no staff, no bots - of a known member), for every rollup the
    health marts report: the event's own community and 'all' (every event, also those no community covers), its
    own platform and 'all'. The building block of community_health_weekly, community_cohort_retention and
    community_top_contributors_weekly.

    Kinds of activity (macros/health.sql):
      participation   anything but joining, leaving, following, unfollowing: makes a member active
      contribution    content a member wrote: post, reply, comment, message, review, review_with_photos, share
                      (CHAOSS contributors); check-ins, reactions and event attendance are participation only
      ugc             user-generated showcase content: review, review_with_photos, share (晒单, shared posts)

    Membership: a member is in a (community, platform) from their first event there; a week whose last event
    there is a leave or an unfollow takes them out (state_delta -1), a later event brings them back (+1). On
    platform 'all' a member is in the community while in at least one of its platforms.
-#}
with

events as (
    select * from {{ ref('fct_engagement_events') }}
    where is_community_activity and member_id is not null
),

event_rollups as (
    select
        events.member_id,
        events.community,
        events.platform,
        events.week_start,
        events.occurred_at,
        events.activity_type,
        events.weight
    from events
    where events.community is not null

    union all

    select
        events.member_id,
        'all' as community,
        events.platform,
        events.week_start,
        events.occurred_at,
        events.activity_type,
        events.weight
    from events
),

platform_weeks as (
    select
        event_rollups.member_id,
        event_rollups.community,
        event_rollups.platform,
        event_rollups.week_start,
        count(*) as events,
        sum(case when {{ is_participation('event_rollups.activity_type') }} then 1 else 0 end) as activities,
        sum(case when {{ is_contribution('event_rollups.activity_type') }} then 1 else 0 end) as contributions,
        sum(case when {{ is_ugc('event_rollups.activity_type') }} then 1 else 0 end) as ugc,
        sum(event_rollups.weight) as weighted_activity,
        max(case when {{ is_exit('event_rollups.activity_type') }} then event_rollups.occurred_at end)
            as last_exit_at,
        max(case when not {{ is_exit('event_rollups.activity_type') }} then event_rollups.occurred_at end)
            as last_stay_at
    from event_rollups
    group by event_rollups.member_id, event_rollups.community, event_rollups.platform, event_rollups.week_start
),

platform_states as (
    select
        platform_weeks.*,
        case
            when platform_weeks.last_exit_at is null then 1
            when platform_weeks.last_stay_at >= platform_weeks.last_exit_at then 1
            else 0
        end as is_in
    from platform_weeks
),

platform_deltas as (
    select
        platform_states.*,
        platform_states.is_in - coalesce(
            lag(platform_states.is_in) over (
                partition by platform_states.member_id, platform_states.community, platform_states.platform
                order by platform_states.week_start
            ),
            0
        ) as state_delta
    from platform_states
),

community_weeks as (
    select
        platform_deltas.member_id,
        platform_deltas.community,
        platform_deltas.week_start,
        sum(platform_deltas.events) as events,
        sum(platform_deltas.activities) as activities,
        sum(platform_deltas.contributions) as contributions,
        sum(platform_deltas.ugc) as ugc,
        sum(platform_deltas.weighted_activity) as weighted_activity,
        sum(platform_deltas.state_delta) as platforms_delta
    from platform_deltas
    group by platform_deltas.member_id, platform_deltas.community, platform_deltas.week_start
),

community_presence as (
    select
        community_weeks.*,
        case
            when sum(community_weeks.platforms_delta)
                    over (
                        partition by community_weeks.member_id, community_weeks.community
                        order by community_weeks.week_start
                        rows between unbounded preceding and current row
                    )
                > 0 then 1
            else 0
        end as is_in
    from community_weeks
),

community_deltas as (
    select
        community_presence.*,
        community_presence.is_in - coalesce(
            lag(community_presence.is_in) over (
                partition by community_presence.member_id, community_presence.community
                order by community_presence.week_start
            ),
            0
        ) as state_delta
    from community_presence
),

unioned as (
    select
        platform_deltas.member_id,
        platform_deltas.community,
        platform_deltas.platform,
        platform_deltas.week_start,
        platform_deltas.events,
        platform_deltas.activities,
        platform_deltas.contributions,
        platform_deltas.ugc,
        platform_deltas.weighted_activity,
        platform_deltas.is_in,
        platform_deltas.state_delta
    from platform_deltas

    union all

    select
        community_deltas.member_id,
        community_deltas.community,
        'all' as platform,
        community_deltas.week_start,
        community_deltas.events,
        community_deltas.activities,
        community_deltas.contributions,
        community_deltas.ugc,
        community_deltas.weighted_activity,
        community_deltas.is_in,
        community_deltas.state_delta
    from community_deltas
),

final as (
    select
        unioned.member_id,
        unioned.community,
        unioned.platform,
        unioned.week_start,
        cast(unioned.events as bigint) as events,
        cast(unioned.activities as bigint) as activities,
        cast(unioned.contributions as bigint) as contributions,
        cast(unioned.ugc as bigint) as ugc,
        cast(unioned.weighted_activity as numeric(12, 2)) as weighted_activity,
        unioned.is_in = 1 as is_member_at_week_end,
        cast(unioned.state_delta as bigint) as state_delta,
        min(unioned.week_start) over (
            partition by unioned.member_id, unioned.community, unioned.platform
        ) as first_week,
        min(case when unioned.contributions > 0 then unioned.week_start end) over (
            partition by unioned.member_id, unioned.community, unioned.platform
        ) as first_contribution_week
    from unioned
)

select * from final
