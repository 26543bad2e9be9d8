{{ config(materialized='table') }}
{#-
    The member each usable identifier belongs to, for records that are not accounts (guest checkouts, POS orders,
    event check-ins): an identifier of int_identity__account_identifiers (so exclusions, the shared-identifier
    cap and splits already apply) held by accounts of exactly one member, and each membership-center member
    number (id_type `member_no`: the card a POS scans, the key of a CRM audience export). Overrides are not
    contacts: left out.
-#}
with

identifiers as (
    select * from {{ ref('int_identity__account_identifiers') }}
),

members as (
    select * from {{ ref('int_identity__account_members') }}
),

accounts as (
    select * from {{ ref('int_identity__accounts') }}
),

final as (
    select
        identifiers.id_type,
        identifiers.id_value,
        min(members.member_id) as member_id
    from identifiers
    inner join members on identifiers.account_key = members.account_key
    where identifiers.id_type in ('email', 'phone', 'unionid')
    group by identifiers.id_type, identifiers.id_value
    having count(distinct members.member_id) = 1
    union all
    select
        'member_no' as id_type,
        accounts.account_id as id_value,
        min(members.member_id) as member_id
    from accounts
    inner join members on accounts.account_key = members.account_key
    where accounts.platform = 'membership'
    group by accounts.account_id
    having count(distinct members.member_id) = 1
)

select * from final
