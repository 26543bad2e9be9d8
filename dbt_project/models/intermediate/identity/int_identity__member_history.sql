{{ config(
    materialized='incremental',
    unique_key=['account_key', 'member_id'],
    incremental_strategy='delete+insert',
) }}
{#
    Every (account, member) pair identity resolution has ever produced, with the run that first produced it:
    append-only memory of member ids, from which member_merges reads merges and splits. The first build records
    the state it finds; later builds add only pairs that are new (an account that arrived, or moved to another
    member). A full refresh forgets the history.
#}
with

current_members as (
    select * from {{ ref('int_identity__account_members') }}
),

final as (
    select
        current_members.account_key,
        current_members.member_id,
        cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S") }}' as {{ dbt.type_timestamp() }}) as first_recorded_at,
        '{{ invocation_id }}' as invocation_id
    from current_members
    {% if is_incremental() %}
    where not exists (
        select 1
        from {{ this }} as recorded
        where
            recorded.account_key = current_members.account_key
            and recorded.member_id = current_members.member_id
    )
    {% endif %}
)

select * from final
