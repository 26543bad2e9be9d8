{#-
    One row per member, campaign and kind of touch (int_campaign_touches_unioned): exposed (in the treatment
    audience) or holdout (in the audience's control group), and the ways a member took part - coupon_used,
    utm_click, event_attended - with how often and when. Touches of nobody we know (an anonymous buyer, an
    audience member number that no member holds) are left out.
-#}

with

touches as (
    select * from {{ ref('int_campaign_touches_unioned') }}
),

final as (
    select
        touches.campaign_id || ':' || touches.member_id || ':' || touches.touch_type as campaign_touch_key,
        touches.campaign_id,
        touches.member_id,
        touches.touch_type,
        touches.touch_type in ('coupon_used', 'utm_click', 'event_attended') as is_participation,
        count(*) as touch_count,
        sum(case when touches.is_during_campaign then 1 else 0 end) as touches_during_campaign,
        min(touches.touched_at) as first_touched_at,
        max(touches.touched_at) as last_touched_at
    from touches
    where touches.member_id is not null
    group by touches.campaign_id, touches.member_id, touches.touch_type
)

select * from final
