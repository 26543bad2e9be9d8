{#
    Expiry of rule points (points_program `rules` of int_points_movements_unioned; native platforms expire their points
    themselves). One row per earn lot - each positive movement - with what of it expires expire_after_days
    (points_rules, pulse.yml rules.points.expire_after) after it was earned.

    Spending consumes the oldest lots first (FIFO), and lots expire in the order they were earned, so a member's
    lots form a queue that redemptions and expiries both take from the front. With a member's lots ordered by time
    (then ledger_key), C_i the points earned through lot i and R(t) the points spent (negative movements) up to and
    including t, every lot up to i is gone once lot i expires, which leaves
        E_i = max(0, max over j <= i of (C_j - R(expires_at_j)))
    as the points expired through lot i (the running max keeps it from falling), and lot i expires E_i - E_(i-1).
    Example: earn 100 on day 0 and 50 on day 10, spend 120 on day 20, expiry after 30 days: the first lot expires
    0 on day 30 (the spending took it), the second 30 on day 40.

    is_expired: the expiry falls on or before as_of_date (the ledger books it); for a later expiry, expired_points
    is what will expire if nothing more is spent (member_points_balance.points_expiring_30d).
#}
with

movements as (
    select * from {{ ref('int_points_movements_unioned') }}
    where points_program = 'rules'
),

as_of as (
    select max(movements.as_of_date) as as_of_date
    from movements
),

lots as (
    select
        movements.ledger_key,
        movements.member_id,
        movements.platform,
        movements.rule,
        movements.occurred_at,
        movements.points,
        {{ points_expires_at('movements.occurred_at') }} as expires_at,
        sum(movements.points) over (
            partition by movements.member_id
            order by movements.occurred_at, movements.ledger_key
            rows between unbounded preceding and current row
        ) as cumulative_earned
    from movements
    where movements.points > 0
),

spent_by_expiry as (
    select
        lots.ledger_key,
        coalesce(-sum(spending.points), 0) as spent_points
    from lots
    left join movements as spending
        on
            lots.member_id = spending.member_id
            and spending.points < 0
            and lots.expires_at >= spending.occurred_at
    group by lots.ledger_key
),

cumulative as (
    select
        lots.*,
        spent_by_expiry.spent_points,
        greatest(
            max(lots.cumulative_earned - spent_by_expiry.spent_points) over (
                partition by lots.member_id
                order by lots.occurred_at, lots.ledger_key
                rows between unbounded preceding and current row
            ),
            0
        ) as cumulative_expired
    from lots
    inner join spent_by_expiry on lots.ledger_key = spent_by_expiry.ledger_key
),

final as (
    select
        cumulative.ledger_key,
        cumulative.member_id,
        cumulative.platform,
        cumulative.rule,
        cumulative.occurred_at,
        cumulative.points,
        cumulative.expires_at,
        {{ business_date('cumulative.expires_at') }} as expiry_date,
        cast(cumulative.cumulative_earned as numeric(14, 2)) as cumulative_earned,
        cast(cumulative.spent_points as numeric(14, 2)) as spent_by_expiry,
        cast(cumulative.cumulative_expired as numeric(14, 2)) as cumulative_expired,
        cast(
            cumulative.cumulative_expired
            - coalesce(
                lag(cumulative.cumulative_expired) over (
                    partition by cumulative.member_id order by cumulative.occurred_at, cumulative.ledger_key
                ),
                0
            ) as numeric(14, 2)
        ) as expired_points,
        {{ business_date('cumulative.expires_at') }} <= as_of.as_of_date as is_expired,
        as_of.as_of_date
    from cumulative
    cross join as_of
)

select * from final
