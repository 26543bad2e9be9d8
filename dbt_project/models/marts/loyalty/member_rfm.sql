{#
    Recency, frequency and monetary value of each member with at least one counted order (int_orders_unified:
    paid, not cancelled, not a test; with a member), as of the latest counted order date in the data.

      recency_days  as_of_date - the member's last order date (business days)
      frequency     the member's counted orders, in any currency
      monetary      net_amount of the member's orders in their main currency (`currency`: the one they placed
                    most orders in, then spent most in, then alphabetical); orders in other currencies are not
                    converted and not added (they count in recency and frequency)
    Scores 1-5 (5 best), quintiles in which equal values share a score: 1 + floor(5 * (rank - 1) / n), rank()
    ascending by -recency_days, frequency, monetary (monetary ranked among the members of the same currency).
    Where many members tie (one order each), they all take the lowest score of the tie.
    Segments from r_score and f_score, the first rule that matches:
      champions    r >= 4 and f >= 4      bought recently and often
      loyal        r = 3 and f >= 4       buy often, a little less recently
      at_risk      r <= 2 and f >= 3      used to buy often, not lately
      new          r >= 4 and f = 1       first order recently
      potential    r >= 3 and f <= 3      the other recent buyers
      hibernating  r = 2 and f <= 2       few orders, a while ago
      lost         r = 1 and f <= 2       few orders, long ago
#}
with

orders as (
    select * from {{ ref('int_orders_unified') }}
),

member_orders as (
    select orders.*
    from orders
    where orders.is_counted and orders.member_id is not null
),

as_of as (
    select max(member_orders.order_date) as as_of_date
    from member_orders
),

currencies as (
    select
        member_orders.member_id,
        member_orders.currency,
        count(*) as orders_count,
        sum(member_orders.net_amount) as net_amount,
        row_number() over (
            partition by member_orders.member_id
            order by count(*) desc, sum(member_orders.net_amount) desc, member_orders.currency
        ) as currency_rank
    from member_orders
    group by member_orders.member_id, member_orders.currency
),

members as (
    select
        member_orders.member_id,
        min(member_orders.order_date) as first_order_date,
        max(member_orders.order_date) as last_order_date,
        count(*) as frequency
    from member_orders
    group by member_orders.member_id
),

measured as (
    select
        members.member_id,
        members.first_order_date,
        members.last_order_date,
        {{ dbt.datediff('members.last_order_date', 'as_of.as_of_date', 'day') }} as recency_days,  -- noqa: LT05
        members.frequency,
        currencies.currency,
        cast(currencies.net_amount as numeric(14, 2)) as monetary,
        as_of.as_of_date
    from members
    cross join as_of
    inner join currencies on members.member_id = currencies.member_id and currencies.currency_rank = 1
),

scored as (
    select
        measured.*,
        {{ rfm_score('-measured.recency_days') }} as r_score,
        {{ rfm_score('measured.frequency') }} as f_score,
        {{ rfm_score('measured.monetary', 'measured.currency') }} as m_score
    from measured
),

final as (
    select
        scored.member_id,
        scored.recency_days,
        scored.frequency,
        scored.monetary,
        scored.currency,
        scored.r_score,
        scored.f_score,
        scored.m_score,
        cast(scored.r_score as {{ dbt.type_string() }})
        || cast(scored.f_score as {{ dbt.type_string() }})
        || cast(scored.m_score as {{ dbt.type_string() }}) as rfm_score,
        {{ rfm_segment('scored.r_score', 'scored.f_score') }} as segment,
        scored.first_order_date,
        scored.last_order_date,
        scored.as_of_date
    from scored
)

select * from final
