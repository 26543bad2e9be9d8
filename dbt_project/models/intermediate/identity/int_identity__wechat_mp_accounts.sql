{#- 公众号 followers as identity accounts: unionid (when the account is bound to the brand's open platform). -#}
select
    'wechat_mp:' || followers.follower_key as account_key,
    'wechat_mp' as platform,
    followers.source_name,
    followers.openid as account_id,
    followers.subscribed_at as created_at,
    false as is_staff,
    false as is_bot,
    cast(null as {{ dbt.type_string() }}) as email_hash,
    cast(null as {{ dbt.type_string() }}) as phone_hash,
    followers.unionid
from {{ ref('stg_wechat_mp__followers') }} as followers
