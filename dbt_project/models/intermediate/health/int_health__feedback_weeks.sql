{{ config(materialized='table') }}
{#-
    community_health_weekly's feedback at its grain (week_start, community, platform): members' posts, comments
    and messages (int_feedback_scored.is_feedback) and the negative ones, in the communities fct_feedback gives
    them (Discourse: the post's category's; Reddit and Discord: the whole source's), in their platform and 'all'.

    Its own query: inside community_health_weekly the join of every Discourse post (10 M at L) and the distinct
    over each item's rollups ran beside the mart's other aggregates out of a 4 GB memory_limit
    (docs/benchmarks.md).
-#}

with

feedback_scored as (
    select * from {{ ref('int_feedback_scored') }}
    where is_feedback
),

posts_mapped as (
    select * from {{ ref('int_posts_mapped') }}
),

channels as (
    select * from {{ ref('int_channels_mapped') }}
),

source_communities as (
    {{ health_source_communities('channels') }}
),

rollup_keys as (
    {{ health_rollup_keys() }}
),

feedback_items as (
    select
        feedback_scored.item_key,
        feedback_scored.platform,
        posts_mapped.community,
        {{ week_start('feedback_scored.created_at') }} as week_start,
        feedback_scored.is_negative
    from feedback_scored
    inner join posts_mapped on feedback_scored.item_key = 'discourse:' || posts_mapped.post_key
    where feedback_scored.platform = 'discourse'

    union all

    select
        feedback_scored.item_key,
        feedback_scored.platform,
        source_communities.community,
        {{ week_start('feedback_scored.created_at') }} as week_start,
        feedback_scored.is_negative
    from feedback_scored
    left join source_communities on feedback_scored.source_name = source_communities.source_name
    where feedback_scored.platform <> 'discourse'
),

-- an item in several communities counts once in community 'all'
feedback_rollups as (
    select distinct
        feedback_items.week_start,
        case when rollup_keys.is_all_communities then 'all' else feedback_items.community end as community,
        case when rollup_keys.is_all_platforms then 'all' else feedback_items.platform end as platform,
        feedback_items.item_key,
        feedback_items.is_negative
    from feedback_items
    cross join rollup_keys
    where rollup_keys.is_all_communities or feedback_items.community is not null
)

select
    feedback_rollups.week_start,
    feedback_rollups.community,
    feedback_rollups.platform,
    count(*) as feedback_posts,
    sum(case when feedback_rollups.is_negative then 1 else 0 end) as negative_feedback
from feedback_rollups
group by feedback_rollups.week_start, feedback_rollups.community, feedback_rollups.platform
