{{ config(materialized='table') }}
{#-
    Every store order (Shopify, WooCommerce, 有赞, shop POS) with the member who placed it. A customer's order
    belongs to the customer's member (`account`); an order without an account (a guest checkout, a walk-in POS
    sale) rolls up by the member card scanned at the POS (`member_card`), else the order's email (`email`), else
    its phone (`phone`), each only when it names exactly one member (int_identity__contact_members). Otherwise
    member_id is null and matched_by `none`: an anonymous buyer.
-#}
with

members as (
    select * from {{ ref('int_identity__account_members') }}
),

contacts as (
    select * from {{ ref('int_identity__contact_members') }}
),

orders as (
    select
        'shopify' as platform,
        orders.order_key,
        orders.source_name,
        orders.created_at as ordered_at,
        case when orders.customer_id is not null then 'shopify:' || orders.customer_key end as account_key,
        cast(null as {{ dbt.type_string() }}) as member_card,
        orders.email_hash,
        orders.phone_hash
    from {{ ref('stg_shopify__orders') }} as orders
    union all
    select
        'woocommerce' as platform,
        orders.order_key,
        orders.source_name,
        orders.created_at as ordered_at,
        'woocommerce:' || orders.customer_key as account_key,
        cast(null as {{ dbt.type_string() }}) as member_card,
        orders.email_hash,
        orders.phone_hash
    from {{ ref('stg_woocommerce__orders') }} as orders
    union all
    select
        'youzan' as platform,
        trades.order_key,
        trades.source_name,
        trades.created_at as ordered_at,
        'youzan:' || trades.customer_key as account_key,
        cast(null as {{ dbt.type_string() }}) as member_card,
        cast(null as {{ dbt.type_string() }}) as email_hash,
        trades.phone_hash
    from {{ ref('stg_youzan__trades') }} as trades
    union all
    select
        'pos' as platform,
        pos.order_key,
        pos.source_name,
        pos.paid_at as ordered_at,
        cast(null as {{ dbt.type_string() }}) as account_key,
        pos.member_card,
        cast(null as {{ dbt.type_string() }}) as email_hash,
        pos.phone_hash
    from {{ ref('stg_files__pos_orders') }} as pos
),

matched as (
    select
        orders.platform,
        orders.order_key,
        orders.source_name,
        orders.ordered_at,
        orders.account_key,
        coalesce(account_members.member_id, cards.member_id, by_email.member_id, by_phone.member_id) as member_id,
        case
            when account_members.member_id is not null then 'account'
            when cards.member_id is not null then 'member_card'
            when by_email.member_id is not null then 'email'
            when by_phone.member_id is not null then 'phone'
            else 'none'
        end as matched_by
    from orders
    left join members as account_members on orders.account_key = account_members.account_key
    left join contacts as cards on cards.id_type = 'member_no' and orders.member_card = cards.id_value
    left join contacts as by_email on by_email.id_type = 'email' and orders.email_hash = by_email.id_value
    left join contacts as by_phone on by_phone.id_type = 'phone' and orders.phone_hash = by_phone.id_value
),

final as (
    select
        matched.platform || ':' || matched.order_key as order_ref,
        matched.*
    from matched
)

select * from final
