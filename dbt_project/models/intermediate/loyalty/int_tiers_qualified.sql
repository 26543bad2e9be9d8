{#
    The tier each member qualifies for on each day their qualification can change (member_tier_history turns it
    into tier periods). Tiers come from the loyalty_tiers var (pulse.yml rules.tiers, lowest first); the window
    and the review dates from tier_policy (rules.tier_policy).

    Over the window of window_days business days ending on a day (day - window_days, day]:
      window_spend       net_amount of the member's counted orders (int_orders_unified) in tier_policy.currency:
                         other currencies at tier_policy.exchange_rates; a currency without a rate counts 0
                         (tier_spend)
      window_points      points the member earned (fct_points_ledger entry_type earn: rules and native platforms;
                         redemptions, expiries and opening balances do not count)
      window_engagement  the weights (activity_weights) of the member's community activity (fct_engagement_events,
                         no staff or bots)
    The qualified tier is the highest tier ANY of whose thresholds (min_spend, min_points, min_engagement) the
    window meets; the first tier is everyone's base tier.

    Days: a member's history starts on their first day with an order, an activity or a points movement (members
    with none of these have no tier). Between changes nothing moves, so only these days are kept, up to the as-of
    date (the latest such day of anyone in the data): days with an order, an activity or a ledger row, the days
    each leaves the window (day + window_days), and the review dates after the member's first day (the start of
    each month, quarter or year: review_every).
#}
{%- set window_days = tier_window_days() %}
with

orders as (
    select * from {{ ref('int_orders_unified') }}
),

events as (
    select * from {{ ref('fct_engagement_events') }}
),

ledger as (
    select * from {{ ref('fct_points_ledger') }}
),

daily_amounts as (
    select
        orders.member_id,
        orders.order_date as qualified_on,
        cast({{ tier_spend('orders.net_amount', 'orders.currency') }} as numeric(14, 2)) as spend,
        cast(0 as numeric(14, 2)) as points,
        cast(0 as numeric(14, 2)) as engagement
    from orders
    where orders.is_counted and orders.member_id is not null
    union all
    select
        ledger.member_id,
        ledger.entry_date as qualified_on,
        cast(0 as numeric(14, 2)) as spend,
        cast(case when ledger.entry_type = 'earn' then ledger.points else 0 end as numeric(14, 2)) as points,
        cast(0 as numeric(14, 2)) as engagement
    from ledger
    union all
    select
        events.member_id,
        events.event_date as qualified_on,
        cast(0 as numeric(14, 2)) as spend,
        cast(0 as numeric(14, 2)) as points,
        cast(events.weight as numeric(14, 2)) as engagement
    from events
    where events.is_community_activity and events.member_id is not null
),

as_of as (
    select max(daily_amounts.qualified_on) as as_of_date
    from daily_amounts
),

members as (
    select
        daily_amounts.member_id,
        min(daily_amounts.qualified_on) as first_day
    from daily_amounts
    group by daily_amounts.member_id
),

review_bounds as (
    select
        {{ tier_review_start('min(members.first_day)') }} as first_review_date,
        max(as_of.as_of_date) as as_of_date
    from members
    cross join as_of
),

review_dates as (
    select cast(review_spine.review_ts as date) as review_date
    from review_bounds
    cross join
        generate_series(
            cast(review_bounds.first_review_date as timestamp),
            cast(review_bounds.as_of_date as timestamp),
            {{ tier_review_interval() }}
        ) as review_spine (review_ts)
    where review_bounds.first_review_date is not null
),

leaving_days as (
    select
        daily_amounts.member_id,
        cast({{ dbt.dateadd('day', window_days, 'daily_amounts.qualified_on') }} as date) as qualified_on,
        cast(0 as numeric(14, 2)) as spend,
        cast(0 as numeric(14, 2)) as points,
        cast(0 as numeric(14, 2)) as engagement
    from daily_amounts
),

member_reviews as (
    select
        members.member_id,
        review_dates.review_date as qualified_on,
        cast(0 as numeric(14, 2)) as spend,
        cast(0 as numeric(14, 2)) as points,
        cast(0 as numeric(14, 2)) as engagement
    from members
    inner join review_dates on members.first_day < review_dates.review_date
),

change_days as (
    select * from daily_amounts
    union all
    select * from leaving_days
    union all
    select * from member_reviews
),

days as (
    select
        change_days.member_id,
        change_days.qualified_on,
        {{ day_number('change_days.qualified_on') }} as day_number,
        sum(change_days.spend) as spend,
        sum(change_days.points) as points,
        sum(change_days.engagement) as engagement
    from change_days
    cross join as_of
    where change_days.qualified_on <= as_of.as_of_date
    group by change_days.member_id, change_days.qualified_on
),

windowed as (
    select
        days.member_id,
        days.qualified_on,
        sum(days.spend) over (
            partition by days.member_id
            order by days.day_number
            range between {{ window_days - 1 }} preceding and current row
        ) as window_spend,
        sum(days.points) over (
            partition by days.member_id
            order by days.day_number
            range between {{ window_days - 1 }} preceding and current row
        ) as window_points,
        sum(days.engagement) over (
            partition by days.member_id
            order by days.day_number
            range between {{ window_days - 1 }} preceding and current row
        ) as window_engagement
    from days
),

ranked as (
    select
        windowed.member_id,
        windowed.qualified_on,
        cast(windowed.window_spend as numeric(14, 2)) as window_spend,
        cast(windowed.window_points as numeric(14, 2)) as window_points,
        cast(windowed.window_engagement as numeric(14, 2)) as window_engagement,
        {{ tier_qualified_rank('windowed.window_spend', 'windowed.window_points', 'windowed.window_engagement') }}
            as qualified_rank
    from windowed
),

final as (
    select
        ranked.member_id,
        ranked.qualified_on,
        ranked.window_spend,
        ranked.window_points,
        ranked.window_engagement,
        ranked.qualified_rank,
        {{ tier_name('ranked.qualified_rank') }} as qualified_tier,
        as_of.as_of_date
    from ranked
    cross join as_of
)

select * from final
