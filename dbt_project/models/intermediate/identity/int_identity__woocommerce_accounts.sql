{#- WooCommerce customers as identity accounts: billing email and phone. Guest orders roll up by email. -#}
select
    'woocommerce:' || customers.customer_key as account_key,
    'woocommerce' as platform,
    customers.source_name,
    cast(customers.customer_id as {{ dbt.type_string() }}) as account_id,
    customers.created_at,
    customers.is_staff,
    customers.is_bot,
    customers.email_hash,
    customers.phone_hash,
    cast(null as {{ dbt.type_string() }}) as unionid
from {{ ref('stg_woocommerce__customers') }} as customers
