{#-
    Every touch of a campaign, one row each, with the member touched (null when no member matches):
      exposed / holdout  the CRM's audience export (exposed: the treatment or any variant of an A/B test; holdout:
                         the comparison group): its member number is the membership center's member (the
                         `membership` account, account_id = member_no, of exactly one member); touched at the
                         campaign's start.
      coupon_used        an order of any store carrying the campaign's coupon code (case-insensitive), whatever
                         its status; touched when ordered; the order's member.
      utm_click          an order whose landing URL carried the campaign's utm_campaign tag (case-insensitive):
                         a click is seen only through the order it led to; touched when ordered.
      event_attended     a check-in at the campaign's launch event (the calendar's event, by the check-in's event
                         name or id); the attendee's member by email, else phone, as fct_engagement_events finds it.
    Joining a campaign's group is not a touch yet: no source ties a group chat to a campaign.
-#}

with

campaigns as (
    select * from {{ ref('stg_files__campaigns') }}
),

audience as (
    select * from {{ ref('stg_files__campaign_audience') }}
),

orders as (
    select * from {{ ref('int_orders_unified') }}
),

checkins as (
    select * from {{ ref('stg_files__event_checkins') }}
),

contacts as (
    select * from {{ ref('int_identity__contact_members') }}
),

audience_touches as (
    select
        case audience.audience_group when 'holdout' then 'holdout' else 'exposed' end as touch_type,
        audience.campaign_id,
        member_numbers.member_id,
        campaigns.start_at as touched_at,
        audience.audience_key as object_ref
    from audience
    inner join campaigns on audience.campaign_id = campaigns.campaign_id
    left join contacts as member_numbers
        on member_numbers.id_type = 'member_no' and audience.member_no = member_numbers.id_value
    where audience.audience_group is not null
),

coupon_touches as (
    select
        'coupon_used' as touch_type,
        campaigns.campaign_id,
        orders.member_id,
        orders.ordered_at as touched_at,
        orders.order_ref as object_ref
    from orders
    inner join campaigns on orders.discount_code = lower(campaigns.coupon_code)
),

utm_touches as (
    select
        'utm_click' as touch_type,
        campaigns.campaign_id,
        orders.member_id,
        orders.ordered_at as touched_at,
        orders.order_ref as object_ref
    from orders
    inner join campaigns on lower(orders.utm_campaign) = lower(campaigns.utm_campaign)
),

event_touches as (
    select
        'event_attended' as touch_type,
        campaigns.campaign_id,
        coalesce(by_email.member_id, by_phone.member_id) as member_id,
        checkins.checked_in_at as touched_at,
        checkins.checkin_key as object_ref
    from checkins
    inner join campaigns
        on checkins.event_name = campaigns.event_name or checkins.event_ref = campaigns.event_name
    left join contacts as by_email on by_email.id_type = 'email' and checkins.email_hash = by_email.id_value
    left join contacts as by_phone on by_phone.id_type = 'phone' and checkins.phone_hash = by_phone.id_value
),

touches as (
    select * from audience_touches
    union all
    select * from coupon_touches
    union all
    select * from utm_touches
    union all
    select * from event_touches
),

final as (
    select
        touches.touch_type || ':' || touches.campaign_id || ':' || touches.object_ref as touch_key,
        touches.campaign_id,
        touches.member_id,
        touches.touch_type,
        touches.touched_at,
        touches.object_ref,
        coalesce(
            touches.touched_at >= campaigns.start_at and touches.touched_at < campaigns.end_at, false
        ) as is_during_campaign
    from touches
    inner join campaigns on touches.campaign_id = campaigns.campaign_id
)

select * from final
