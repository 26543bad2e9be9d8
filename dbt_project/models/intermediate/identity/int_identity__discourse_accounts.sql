{#- Discourse users as identity accounts: email (admin API with show_emails) is their only cross-platform key. -#}
select
    'discourse:' || users.user_key as account_key,
    'discourse' as platform,
    users.source_name,
    cast(users.user_id as {{ dbt.type_string() }}) as account_id,
    users.created_at,
    users.is_staff,
    users.is_bot,
    users.email_hash,
    cast(null as {{ dbt.type_string() }}) as phone_hash,
    cast(null as {{ dbt.type_string() }}) as unionid
from {{ ref('stg_discourse__users') }} as users
