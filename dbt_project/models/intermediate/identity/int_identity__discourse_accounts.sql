{#- Discourse users as identity accounts: email (admin API with show_emails) is their only cross-platform key. -#}
select
    'discourse:' || discourse_users.user_key as account_key,
    'discourse' as platform,
    discourse_users.source_name,
    cast(discourse_users.user_id as {{ dbt.type_string() }}) as account_id,
    discourse_users.created_at,
    discourse_users.is_staff,
    discourse_users.is_bot,
    discourse_users.email_hash,
    cast(null as {{ dbt.type_string() }}) as phone_hash,
    cast(null as {{ dbt.type_string() }}) as unionid
from {{ ref('stg_discourse__users') }} as discourse_users
