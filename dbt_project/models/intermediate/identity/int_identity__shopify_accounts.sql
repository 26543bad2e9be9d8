{#- Shopify customers as identity accounts: email, phone, and the WeChat unionid of a customer who linked WeChat
    (the store's WeChat login app tags the customer `wechat:<unionid>`). Guest checkouts are not accounts. -#}
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
    {{ regex_capture('customers.tags', 'wechat:([A-Za-z0-9_-]+)') }} as unionid
from {{ ref('stg_shopify__customers') }} as customers
