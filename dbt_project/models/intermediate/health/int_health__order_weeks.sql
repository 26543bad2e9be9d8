{{ config(materialized='table') }}
{#-
    community_health_weekly's orders at its grain (week_start, community, platform): counted orders
    (int_orders_unified.is_counted), buyers (the member, else the order itself), net revenue and its currencies,
    by order week; each order counts in every community its store maps to, in its platform and 'all', and once in
    community 'all'.

    Its own query: inside community_health_weekly these distinct counts over 5 M orders at L, in 4 rollups each,
    held most of a 4 GB memory_limit beside the mart's other aggregates (docs/benchmarks.md). order_ref is unique
    and a store maps to a community at most once (int_channels_mapped), so no rollup repeats an order.
-#}

with

orders as (
    select * from {{ ref('int_orders_unified') }}
    where is_counted
),

channels as (
    select * from {{ ref('int_channels_mapped') }}
),

source_communities as (
    {{ health_source_communities('channels') }}
),

counted_orders as (
    select
        orders.platform,
        {{ week_start('orders.ordered_at') }} as week_start,
        orders.source_name,
        coalesce(orders.member_id, orders.order_ref) as buyer_key,
        orders.currency,
        orders.net_amount
    from orders
),

order_communities as (
    select
        counted_orders.week_start,
        'all' as community,
        counted_orders.platform,
        counted_orders.buyer_key,
        counted_orders.currency,
        counted_orders.net_amount
    from counted_orders

    union all

    select
        counted_orders.week_start,
        source_communities.community,
        counted_orders.platform,
        counted_orders.buyer_key,
        counted_orders.currency,
        counted_orders.net_amount
    from counted_orders
    inner join source_communities on counted_orders.source_name = source_communities.source_name
),

rollups as (
    select
        order_communities.week_start,
        order_communities.community,
        order_communities.platform,
        order_communities.buyer_key,
        order_communities.currency,
        order_communities.net_amount
    from order_communities

    union all

    select
        order_communities.week_start,
        order_communities.community,
        'all' as platform,
        order_communities.buyer_key,
        order_communities.currency,
        order_communities.net_amount
    from order_communities
)

select
    rollups.week_start,
    rollups.community,
    rollups.platform,
    count(*) as orders,
    count(distinct rollups.buyer_key) as buyers,
    sum(rollups.net_amount) as revenue_sum,
    count(distinct rollups.currency) as currencies,
    min(rollups.currency) as first_currency
from rollups
group by rollups.week_start, rollups.community, rollups.platform
