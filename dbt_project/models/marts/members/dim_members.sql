{#
    One row per member (a person across platforms): identity and presence (dim_member_accounts), lifecycle stage
    (int_members__lifecycle), engagement level and KOL/KOC flags (int_members__engagement).
    Contact keys are hashes only: the anchor account's, else the smallest of the member's accounts.
#}
with

accounts as (
    select
        member_accounts.member_id,
        member_accounts.platform,
        member_accounts.created_at,
        member_accounts.is_staff,
        member_accounts.is_bot,
        member_accounts.is_anchor,
        identity_accounts.email_hash,
        identity_accounts.phone_hash,
        identity_accounts.unionid
    from {{ ref('dim_member_accounts') }} as member_accounts
    inner join {{ ref('int_identity__accounts') }} as identity_accounts
        on member_accounts.account_key = identity_accounts.account_key
),

anchors as (
    select
        accounts.member_id,
        accounts.platform as home_platform,
        accounts.email_hash as anchor_email_hash,
        accounts.phone_hash as anchor_phone_hash
    from accounts
    where accounts.is_anchor
),

aggregated as (
    select
        accounts.member_id,
        min(accounts.created_at) as first_seen_at,
        count(*) as accounts_count,
        count(distinct accounts.platform) as platforms_count,
        {{ dbt.listagg('distinct accounts.platform', "','", 'order by accounts.platform') }} as platforms,
        {{ dbt.bool_or('accounts.is_staff') }} as is_staff,
        {{ dbt.bool_or('not accounts.is_bot') }} as has_human_account,
        min(accounts.email_hash) as any_email_hash,
        min(accounts.phone_hash) as any_phone_hash,
        min(accounts.unionid) as wechat_unionid
    from accounts
    group by accounts.member_id
),

lifecycle as (
    select * from {{ ref('int_members__lifecycle') }}
),

engagement as (
    select * from {{ ref('int_members__engagement') }}
),

joins as (
    select
        events.member_id,
        min(events.occurred_at) as joined_at
    from {{ ref('fct_engagement_events') }} as events
    where events.activity_type in ('join', 'follow') and events.member_id is not null
    group by events.member_id
)

select
    aggregated.member_id,
    aggregated.first_seen_at,
    coalesce(joins.joined_at, aggregated.first_seen_at) as joined_at,
    anchors.home_platform,
    aggregated.platforms,
    aggregated.platforms_count,
    aggregated.accounts_count,
    aggregated.is_staff,
    not aggregated.has_human_account as is_bot,
    coalesce(anchors.anchor_email_hash, aggregated.any_email_hash) as email_hash,
    coalesce(anchors.anchor_phone_hash, aggregated.any_phone_hash) as phone_hash,
    aggregated.wechat_unionid,
    lifecycle.first_active_date,
    lifecycle.last_active_date,
    lifecycle.lifecycle_stage,
    lifecycle.as_of_date,
    engagement.engagement_level,
    engagement.window_score as engagement_score,
    engagement.window_active_weeks as engagement_active_weeks,
    engagement.window_repliers as repliers_count,
    engagement.orders_count,
    engagement.is_kol,
    engagement.is_koc
from aggregated
inner join anchors on aggregated.member_id = anchors.member_id
left join lifecycle on aggregated.member_id = lifecycle.member_id
left join engagement on aggregated.member_id = engagement.member_id
left join joins on aggregated.member_id = joins.member_id
