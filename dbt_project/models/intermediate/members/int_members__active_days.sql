{{ config(materialized='table') }}
{#- Each member's days with community participation (no staff or bots; joins, leaves, follows and unfollows are
    presence, not participation): the days lifecycle stages are counted on. -#}
select
    events.member_id,
    events.event_date,
    count(*) as activity_count,
    cast(sum(events.weight) as numeric(12, 2)) as weighted_score
from {{ ref('fct_engagement_events') }} as events
where
    events.is_community_activity
    and events.member_id is not null
    and events.activity_type not in {{ sql_values(passive_activity_types()) }}
group by events.member_id, events.event_date
