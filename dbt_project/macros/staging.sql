{#
    latest_version(relation, updated_at=none): the raw rows of `relation` keeping, per (_source, _pk), the latest
    version: the greatest `updated_at` of the record (a dotted json path, when the stream has one), then the
    latest _extracted_at, then the greatest _batch_id, then _hash (only to make ties deterministic).
    Adds `version_rank` (always 1). Use as the `source` CTE of a staging model:
        source as ({{ latest_version(source('raw', 'discourse__posts'), 'updated_at') }}),
    The record's `updated_at` is read in a projection below the window: DuckDB computes a repeated expression once
    per row in a projection but not in a window's order (text_to_timestamptz names its text four times), and on
    DuckDB each read parses the whole record (stg_shopify__orders on 393,770 versions: 23.0 -> 16.2 s of CPU,
    docs/benchmarks.md).
#}
{% macro latest_version(relation, updated_at=none) -%}
    select ranked.*
    from (
        select
            raw_rows.*,
            row_number() over (
                partition by raw_rows._source, raw_rows._pk
                order by
                    {% if updated_at -%}
                    {{ text_to_timestamptz('raw_rows._version_updated_at') }} desc nulls last,
                    {% endif -%}
                    raw_rows._extracted_at desc nulls last,
                    raw_rows._batch_id desc nulls last,
                    raw_rows._hash desc nulls last
            ) as version_rank
        from (
            select
                versions.*{% if updated_at %},
                {{ json_str('versions._record', updated_at) }} as _version_updated_at{% endif %}
            from {{ relation }} as versions
        ) as raw_rows
    ) as ranked
    where ranked.version_rank = 1
{%- endmacro %}


{#- The `bot_usernames` var as a SQL condition on a username expression (case-insensitive). -#}
{% macro is_bot_username(expr) -%}
    {%- set names = var('bot_usernames', ['system', 'discobot']) -%}
    {%- if names is string -%}{%- set names = names.split(',') -%}{%- endif -%}
    {%- set names = names | map('string') | map('trim') | map('lower') | reject('equalto', '') | list -%}
    {%- if names | length == 0 -%}
        false
    {%- else -%}
        coalesce(lower({{ expr }}) in (
            {%- for n in names -%}'{{ dbt.escape_single_quotes(n) }}'{{ ", " if not loop.last }}{%- endfor -%}
        ), false)
    {%- endif -%}
{%- endmacro %}


{#- The first capture group of `pattern` in `expr` (null when it does not match); the pattern has one group. -#}
{% macro regex_capture(expr, pattern) -%}
    {{ return(adapter.dispatch('regex_capture', 'community_pulse')(expr, pattern)) }}
{%- endmacro %}

{% macro duckdb__regex_capture(expr, pattern) -%}
    nullif(regexp_extract({{ expr }}, '{{ pattern }}', 1), '')
{%- endmacro %}

{% macro postgres__regex_capture(expr, pattern) -%}
    nullif(substring({{ expr }} from '{{ pattern }}'), '')
{%- endmacro %}


{#- A SQL list literal of strings: sql_values(['a', 'b']) -> ('a', 'b'). -#}
{% macro sql_values(values) -%}
    ({%- for v in values -%}'{{ dbt.escape_single_quotes(v | string) }}'{{ ', ' if not loop.last }}{%- endfor -%})
{%- endmacro %}
