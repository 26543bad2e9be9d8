{#-
    One row per order attributed to a campaign. An order goes to one campaign at most, by the first rule that
    claims it:
      1. coupon         the order carries the campaign's coupon code (any status: the code was redeemed). Should
                        two campaigns share a code: the one whose period holds the order, else the latest start.
      2. utm            the order's landing URL carries the campaign's utm_campaign tag (any status); ties as for
                        coupons.
      3. participation  a counted order of a member who took part in the campaign during its period (used its
                        coupon, came through its UTM link, attended its launch event: int_campaign_touches_unioned)
                        placed within var('campaign_attribution_window_days') days after that touch
                        ([touched_at, touched_at + window)), unless the member is in the campaign's holdout. Should
                        several touches claim it: the latest touch before the order wins (then the campaign id).
    attributed_amount is the order's net amount (net of refunds, in its own currency) when the order is counted
    (paid, not cancelled, not a test), else 0; exposure alone (the treatment audience) attributes nothing - the
    holdout comparison is campaign_performance's.
-#}
{%- set window_days = var('campaign_attribution_window_days', 7) | int %}

with

orders as (
    select * from {{ ref('int_orders_unified') }}
),

campaigns as (
    select * from {{ ref('stg_files__campaigns') }}
),

touches as (
    select * from {{ ref('int_campaign_touches_unioned') }}
),

holdouts as (
    select distinct
        touches.campaign_id,
        touches.member_id
    from touches
    where touches.touch_type = 'holdout' and touches.member_id is not null
),

participation_touches as (
    select touches.*
    from touches
    left join holdouts
        on touches.campaign_id = holdouts.campaign_id and touches.member_id = holdouts.member_id
    where
        touches.touch_type in ('coupon_used', 'utm_click', 'event_attended')
        and touches.is_during_campaign
        and touches.member_id is not null
        and holdouts.member_id is null
),

coupon_matches as (
    select
        orders.order_ref,
        campaigns.campaign_id,
        'coupon' as attribution_rule,
        1 as rule_rank,
        case
            when orders.ordered_at >= campaigns.start_at and orders.ordered_at < campaigns.end_at then 0
            when campaigns.start_at <= orders.ordered_at then 1
            else 2
        end as period_rank,
        campaigns.start_at as recency_at,
        'coupon_used' as matched_touch_type,
        orders.ordered_at as matched_touched_at
    from orders
    inner join campaigns on orders.discount_code = lower(campaigns.coupon_code)
),

utm_matches as (
    select
        orders.order_ref,
        campaigns.campaign_id,
        'utm' as attribution_rule,
        2 as rule_rank,
        case
            when orders.ordered_at >= campaigns.start_at and orders.ordered_at < campaigns.end_at then 0
            when campaigns.start_at <= orders.ordered_at then 1
            else 2
        end as period_rank,
        campaigns.start_at as recency_at,
        'utm_click' as matched_touch_type,
        orders.ordered_at as matched_touched_at
    from orders
    inner join campaigns on lower(orders.utm_campaign) = lower(campaigns.utm_campaign)
),

participation_matches as (
    select
        orders.order_ref,
        participation_touches.campaign_id,
        'participation' as attribution_rule,
        3 as rule_rank,
        0 as period_rank,
        participation_touches.touched_at as recency_at,
        participation_touches.touch_type as matched_touch_type,
        participation_touches.touched_at as matched_touched_at
    from orders
    inner join participation_touches
        on
            orders.member_id = participation_touches.member_id
            and orders.ordered_at >= participation_touches.touched_at
            and orders.ordered_at < {{ dbt.dateadd('day', window_days, 'participation_touches.touched_at') }}
    where orders.is_counted
),

matches as (
    select * from coupon_matches
    union all
    select * from utm_matches
    union all
    select * from participation_matches
),

ranked as (
    select
        matches.*,
        row_number() over (
            partition by matches.order_ref
            order by
                matches.rule_rank asc,
                matches.period_rank asc,
                matches.recency_at desc,
                matches.campaign_id asc,
                matches.matched_touch_type asc
        ) as match_rank
    from matches
),

final as (
    select
        ranked.order_ref,
        ranked.campaign_id,
        ranked.attribution_rule,
        ranked.matched_touch_type,
        ranked.matched_touched_at,
        orders.platform,
        orders.member_id,
        orders.ordered_at,
        orders.order_date,
        orders.currency,
        orders.net_amount,
        orders.is_counted,
        cast(case when orders.is_counted then orders.net_amount else 0 end as numeric(14, 2)) as attributed_amount
    from ranked
    inner join orders on ranked.order_ref = orders.order_ref
    where ranked.match_rank = 1
)

select * from final
