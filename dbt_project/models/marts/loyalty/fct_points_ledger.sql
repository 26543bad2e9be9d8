{#
    The points ledger: one row per points movement of a member - every earn, redeem, expiry and adjustment - each
    citing the rule (`rule`) and the record (`source_ref`) that caused it. Points are signed: earns and positive
    adjustments add, redemptions and expiries subtract; a member's balance is the sum of their rows.

    Earns, redemptions and adjustments come from int_points_movements_unioned (rules: orders, activities and
    check-in streaks of the platforms without a ledger of their own; native platforms such as 有赞: their own
    points log, with an opening balance); expiries of rule points from int_points_lots_expired: one `expire` row
    per earn lot that has expired by the as-of date (only when something of it was left to expire), dated at the
    lot's expiry (earned + expire_after_days), citing the lot's ledger_key.
#}
with

movements as (
    select * from {{ ref('int_points_movements_unioned') }}
),

lots as (
    select * from {{ ref('int_points_lots_expired') }}
),

expiries as (
    select
        'expiry|' || lots.ledger_key as ledger_key,
        lots.member_id,
        lots.expires_at as occurred_at,
        lots.expiry_date as entry_date,
        'expire' as entry_type,
        cast(-lots.expired_points as numeric(14, 2)) as points,
        'expiry' as rule,  -- noqa: RF04
        lots.ledger_key as source_ref,
        lots.platform,
        'rules' as points_program
    from lots
    where lots.is_expired and lots.expired_points > 0
),

final as (
    select
        movements.ledger_key,
        movements.member_id,
        movements.occurred_at,
        movements.entry_date,
        movements.entry_type,
        cast(movements.points as numeric(14, 2)) as points,
        movements.rule,
        movements.source_ref,
        movements.platform,
        movements.points_program
    from movements
    union all
    select
        expiries.ledger_key,
        expiries.member_id,
        expiries.occurred_at,
        expiries.entry_date,
        expiries.entry_type,
        expiries.points,
        expiries.rule,
        expiries.source_ref,
        expiries.platform,
        expiries.points_program
    from expiries
)

select * from final
