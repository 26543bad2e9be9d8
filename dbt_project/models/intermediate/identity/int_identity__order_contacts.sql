{#-
    Contacts a customer left on their own orders (Shopify order email/phone, WooCommerce billing email/phone,
    Youzan buyer phone), as identifiers of the customer's account: people give a store a phone number at
    checkout that their customer profile lacks. Guest orders have no account and are not here.
-#}
with

accounts as (
    select account_key from {{ ref('int_identity__accounts') }}
),

order_contacts as (
    select
        'shopify:' || orders.customer_key as account_key,
        orders.email_hash,
        orders.phone_hash
    from {{ ref('stg_shopify__orders') }} as orders
    where orders.customer_id is not null
    union all
    select
        'woocommerce:' || orders.customer_key as account_key,
        orders.email_hash,
        orders.phone_hash
    from {{ ref('stg_woocommerce__orders') }} as orders
    where orders.customer_key is not null
    union all
    select
        'youzan:' || trades.customer_key as account_key,
        cast(null as {{ dbt.type_string() }}) as email_hash,
        trades.phone_hash
    from {{ ref('stg_youzan__trades') }} as trades
    where trades.customer_key is not null
),

unpivoted as (
    select
        order_contacts.account_key,
        'email' as id_type,
        order_contacts.email_hash as id_value
    from order_contacts
    where order_contacts.email_hash is not null
    union all
    select
        order_contacts.account_key,
        'phone' as id_type,
        order_contacts.phone_hash as id_value
    from order_contacts
    where order_contacts.phone_hash is not null
),

final as (
    select distinct
        unpivoted.account_key,
        unpivoted.id_type,
        unpivoted.id_value
    from unpivoted
    inner join accounts on unpivoted.account_key = accounts.account_key
)

select * from final
