{#- Shopify customers as identity accounts: email and phone. Guest checkouts are not accounts: they roll up to a
    member through int_identity__identifier_members (same email). -#}
select
    'shopify:' || customers.customer_key as account_key,
    'shopify' as platform,
    customers.source_name,
    cast(customers.customer_id as {{ dbt.type_string() }}) as account_id,
    customers.created_at,
    false as is_staff,
    false as is_bot,
    customers.email_hash,
    customers.phone_hash,
    cast(null as {{ dbt.type_string() }}) as unionid
from {{ ref('stg_shopify__customers') }} as customers
