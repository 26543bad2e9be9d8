{{ config(materialized='table') }}
{#-
    community_health_weekly's points (earned, redeemed, expired) at its grain (week_start, community, platform):
    each ledger row counts in the community of the record behind it (an order's store, a Youzan points change's
    shop, an event's community; an expiry: its lot's), in its platform and 'all', and once in community 'all'.

    Its own query: inside community_health_weekly this join of the ledger (14 M rows at L) to every order, points
    change and event (46 M) ran out of a 4 GB memory_limit beside the mart's other aggregates (docs/benchmarks.md).
    Community 'all' reads the ledger alone - no join, nothing to deduplicate - and only the rows of a community are
    joined; a source mapped to several communities counts in each of them.
-#}

with

ledger as (
    select * from {{ ref('fct_points_ledger') }}
    where entry_type in ('earn', 'redeem', 'expire')
),

expiries as (
    select * from {{ ref('fct_points_ledger') }}
    where rule = 'expiry'
),

-- only the lots an expiry names: the whole ledger as the build side of this join held 2.8 GB at L
lots as (
    select * from {{ ref('fct_points_ledger') }}
    where ledger_key in (select expiries.source_ref from expiries)
),

channels as (
    select * from {{ ref('int_channels_mapped') }}
),

orders as (
    select * from {{ ref('int_orders_unified') }}
),

youzan_points as (
    select * from {{ ref('stg_youzan__points') }}
),

events as (
    select * from {{ ref('fct_engagement_events') }}
    where community is not null
),

source_communities as (
    {{ health_source_communities('channels') }}
),

-- the record behind each ledger row: an expiry's is its lot's
ledger_refs as (
    select
        ledger.ledger_key,
        ledger.platform,
        {{ week_start_of_date('ledger.entry_date') }} as week_start,
        ledger.entry_type,
        ledger.points,
        coalesce(lots.source_ref, ledger.source_ref) as record_ref
    from ledger
    left join lots
        on ledger.rule = 'expiry' and ledger.source_ref = lots.ledger_key
),

-- each ledger row once per community of its record (several records of one community: once), joined per kind of
-- record: one join of the ledger to every order, points change and event ran out of a 4 GB limit at L
record_entries as (
    select
        ledger_refs.ledger_key,
        ledger_refs.platform,
        source_communities.community,
        ledger_refs.week_start,
        ledger_refs.entry_type,
        ledger_refs.points
    from ledger_refs
    inner join orders on ledger_refs.record_ref = orders.order_ref
    inner join source_communities on orders.source_name = source_communities.source_name

    union all

    select
        ledger_refs.ledger_key,
        ledger_refs.platform,
        source_communities.community,
        ledger_refs.week_start,
        ledger_refs.entry_type,
        ledger_refs.points
    from ledger_refs
    inner join youzan_points on ledger_refs.record_ref = youzan_points.points_change_key
    inner join source_communities on youzan_points.source_name = source_communities.source_name

    union all

    select
        ledger_refs.ledger_key,
        ledger_refs.platform,
        events.community,
        ledger_refs.week_start,
        ledger_refs.entry_type,
        ledger_refs.points
    from ledger_refs
    inner join events on ledger_refs.record_ref = events.event_key
),

community_entries as (
    select distinct
        record_entries.ledger_key,
        record_entries.platform,
        record_entries.community,
        record_entries.week_start,
        record_entries.entry_type,
        record_entries.points
    from record_entries
),

entries as (
    select
        ledger_refs.week_start,
        'all' as community,
        ledger_refs.platform,
        ledger_refs.entry_type,
        ledger_refs.points
    from ledger_refs

    union all

    select
        community_entries.week_start,
        community_entries.community,
        community_entries.platform,
        community_entries.entry_type,
        community_entries.points
    from community_entries
),

rollups as (
    select
        entries.week_start,
        entries.community,
        entries.platform,
        entries.entry_type,
        entries.points
    from entries

    union all

    select
        entries.week_start,
        entries.community,
        'all' as platform,
        entries.entry_type,
        entries.points
    from entries
)

select
    rollups.week_start,
    rollups.community,
    rollups.platform,
    sum(case when rollups.entry_type = 'earn' then rollups.points else 0 end) as points_issued,
    -sum(case when rollups.entry_type = 'redeem' then rollups.points else 0 end) as points_redeemed,
    -sum(case when rollups.entry_type = 'expire' then rollups.points else 0 end) as points_expired
from rollups
group by rollups.week_start, rollups.community, rollups.platform
