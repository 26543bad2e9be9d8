{{ config(materialized='table') }}
{#
    One row per (account, identifier) that may merge accounts into one member: hashed email, hashed phone, WeChat
    unionid; the contacts a customer left on their own orders (int_identity__order_contacts); explicit bindings
    (id_type `account`: a forum, Discord or Reddit account carries `<platform>:<its id>`, and a membership-center
    member carries the same value for each account they bound); and the forced merges of the `member_overrides`
    seed (an identifier shared by exactly the two accounts the analyst named). Left out: identifiers on the
    exclusion list (var identity_exclusions), identifiers held by more accounts than var
    identity_max_accounts_per_identifier (a shared shop phone, a team mailbox), and every identifier of an account
    the analyst split off (action `split`).
#}
with

accounts as (
    select * from {{ ref('int_identity__accounts') }}
),

overrides as (
    select * from {{ ref('member_overrides') }}
),

bindings as (
    select * from {{ ref('stg_files__member_bindings') }}
),

order_contacts as (
    select * from {{ ref('int_identity__order_contacts') }}
),

unpivoted as (
    select
        accounts.account_key,
        'email' as id_type,
        accounts.email_hash as id_value
    from accounts
    where accounts.email_hash is not null
    union all
    select
        accounts.account_key,
        'phone' as id_type,
        accounts.phone_hash as id_value
    from accounts
    where accounts.phone_hash is not null
    union all
    select
        accounts.account_key,
        'unionid' as id_type,
        accounts.unionid as id_value
    from accounts
    where accounts.unionid is not null
    union all
    select
        order_contacts.account_key,
        order_contacts.id_type,
        order_contacts.id_value
    from order_contacts
    union all
    select
        accounts.account_key,
        'account' as id_type,
        accounts.platform || ':' || lower(accounts.account_id) as id_value
    from accounts
    where accounts.platform in {{ sql_values(identity_bindable_platforms()) }}
    union all
    select
        'membership:' || bindings.binding_key as account_key,
        'account' as id_type,
        'discourse:' || bindings.forum_user_id as id_value
    from bindings
    where bindings.forum_user_id is not null
    union all
    select
        'membership:' || bindings.binding_key as account_key,
        'account' as id_type,
        'discord:' || bindings.discord_user_id as id_value
    from bindings
    where bindings.discord_user_id is not null
    union all
    select
        'membership:' || bindings.binding_key as account_key,
        'account' as id_type,
        'reddit:' || bindings.reddit_username as id_value
    from bindings
    where bindings.reddit_username is not null
),

kept as (
    select unpivoted.*
    from unpivoted
    where
        unpivoted.id_value not in (select excluded.id_value from {{ identity_excluded_hashes() }} as excluded)
        and unpivoted.account_key not in (
            select overrides.account_key from overrides
            where overrides.action = 'split'
        )
),

shared_counts as (
    select
        kept.id_type,
        kept.id_value,
        count(distinct kept.account_key) as account_count
    from kept
    group by kept.id_type, kept.id_value
),

forced as (
    select
        overrides.account_key,
        'override' as id_type,
        'override:' || overrides.override_id as id_value
    from overrides
    where overrides.action = 'merge'
    union all
    select
        overrides.other_account_key as account_key,
        'override' as id_type,
        'override:' || overrides.override_id as id_value
    from overrides
    where overrides.action = 'merge'
)

select
    kept.account_key,
    kept.id_type,
    kept.id_value
from kept
inner join shared_counts
    on kept.id_type = shared_counts.id_type and kept.id_value = shared_counts.id_value
where shared_counts.account_count <= {{ var('identity_max_accounts_per_identifier', 20) }}
union all
select
    forced.account_key,
    forced.id_type,
    forced.id_value
from forced
