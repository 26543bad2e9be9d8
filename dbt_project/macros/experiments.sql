{#
    The A/B tests of pulse.yml (`experiments`, passed by pulse.steps as the dbt var `experiments`: a list of
    {campaign_id, variants, control}; validated there, so every test has two or more distinct variants and a
    control among them).

        experiment_arms()   SQL: one row per (campaign_id, variant) with variant_rank, 1 for the control, then
                            the other variants in the order the config lists them; no rows when there is no test.
#}

{% macro experiment_arms() -%}
    {%- set arms = [] -%}
    {%- for e in var('experiments', []) or [] -%}
        {%- set control = e.get('control') or e['variants'][0] -%}
        {%- do arms.append((e['campaign_id'], control, 1)) -%}
        {%- for v in e['variants'] if v != control -%}
            {%- do arms.append((e['campaign_id'], v, loop.index + 1)) -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- if arms | length == 0 -%}
        select
            cast(null as {{ dbt.type_string() }}) as campaign_id,
            cast(null as {{ dbt.type_string() }}) as variant,
            cast(null as integer) as variant_rank
        where 1 = 0
    {%- else -%}
        select
            cast(arms.campaign_id as {{ dbt.type_string() }}) as campaign_id,
            cast(arms.variant as {{ dbt.type_string() }}) as variant,
            cast(arms.variant_rank as integer) as variant_rank
        from (
            values
            {%- for campaign_id, variant, rank in arms %}
                (
                    '{{ dbt.escape_single_quotes(campaign_id | string) }}',
                    '{{ dbt.escape_single_quotes(variant | string) }}',
                    {{ rank }}
                ){{ ',' if not loop.last }}
            {%- endfor %}
        ) as arms (campaign_id, variant, variant_rank)
    {%- endif -%}
{%- endmacro %}
