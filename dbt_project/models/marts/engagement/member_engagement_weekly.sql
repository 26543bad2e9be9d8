{#
    Per member and business week (Monday-Sunday in the business time zone): activity counts by type, the weighted
    score (sum of activity weights), active days and platforms. Community activity only (no staff or bots), and
    only activity that belongs to a member. Weeks without activity have no row.
#}
with

events as (
    select * from {{ ref('fct_engagement_events') }}
    where is_community_activity and member_id is not null
),

final as (
    select
        events.member_id,
        events.week_start,
        {{ iso_week_of_date('events.week_start') }} as iso_week,
        count(*) as activity_count,
        {%- for t in activity_types() %}
            sum(case when events.activity_type = '{{ t }}' then 1 else 0 end) as {{ t }}_count,
        {%- endfor %}
        cast(sum(events.weight) as numeric(12, 2)) as weighted_score,
        count(distinct events.event_date) as active_days,
        count(distinct events.platform) as platforms_count
    from events
    group by events.member_id, events.week_start
)

select * from final
