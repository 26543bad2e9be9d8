{#-
    One row per campaign of the marketing calendar (stg_files__campaigns), with its coupon code as the stores
    know it: the WooCommerce coupon of that code (the only store whose coupon list we read) and every order of
    any store carrying it (int_orders_unified, the order's first code, compared case-insensitively), with the
    orders that came through its UTM tag and the size of its audience per group. campaign_cost is in CNY, as
    the calendar keeps it.
-#}

with

campaigns as (
    select * from {{ ref('stg_files__campaigns') }}
),

woocommerce_coupons as (
    select * from {{ ref('stg_woocommerce__coupons') }}
),

orders as (
    select * from {{ ref('int_orders_unified') }}
),

audience as (
    select * from {{ ref('stg_files__campaign_audience') }}
),

store_coupons as (
    select
        lower(woocommerce_coupons.discount_code) as discount_code,
        min(woocommerce_coupons.coupon_id) as woocommerce_coupon_id,
        sum(woocommerce_coupons.usage_count) as woocommerce_usage_count
    from woocommerce_coupons
    group by lower(woocommerce_coupons.discount_code)
),

coupon_orders as (
    select
        campaigns.campaign_id,
        count(*) as coupon_orders,
        sum(case when orders.is_counted then 1 else 0 end) as coupon_counted_orders,
        sum(case when orders.platform = 'shopify' then 1 else 0 end) as shopify_coupon_orders,
        sum(case when orders.platform = 'woocommerce' then 1 else 0 end) as woocommerce_coupon_orders,
        sum(case when orders.platform = 'youzan' then 1 else 0 end) as youzan_coupon_orders,
        min(orders.ordered_at) as coupon_first_used_at,
        max(orders.ordered_at) as coupon_last_used_at
    from campaigns
    inner join orders on lower(campaigns.coupon_code) = orders.discount_code
    group by campaigns.campaign_id
),

utm_orders as (
    select
        campaigns.campaign_id,
        count(*) as utm_orders
    from campaigns
    inner join orders on lower(campaigns.utm_campaign) = lower(orders.utm_campaign)
    group by campaigns.campaign_id
),

audience_sizes as (
    select
        audience.campaign_id,
        count(distinct case when audience.audience_group = 'treatment' then audience.member_no end)
            as audience_treatment,
        count(distinct case when audience.audience_group = 'holdout' then audience.member_no end)
            as audience_holdout
    from audience
    group by audience.campaign_id
),

final as (
    select
        campaigns.campaign_id,
        campaigns.campaign_name,
        campaigns.community,
        campaigns.channel,
        campaigns.target_segment,
        campaigns.start_at,
        campaigns.end_at,
        {{ business_date('campaigns.start_at') }} as start_date,
        campaigns.campaign_cost,
        campaigns.coupon_code,
        campaigns.utm_campaign,
        campaigns.event_name,
        campaigns.holdout_share,
        store_coupons.woocommerce_coupon_id,
        store_coupons.woocommerce_usage_count,
        coalesce(coupon_orders.coupon_orders, 0) as coupon_orders,
        coalesce(coupon_orders.coupon_counted_orders, 0) as coupon_counted_orders,
        coalesce(coupon_orders.shopify_coupon_orders, 0) as shopify_coupon_orders,
        coalesce(coupon_orders.woocommerce_coupon_orders, 0) as woocommerce_coupon_orders,
        coalesce(coupon_orders.youzan_coupon_orders, 0) as youzan_coupon_orders,
        coupon_orders.coupon_first_used_at,
        coupon_orders.coupon_last_used_at,
        coalesce(utm_orders.utm_orders, 0) as utm_orders,
        coalesce(audience_sizes.audience_treatment, 0) as audience_treatment,
        coalesce(audience_sizes.audience_holdout, 0) as audience_holdout,
        campaigns.source_name,
        campaigns.extracted_at
    from campaigns
    left join store_coupons on lower(campaigns.coupon_code) = store_coupons.discount_code
    left join coupon_orders on campaigns.campaign_id = coupon_orders.campaign_id
    left join utm_orders on campaigns.campaign_id = utm_orders.campaign_id
    left join audience_sizes on campaigns.campaign_id = audience_sizes.campaign_id
)

select * from final
