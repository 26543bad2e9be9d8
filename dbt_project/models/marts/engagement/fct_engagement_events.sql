{{ config(
    materialized='incremental',
    unique_key='event_key',
    incremental_strategy='delete+insert',
    on_schema_change='fail',
) }}
{#
    One row per community activity across every platform (int_engagement__events), with its member, community,
    business-time day and week, and weight (var activity_weights, from pulse.yml). Bots' and staff's activity is
    kept and flagged (community metrics filter on is_community_activity).

    Incremental: a run re-reads the events extracted from `engagement_lookback_days` before the latest extraction
    it holds (so a new source's history, late posts, edits and old accounts' joins all arrive, whatever their
    occurred_at), plus every event whose member or replied-to member is no longer what
    identity resolution says (two members merged, an override split one), and replaces those rows by event_key. Events that vanish from the sources (a post deleted later) stay until a full refresh. Re-running over the same data
    changes nothing; `dbt build --full-refresh` rebuilds it all.
#}
with

events as (
    select * from {{ ref('int_engagement__events') }}
),

account_members as (
    select * from {{ ref('int_identity__account_members') }}
),

contacts as (
    select * from {{ ref('int_identity__contact_members') }}
),

channels as (
    select
        channel_key,
        min(community) as community
    from {{ ref('int_channels_mapped') }}
    group by channel_key
),

{% if is_incremental() %}
stale_events as (
    {#- events whose member, or whose replied-to member, is no longer what identity resolution says -#}
    select existing.event_key
    from {{ this }} as existing
    left join account_members on existing.account_key = account_members.account_key
    left join account_members as reply_members on existing.replied_to_account_key = reply_members.account_key
    where
        (existing.account_key is not null and existing.member_id is distinct from account_members.member_id)
        or (
            existing.replied_to_account_key is not null
            and existing.replied_to_member_id is distinct from reply_members.member_id
        )
        or (
            existing.account_key is null
            and existing.member_id is not null
            and existing.member_id not in (select account_members.member_id from account_members)
        )
),
{% endif %}

selected as (
    select events.*
    from events
    {% if is_incremental() %}
    where
        events.extracted_at >= (
            select {{ dbt.dateadd('day', -1 * var('engagement_lookback_days', 3), 'max(existing.extracted_at)') }}
            from {{ this }} as existing
        )
        or events.event_key in (select stale_events.event_key from stale_events)
    {% endif %}
),

final as (
    select
        selected.event_key,
        coalesce(
            account_members.member_id, by_unionid.member_id, by_email.member_id, by_phone.member_id
        ) as member_id,
        selected.account_key,
        selected.platform,
        selected.source_name,
        coalesce(channels.community, source_channels.community) as community,
        selected.activity_type,
        {{ activity_weight('selected.activity_type') }} as weight,
        selected.occurred_at,
        selected.extracted_at,
        {{ business_date('selected.occurred_at') }} as event_date,
        {{ week_start('selected.occurred_at') }} as week_start,
        selected.object_key,
        selected.replied_to_account_key,
        reply_members.member_id as replied_to_member_id,
        selected.is_staff,
        selected.is_bot,
        not selected.is_staff and not selected.is_bot as is_community_activity
    from selected
    left join account_members on selected.account_key = account_members.account_key
    left join account_members as reply_members on selected.replied_to_account_key = reply_members.account_key
    left join contacts as by_unionid
        on by_unionid.id_type = 'unionid' and selected.contact_unionid = by_unionid.id_value
    left join contacts as by_email
        on by_email.id_type = 'email' and selected.contact_email_hash = by_email.id_value
    left join contacts as by_phone
        on by_phone.id_type = 'phone' and selected.contact_phone_hash = by_phone.id_value
    left join channels on selected.channel_key = channels.channel_key
    left join channels as source_channels on selected.source_name || ':*' = source_channels.channel_key
    where selected.occurred_at is not null
)

select * from final
