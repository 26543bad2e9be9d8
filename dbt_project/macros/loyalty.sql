{#
    Loyalty helpers (models/intermediate/loyalty, models/marts/loyalty). The rules come from dbt vars that pulse
    passes from pulse.yml (pulse.steps.rule_vars; defaults in dbt_project.yml):

        points_native_platforms()            the `points_rules.native_platforms` list, lowercased
        points_not_native(platform_expr)     SQL condition: the platform keeps no points ledger of its own
        points_per_activity(activity_type)   SQL: points_rules.per_activity points of an activity type (else 0)
        points_expires_at(ts)                SQL: ts + points_rules.expire_after_days (exact seconds, no calendar)
        day_number(date_expr)                SQL: days since 2000-01-01 (an integer to order and count days by)
        tier_window_days()                   tier_policy.window_days as whole days
        tier_spend(amount, currency)         SQL: an amount in tier_policy.currency (exchange_rates; 0 for a
                                             currency without a rate)
        tier_review_start(date_expr)         SQL date: the review date on or before the date (start of its
                                             month, quarter or year: tier_policy.review_every)
        tier_review_interval()               SQL interval between two review dates
        tier_qualified_rank(spend, points, engagement)
                                             SQL: 1-based rank of the highest loyalty_tiers entry any of whose
                                             thresholds the window values meet (the first tier: always)
        tier_name(rank_expr)                 SQL: the name of the tier of a rank
        rfm_score(order_by, partition_by)    SQL: a 1-5 quintile score in which ties share a score
        rfm_segment(r_score, f_score)        SQL: the RFM segment of a recency and a frequency score

    Generic tests: balance_not_negative (column >= 0, nulls pass) and balance_equals_ledger_sum (a balance column
    equals the sum of the ledger's points per key, members on either side only included).
#}

{% macro points_native_platforms() -%}
    {%- set platforms = var('points_rules').get('native_platforms', ['youzan']) or [] -%}
    {%- if platforms is string -%}{%- set platforms = platforms.split(',') -%}{%- endif -%}
    {{ return(platforms | map('string') | map('trim') | map('lower') | reject('equalto', '') | list) }}
{%- endmacro %}


{% macro points_not_native(platform_expr) -%}
    {%- set platforms = points_native_platforms() -%}
    {%- if platforms | length == 0 -%}
        true
    {%- else -%}
        {{ platform_expr }} not in {{ sql_values(platforms) }}
    {%- endif -%}
{%- endmacro %}


{% macro points_per_activity(activity_type) -%}
    {%- set per_activity = var('points_rules').get('per_activity', {}) or {} -%}
    {%- if per_activity | length == 0 -%}
        cast(0 as numeric(14, 2))
    {%- else -%}
        case {{ activity_type }}
            {%- for name in per_activity | list | sort %}
            when '{{ dbt.escape_single_quotes(name) }}' then cast({{ per_activity[name] | float }} as numeric(14, 2))
            {%- endfor %}
            else cast(0 as numeric(14, 2))
        end
    {%- endif -%}
{%- endmacro %}


{#- Seconds, not days: timestamptz + days follows the session's calendar (daylight saving), seconds do not, so both
    adapters give the same instant whatever their session time zone. -#}
{% macro points_expires_at(ts) -%}
    {%- set days = var('points_rules').get('expire_after_days', 365) | float -%}
    {%- if days <= 0 -%}
        {{ exceptions.raise_compiler_error(
            "points_rules.expire_after_days " ~ days ~ ": expected a positive number of days (pulse.yml rules.points.expire_after)"
        ) }}
    {%- endif -%}
    {{ dbt.dateadd('second', (days * 86400) | round | int, ts) }}
{%- endmacro %}


{% macro day_number(date_expr) -%}
    {{ dbt.datediff("cast('2000-01-01' as date)", date_expr, 'day') }}
{%- endmacro %}


{% macro tier_window_days() -%}
    {%- set days = var('tier_policy').get('window_days', 365) | float -%}
    {%- if days < 1 -%}
        {{ exceptions.raise_compiler_error(
            "tier_policy.window_days " ~ days ~ ": expected at least 1 day (pulse.yml rules.tier_policy.window)"
        ) }}
    {%- endif -%}
    {{ return(days | round | int) }}
{%- endmacro %}


{% macro tier_review_every() -%}
    {%- set every = var('tier_policy').get('review_every', 'quarter') | string | lower -%}
    {%- if every not in ('month', 'quarter', 'year') -%}
        {{ exceptions.raise_compiler_error(
            "tier_policy.review_every " ~ every ~ ": expected month, quarter or year (pulse.yml rules.tier_policy.review_every)"
        ) }}
    {%- endif -%}
    {{ return(every) }}
{%- endmacro %}


{% macro tier_review_start(date_expr) -%}
    cast({{ dbt.date_trunc(tier_review_every(), 'cast(' ~ date_expr ~ ' as timestamp)') }} as date)
{%- endmacro %}


{% macro tier_review_interval() -%}
    {{- {'month': "interval '1 month'", 'quarter': "interval '3 months'", 'year': "interval '1 year'"}[tier_review_every()] -}}
{%- endmacro %}


{% macro loyalty_tiers() -%}
    {%- set tiers = var('loyalty_tiers') -%}
    {%- if tiers | length == 0 -%}
        {{ exceptions.raise_compiler_error("loyalty_tiers: expected at least one tier (pulse.yml rules.tiers)") }}
    {%- endif -%}
    {{ return(tiers) }}
{%- endmacro %}


{% macro tier_qualified_rank(spend, points, engagement) -%}
    {%- set tiers = loyalty_tiers() -%}
    {%- set measures = {'min_spend': spend, 'min_points': points, 'min_engagement': engagement} -%}
    case
        {%- for tier in tiers | reverse %}
        {%- set rank = tiers | length - loop.index0 %}
        {%- if rank > 1 %}
        {%- set conditions = [] %}
        {%- for key in ['min_spend', 'min_points', 'min_engagement'] %}
        {%- if tier.get(key) is not none %}
        {%- do conditions.append(measures[key] ~ ' >= ' ~ (tier[key] | float)) %}
        {%- endif %}
        {%- endfor %}
        {%- if conditions | length == 0 %}
        {{ exceptions.raise_compiler_error(
            "loyalty_tiers[" ~ (rank - 1) ~ "] (" ~ tier.get('name') ~ "): give at least one of min_spend, min_points, min_engagement"
        ) }}
        {%- endif %}
        when {{ conditions | join(' or ') }} then {{ rank }}
        {%- endif %}
        {%- endfor %}
        else 1
    end
{%- endmacro %}


{% macro tier_name(rank_expr) -%}
    case {{ rank_expr }}
        {%- for tier in loyalty_tiers() %}
        when {{ loop.index }} then '{{ dbt.escape_single_quotes(tier['name'] | string) }}'
        {%- endfor %}
    end
{%- endmacro %}


{#- 1 + floor(5 * (rank - 1) / n) with rank() ascending: the lowest values score 1, the highest 5, and equal values
    score the same (ntile would split a tie between two scores by an arbitrary order). -#}
{% macro rfm_score(order_by, partition_by=none) -%}
    {%- set over -%}
        {%- if partition_by %}partition by {{ partition_by }} {% endif -%}
    {%- endset -%}
    (1 + cast(floor(
        5.0 * (rank() over ({{ over }}order by {{ order_by }}) - 1) / count(*) over ({{ over | trim }})
    ) as integer))
{%- endmacro %}


{#- The first rule that matches (scores 1-5, 5 best; M is not used):
        champions    r >= 4 and f >= 4
        loyal        r = 3 and f >= 4
        at_risk      r <= 2 and f >= 3
        new          r >= 4 and f = 1
        potential    r >= 3 and f <= 3 (the rest of recent buyers)
        hibernating  r = 2 and f <= 2
        lost         r = 1 and f <= 2 -#}
{% macro rfm_segment(r_score, f_score) -%}
    case
        when {{ r_score }} >= 4 and {{ f_score }} >= 4 then 'champions'
        when {{ r_score }} = 3 and {{ f_score }} >= 4 then 'loyal'
        when {{ r_score }} <= 2 and {{ f_score }} >= 3 then 'at_risk'
        when {{ r_score }} >= 4 and {{ f_score }} = 1 then 'new'
        when {{ r_score }} >= 3 then 'potential'
        when {{ r_score }} = 2 then 'hibernating'
        else 'lost'
    end
{%- endmacro %}


{#- Generic test: no row has the column below zero (nulls pass). -#}
{% test balance_not_negative(model, column_name) %}

select *
from {{ model }}
where {{ column_name }} < 0

{% endtest %}


{#- Generic test: per `key`, the column equals the sum of `amount` over the rows of `ledger` (a key on one side
    only fails too). -#}
{% test balance_equals_ledger_sum(model, column_name, ledger, key='member_id', amount='points') %}

with

ledger_sums as (
    select
        ledger_rows.{{ key }} as ledger_key_value,
        sum(ledger_rows.{{ amount }}) as ledger_sum
    from {{ ledger }} as ledger_rows
    group by ledger_rows.{{ key }}
),

compared as (
    select
        balances.{{ key }} as balance_key_value,
        balances.{{ column_name }} as balance,
        ledger_sums.ledger_key_value,
        ledger_sums.ledger_sum
    from {{ model }} as balances
    full outer join ledger_sums on balances.{{ key }} = ledger_sums.ledger_key_value
)

select *
from compared
where compared.balance is null or compared.ledger_sum is null or compared.balance != compared.ledger_sum

{% endtest %}


{% macro tier_spend(amount, currency) -%}
    {%- set policy = var('tier_policy') -%}
    {%- set base = (policy.get('currency') or 'CNY') | string | upper -%}
    {%- set rates = policy.get('exchange_rates') or {} -%}
    case upper({{ currency }})
        when '{{ base }}' then {{ amount }}
        {%- for code, rate in rates.items() if (code | string | upper) != base %}
        when '{{ dbt.escape_single_quotes(code | string | upper) }}' then {{ amount }} * {{ rate | float }}
        {%- endfor %}
        else 0
    end
{%- endmacro %}
