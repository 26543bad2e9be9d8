{#
    Each member's points as of the ledger's as-of date (the data's "today": int_points_movements_unioned), one row
    per member with at least one ledger row:
      balance = points_earned + points_adjusted - points_redeemed - points_expired = the sum of their ledger rows
      (redeemed and expired are given as positive amounts); never negative (tested): rule points are only taken
      by expiry, which takes no more than a lot has left, and native platforms never let a balance go below 0.
    points_expiring_30d: rule points whose lot expires in the 30 days after as_of_date and that nothing has spent
    (int_points_lots_expired); native platforms' coming expiries are not known (0).
#}
with

ledger as (
    select * from {{ ref('fct_points_ledger') }}
),

lots as (
    select * from {{ ref('int_points_lots_expired') }}
),

movements as (
    select * from {{ ref('int_points_movements_unioned') }}
),

as_of as (
    select max(movements.as_of_date) as as_of_date
    from movements
),

totals as (
    select
        ledger.member_id,
        sum(case when ledger.entry_type = 'earn' then ledger.points else 0 end) as points_earned,
        -sum(case when ledger.entry_type = 'redeem' then ledger.points else 0 end) as points_redeemed,
        -sum(case when ledger.entry_type = 'expire' then ledger.points else 0 end) as points_expired,
        sum(case when ledger.entry_type = 'adjust' then ledger.points else 0 end) as points_adjusted,
        sum(ledger.points) as balance,
        min(ledger.entry_date) as first_entry_date,
        max(ledger.entry_date) as last_entry_date
    from ledger
    group by ledger.member_id
),

expiring as (
    select
        lots.member_id,
        sum(lots.expired_points) as points_expiring_30d
    from lots
    cross join as_of
    where
        not lots.is_expired
        and lots.expiry_date <= cast({{ dbt.dateadd('day', 30, 'as_of.as_of_date') }} as date)
    group by lots.member_id
),

final as (
    select
        totals.member_id,
        cast(totals.balance as numeric(14, 2)) as balance,
        cast(totals.points_earned as numeric(14, 2)) as points_earned,
        cast(totals.points_redeemed as numeric(14, 2)) as points_redeemed,
        cast(totals.points_expired as numeric(14, 2)) as points_expired,
        cast(totals.points_adjusted as numeric(14, 2)) as points_adjusted,
        cast(coalesce(expiring.points_expiring_30d, 0) as numeric(14, 2)) as points_expiring_30d,
        totals.first_entry_date,
        totals.last_entry_date,
        as_of.as_of_date
    from totals
    cross join as_of
    left join expiring on totals.member_id = expiring.member_id
)

select * from final
