{#
    Shopify orders net of their refunds, with their community (a store maps as a whole: the `<source>:*`
    channel; null when the store belongs to no community) and local week of creation. One row per order and
    community. Counted orders exclude test and cancelled orders. A buyer is the order's email hash, else its
    customer, else the order itself.
#}
with

orders as (
    select * from {{ ref('stg_shopify__orders') }}
),

refunds as (
    select * from {{ ref('stg_shopify__refunds') }}
),

channels as (
    select * from {{ ref('int_channels_mapped') }}
),

refund_totals as (
    select
        refunds.order_key,
        sum(refunds.amount) as refunded_amount,
        count(*) as refund_count
    from refunds
    group by refunds.order_key
),

orders_net as (
    select
        orders.order_key,
        orders.source_name,
        orders.order_id,
        orders.customer_key,
        orders.email_hash,
        coalesce(orders.email_hash, orders.customer_key, orders.order_key) as buyer_key,
        orders.currency,
        orders.created_at,
        orders.total_price,
        cast(coalesce(refund_totals.refunded_amount, 0) as numeric(12, 2)) as refunded_amount,
        coalesce(refund_totals.refund_count, 0) as refund_count,
        cast(
            coalesce(orders.total_price, 0) - coalesce(refund_totals.refunded_amount, 0) as numeric(12, 2)
        ) as net_revenue,
        orders.is_test,
        orders.is_cancelled
    from orders
    left join refund_totals
        on orders.order_key = refund_totals.order_key
),

final as (
    select
        orders_net.order_key,
        channels.community,
        orders_net.source_name,
        orders_net.order_id,
        orders_net.customer_key,
        orders_net.email_hash,
        orders_net.buyer_key,
        orders_net.currency,
        orders_net.created_at,
        {{ week_start('orders_net.created_at') }} as week_start,
        {{ iso_week_label('orders_net.created_at') }} as iso_week,
        orders_net.total_price,
        orders_net.refunded_amount,
        orders_net.refund_count,
        orders_net.net_revenue,
        orders_net.is_test,
        orders_net.is_cancelled,
        (not orders_net.is_test and not orders_net.is_cancelled) as is_counted
    from orders_net
    left join channels
        on orders_net.source_name || ':*' = channels.channel_key
)

select * from final
