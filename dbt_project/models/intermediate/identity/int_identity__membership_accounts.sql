{#- Members of the membership center (会员中心, from its member-list file drop) as identity accounts: the member
    number, with the mobile, email and unionid the member registered. The accounts they bound are edges of
    int_identity__account_identifiers (id_type `account`). -#}
select
    'membership:' || bindings.binding_key as account_key,
    'membership' as platform,
    bindings.source_name,
    bindings.member_no as account_id,
    bindings.registered_at as created_at,
    false as is_staff,
    false as is_bot,
    bindings.email_hash,
    bindings.phone_hash,
    bindings.wechat_unionid as unionid
from {{ ref('stg_files__member_bindings') }} as bindings
