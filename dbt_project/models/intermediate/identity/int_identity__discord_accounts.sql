{#- Discord guild members as identity accounts. Discord shares no contact data with bots: each member is a member
    of their own unless an analyst merges them (member_overrides). -#}
select
    'discord:' || members.member_key as account_key,
    'discord' as platform,
    members.source_name,
    cast(members.user_id as {{ dbt.type_string() }}) as account_id,
    members.account_created_at as created_at,
    members.is_staff,
    members.is_bot,
    cast(null as {{ dbt.type_string() }}) as email_hash,
    cast(null as {{ dbt.type_string() }}) as phone_hash,
    cast(null as {{ dbt.type_string() }}) as unionid
from {{ ref('stg_discord__members') }} as members
