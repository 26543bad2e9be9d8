{{ config(materialized='table') }}
{#
    Which member each account belongs to: the connected components of the graph "two accounts share an
    identifier" (transitive: A~B and B~C make one member), found by min-component_label propagation. Each account starts
    with its rank in (created_at, account_key) order; every round, each identifier takes the smallest component_label of
    its accounts and each account the smallest component_label of its identifiers, so a round crosses two account hops.
    `var('identity_rounds')` rounds (default 8) settle any member whose accounts are at most 8 shared-identifier
    steps from its anchor; `is_converged` (tested: always true) says one more round would change nothing.

    Memory: every round's labels stay alive until the query ends (each is read twice, so it is materialized), so
    the rounds join and keep integers only: accounts by their rank, identifiers by a number. Carrying the text keys
    (account_key, the 64-digit hashes) through nine rounds ran out of DuckDB's 4 GB at a million members (bench L).

    member_id is derived from the member's anchor account, its earliest (created_at, account_key) one: data that
    does not touch a member never changes its id, and when two members merge the one whose anchor is older keeps
    its id (int_identity__merges records the other).
#}
{%- set rounds = var('identity_rounds', 8) | int %}
with

ranked_accounts as materialized (
    select
        all_accounts.account_key,
        row_number() over (
            order by all_accounts.created_at nulls last, all_accounts.account_key
        ) as anchor_rank
    from {{ ref('int_identity__accounts') }} as all_accounts
),

edges as materialized (
    select
        ranked_accounts.anchor_rank as account_rank,
        dense_rank() over (order by identifiers.id_type, identifiers.id_value) as identifier_rank
    from {{ ref('int_identity__account_identifiers') }} as identifiers
    inner join ranked_accounts on identifiers.account_key = ranked_accounts.account_key
    where identifiers.id_value is not null  -- a null would be one number shared by all; text keys never matched it
),

labels_0 as materialized (
    select
        ranked_accounts.anchor_rank as account_rank,
        ranked_accounts.anchor_rank as component_label
    from ranked_accounts
),
{%- for i in range(1, rounds + 2) %}

    identifier_labels_{{ i }} as (
        select
            edges.identifier_rank,
            min(labels_{{ i - 1 }}.component_label) as component_label
        from edges
        inner join labels_{{ i - 1 }} on edges.account_rank = labels_{{ i - 1 }}.account_rank
        group by edges.identifier_rank
    ),

    labels_{{ i }} as materialized (
        select
            labels_{{ i - 1 }}.account_rank,
            least(
                labels_{{ i - 1 }}.component_label,
                coalesce(min(identifier_labels_{{ i }}.component_label), labels_{{ i - 1 }}.component_label)
            ) as component_label
        from labels_{{ i - 1 }}
        left join edges on labels_{{ i - 1 }}.account_rank = edges.account_rank
        left join identifier_labels_{{ i }} on edges.identifier_rank = identifier_labels_{{ i }}.identifier_rank
        group by labels_{{ i - 1 }}.account_rank, labels_{{ i - 1 }}.component_label
    ){{ ',' if not loop.last }}
{%- endfor %}

select
    ranked_accounts.account_key,
    'M' || substr(md5(anchors.account_key), 1, 15) as member_id,
    anchors.account_key as anchor_account_key,
    labels_{{ rounds + 1 }}.component_label = labels_{{ rounds }}.component_label as is_converged
from labels_{{ rounds }}
inner join ranked_accounts on labels_{{ rounds }}.account_rank = ranked_accounts.anchor_rank
inner join ranked_accounts as anchors on labels_{{ rounds }}.component_label = anchors.anchor_rank
inner join labels_{{ rounds + 1 }} on labels_{{ rounds }}.account_rank = labels_{{ rounds + 1 }}.account_rank
