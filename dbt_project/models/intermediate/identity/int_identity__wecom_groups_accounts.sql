{#- 企业微信 external contacts as identity accounts: unionid, and the mobile a staff member noted in the contact's
    remark (the first one; a contact followed by several staff may carry several). -#}
with

remark_phones as (
    select
        followers.contact_key,
        min(followers.phone_hash) as phone_hash
    from {{ ref('stg_wecom_groups__contact_followers') }} as followers
    group by followers.contact_key
)

select
    'wecom_groups:' || contacts.contact_key as account_key,
    'wecom_groups' as platform,
    contacts.source_name,
    contacts.external_userid as account_id,
    contacts.first_added_at as created_at,
    contacts.is_staff,
    contacts.is_bot,
    cast(null as {{ dbt.type_string() }}) as email_hash,
    remark_phones.phone_hash,
    contacts.unionid
from {{ ref('stg_wecom_groups__external_contacts') }} as contacts
left join remark_phones on contacts.contact_key = remark_phones.contact_key
