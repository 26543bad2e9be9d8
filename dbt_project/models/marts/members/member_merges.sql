{#
    The record of member ids that changed: one row per (previous member, member now) pair, from the history of
    account -> member pairs (int_identity__member_history). `merge`: the previous member_id no longer exists (its
    accounts joined another member, whose id survived: the one anchored on the earliest account). `split`: it
    still exists, and some accounts left it (an override split, or an identifier that became shared).
    Analysts follow an old member_id here to the member it became.
#}
with

history as (
    select * from {{ ref('int_identity__member_history') }}
),

current_members as (
    select * from {{ ref('int_identity__account_members') }}
),

moves as (
    select
        previous.member_id as previous_member_id,
        current_members.member_id,
        previous.account_key,
        moved.first_recorded_at as changed_at
    from history as previous
    inner join current_members
        on previous.account_key = current_members.account_key
    inner join history as moved
        on
            current_members.account_key = moved.account_key
            and current_members.member_id = moved.member_id
    where
        previous.member_id != current_members.member_id
        and previous.first_recorded_at < moved.first_recorded_at
),

final as (
    select
        moves.previous_member_id,
        moves.member_id,
        case
            when moves.previous_member_id in (select current_members.member_id from current_members) then 'split'
            else 'merge'
        end as change_type,
        min(moves.changed_at) as changed_at,
        count(distinct moves.account_key) as accounts_moved
    from moves
    group by moves.previous_member_id, moves.member_id
)

select * from final
