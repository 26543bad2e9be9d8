{{ config(materialized='table') }}
{#
    Every store order of every store (Shopify, WooCommerce, 有赞, shop POS) in one shape, with its member
    (int_identity__order_members), business day, and money net of refunds in the order's currency:
      Shopify and WooCommerce: total_price minus the amounts of their refunds;
      有赞: the amount paid, 0 when fully refunded (refund_state 2: the trade listing gives no refund amounts, so a
            partial refund is not netted);
      POS: the amount paid (the exports carry no refunds).
    `is_counted`: paid (not pending or voided), not cancelled, not a test - what spend, points, tiers, RFM and CLV
    count. Loyalty, campaign and CLV models read orders from here.
#}
with

order_members as (
    select * from {{ ref('int_identity__order_members') }}
),

shopify_refunds as (
    select
        order_key,
        sum(amount) as refunded
    from {{ ref('stg_shopify__refunds') }}
    group by order_key
),

woocommerce_refunds as (
    select
        order_key,
        sum(amount) as refunded
    from {{ ref('stg_woocommerce__refunds') }}
    group by order_key
),

orders as (
    select
        'shopify' as platform,
        orders.order_key,
        orders.currency,
        orders.total_price as gross_amount,
        coalesce(shopify_refunds.refunded, 0) as refunded_amount,
        orders.discount_code,
        orders.utm_campaign,
        orders.sales_channel,
        orders.financial_status in ('paid', 'partially_refunded', 'refunded', 'partially_paid')
        and not orders.is_cancelled
        and not orders.is_test as is_counted
    from {{ ref('stg_shopify__orders') }} as orders
    left join shopify_refunds on orders.order_key = shopify_refunds.order_key
    union all
    select
        'woocommerce' as platform,
        orders.order_key,
        orders.currency,
        orders.total_price as gross_amount,
        coalesce(woocommerce_refunds.refunded, 0) as refunded_amount,
        orders.discount_code,
        orders.utm_campaign,
        orders.sales_channel,
        orders.financial_status in ('paid', 'partially_refunded', 'refunded')
        and not orders.is_cancelled
        and not orders.is_test as is_counted
    from {{ ref('stg_woocommerce__orders') }} as orders
    left join woocommerce_refunds on orders.order_key = woocommerce_refunds.order_key
    union all
    select
        'youzan' as platform,
        trades.order_key,
        trades.currency,
        trades.total_price as gross_amount,
        case when trades.refund_state = 2 then trades.total_price else 0 end as refunded_amount,
        trades.discount_code,
        cast(null as {{ dbt.type_string() }}) as utm_campaign,
        trades.sales_channel,
        trades.financial_status in ('paid', 'partially_refunded', 'refunded')
        and not trades.is_cancelled
        and not trades.is_test as is_counted
    from {{ ref('stg_youzan__trades') }} as trades
    union all
    select
        'pos' as platform,
        pos.order_key,
        'CNY' as currency,
        pos.amount as gross_amount,
        0 as refunded_amount,
        cast(null as {{ dbt.type_string() }}) as discount_code,
        cast(null as {{ dbt.type_string() }}) as utm_campaign,
        'pos' as sales_channel,
        true as is_counted
    from {{ ref('stg_files__pos_orders') }} as pos
),

final as (
    select
        order_members.order_ref,
        orders.platform,
        orders.order_key,
        order_members.source_name,
        order_members.member_id,
        order_members.matched_by,
        order_members.ordered_at,
        {{ business_date('order_members.ordered_at') }} as order_date,
        orders.currency,
        cast(orders.gross_amount as numeric(14, 2)) as gross_amount,
        cast(orders.refunded_amount as numeric(14, 2)) as refunded_amount,
        cast(
            case
                when orders.gross_amount - orders.refunded_amount < 0 then 0
                else orders.gross_amount - orders.refunded_amount
            end as numeric(14, 2)
        ) as net_amount,
        lower(orders.discount_code) as discount_code,
        orders.utm_campaign,
        orders.sales_channel,
        orders.is_counted
    from orders
    inner join order_members
        on orders.platform = order_members.platform and orders.order_key = order_members.order_key
)

select * from final
