{{ config(materialized='table') }}
{#
    Every points movement but rule expiries (int_points_lots_expired adds those), one row per movement, each citing
    the rule and the record that caused it. Two points programs (points_program):

    `rules` - points earned by pulse's rules (var points_rules, pulse.yml rules.points), for what happens away from
    the native platforms:
      per_currency_unit            a counted order (int_orders_unified.is_counted) of a member on a platform that is
                                   not native: floor(net_amount * per_currency_unit) points, in the order's currency
                                   (no conversion: a USD order earns per dollar, a CNY order per yuan); net_amount
                                   is net of refunds so far, so a refund lowers the order's points in place
      per_activity:<type>          a community activity (fct_engagement_events, no staff or bots) of a member, of a
                                   type listed in per_activity, not on a native platform
      check_in_streak              check_in_streak_bonus each time a member completes check_in_streak_days
                                   consecutive business days with a check-in on the platforms that are not native
                                   (day 7, 14, 21, ... of a streak by default); cited by that day's first check-in
    Rows worth 0 points (an order under one currency unit, a type worth 0) are left out. The rules points_program records
    no redemptions (no data source holds them).

    A native platform (points_rules.native_platforms, default youzan) keeps its own ledger: its log is used as it
    is and its orders and activities earn no rule points (no double counting). 有赞 (stg_youzan__points, mapped to
    members through the customer's `youzan:` account; customers who map to no member are left out):
      youzan:<event_type>          each change: amount > 0 earns, amount < 0 redeems (an event type naming an
                                   expiry, ...EXPIR..., expires)
      youzan:opening_balance       an adjustment with the balance the customer held before the first logged change
                                   (its balance_after - amount), dated with that change, so that the ledger
                                   reproduces Youzan's balance_after
    Native points expire by the platform's own policy (its log), not by expire_after_days.

    ledger_key: `<rule>|<source_ref>`. as_of_date: the data's "today" - the latest business day holding a counted
    order of a member, a community activity of a member or a native points change of a member.
#}
{%- set rules = var('points_rules') %}
{%- set streak_length = rules.get('check_in_streak_days', 7) | int %}
{%- if streak_length < 1 %}
    {{ exceptions.raise_compiler_error("points_rules.check_in_streak_days " ~ streak_length ~ ": expected at least 1") }}
{%- endif %}
{%- set youzan_is_native = 'youzan' in points_native_platforms() %}
with

orders as (
    select * from {{ ref('int_orders_unified') }}
),

events as (
    select * from {{ ref('fct_engagement_events') }}
),

youzan_points as (
    select * from {{ ref('stg_youzan__points') }}
),

account_members as (
    select * from {{ ref('int_identity__account_members') }}
),

member_orders as (
    select orders.*
    from orders
    where orders.is_counted and orders.member_id is not null
),

member_events as (
    select events.*
    from events
    where events.is_community_activity and events.member_id is not null
),

order_earns as (
    select
        member_orders.member_id,
        member_orders.ordered_at as occurred_at,
        member_orders.order_date as entry_date,
        'earn' as entry_type,
        cast(
            floor(member_orders.net_amount * {{ rules.get('per_currency_unit', 1) | float }}) as numeric(14, 2)
        ) as points,
        'per_currency_unit' as rule,  -- noqa: RF04
        member_orders.order_ref as source_ref,
        member_orders.platform,
        'rules' as points_program
    from member_orders
    where {{ points_not_native('member_orders.platform') }}
),

activity_earns as (
    select
        member_events.member_id,
        member_events.occurred_at,
        member_events.event_date as entry_date,
        'earn' as entry_type,
        {{ points_per_activity('member_events.activity_type') }} as points,
        'per_activity:' || member_events.activity_type as rule,  -- noqa: RF04
        member_events.event_key as source_ref,
        member_events.platform,
        'rules' as points_program
    from member_events
    where {{ points_not_native('member_events.platform') }}
),

check_ins as (
    select
        member_events.member_id,
        member_events.event_date,
        member_events.occurred_at,
        member_events.event_key,
        member_events.platform,
        row_number() over (
            partition by member_events.member_id, member_events.event_date
            order by member_events.occurred_at, member_events.event_key
        ) as check_in_of_day
    from member_events
    where member_events.activity_type = 'check_in' and {{ points_not_native('member_events.platform') }}
),

check_in_days as (
    {#- consecutive days share day_number - (their position among the member's days) -#}
    select
        check_ins.*,
        {{ day_number('check_ins.event_date') }}
        - row_number() over (partition by check_ins.member_id order by check_ins.event_date) as streak_id
    from check_ins
    where check_ins.check_in_of_day = 1
),

streak_days as (
    select
        check_in_days.*,
        row_number() over (
            partition by check_in_days.member_id, check_in_days.streak_id order by check_in_days.event_date
        ) as day_of_streak
    from check_in_days
),

streak_bonuses as (
    select
        streak_days.member_id,
        streak_days.occurred_at,
        streak_days.event_date as entry_date,
        'earn' as entry_type,
        cast({{ rules.get('check_in_streak_bonus', 0) | float }} as numeric(14, 2)) as points,
        'check_in_streak' as rule,  -- noqa: RF04
        streak_days.event_key as source_ref,
        streak_days.platform,
        'rules' as points_program
    from streak_days
    where mod(streak_days.day_of_streak, {{ streak_length }}) = 0
),

youzan_changes as (
    select
        youzan_points.*,
        account_members.member_id,
        row_number() over (
            partition by youzan_points.customer_key
            order by youzan_points.created_at, youzan_points.points_change_id
        ) as change_number
    from youzan_points
    inner join account_members on 'youzan:' || youzan_points.customer_key = account_members.account_key
    where {{ 'true' if youzan_is_native else 'false' }} and youzan_points.created_at is not null
),

youzan_movements as (
    select
        youzan_changes.member_id,
        youzan_changes.created_at as occurred_at,
        {{ business_date('youzan_changes.created_at') }} as entry_date,
        case
            when youzan_changes.amount > 0 then 'earn'
            when upper(youzan_changes.event_type) like '%EXPIR%' then 'expire'
            else 'redeem'
        end as entry_type,
        cast(youzan_changes.amount as numeric(14, 2)) as points,
        'youzan:' || coalesce(youzan_changes.event_type, 'unknown') as rule,  -- noqa: RF04
        youzan_changes.points_change_key as source_ref,
        'youzan' as platform,
        'youzan' as points_program
    from youzan_changes
    where youzan_changes.amount != 0
),

youzan_openings as (
    select
        youzan_changes.member_id,
        youzan_changes.created_at as occurred_at,
        {{ business_date('youzan_changes.created_at') }} as entry_date,
        'adjust' as entry_type,
        cast(youzan_changes.balance_after - youzan_changes.amount as numeric(14, 2)) as points,
        'youzan:opening_balance' as rule,  -- noqa: RF04
        youzan_changes.points_change_key as source_ref,
        'youzan' as platform,
        'youzan' as points_program
    from youzan_changes
    where youzan_changes.change_number = 1 and youzan_changes.balance_after - youzan_changes.amount != 0
),

movements as (
    select * from order_earns
    union all
    select * from activity_earns
    union all
    select * from streak_bonuses
    union all
    select * from youzan_movements
    union all
    select * from youzan_openings
),

data_days as (
    select max(member_orders.order_date) as data_day from member_orders
    union all
    select max(member_events.event_date) as data_day from member_events
    union all
    select max(youzan_movements.entry_date) as data_day from youzan_movements
),

as_of as (
    select max(data_days.data_day) as as_of_date
    from data_days
),

final as (
    select
        movements.rule || '|' || movements.source_ref as ledger_key,
        movements.member_id,
        movements.occurred_at,
        movements.entry_date,
        movements.entry_type,
        movements.points,
        movements.rule,
        movements.source_ref,
        movements.platform,
        movements.points_program,
        as_of.as_of_date
    from movements
    cross join as_of
    where movements.points != 0
)

select * from final
