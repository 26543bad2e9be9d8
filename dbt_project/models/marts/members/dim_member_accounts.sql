{#- Every platform account and the member it belongs to (identity resolution: models/intermediate/identity). -#}
select
    account_members.account_key,
    account_members.member_id,
    identity_accounts.platform,
    identity_accounts.source_name,
    identity_accounts.account_id,
    identity_accounts.created_at,
    identity_accounts.is_staff,
    identity_accounts.is_bot,
    account_members.account_key = account_members.anchor_account_key as is_anchor
from {{ ref('int_identity__account_members') }} as account_members
inner join {{ ref('int_identity__accounts') }} as identity_accounts
    on account_members.account_key = identity_accounts.account_key
