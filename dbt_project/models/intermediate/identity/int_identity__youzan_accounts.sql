{#- 有赞 customers as identity accounts: mobile and the WeChat unionid of a shop bound to WeChat. -#}
select
    'youzan:' || customers.customer_key as account_key,
    'youzan' as platform,
    customers.source_name,
    customers.yz_open_id as account_id,
    customers.created_at,
    customers.is_staff,
    customers.is_bot,
    cast(null as {{ dbt.type_string() }}) as email_hash,
    customers.phone_hash,
    customers.wechat_unionid as unionid
from {{ ref('stg_youzan__customers') }} as customers
