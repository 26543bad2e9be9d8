{#
    ISO weeks (Monday to Sunday) in the business time zone, the var `business_timezone` (default Asia/Shanghai).

        to_business_time(ts)    timestamptz -> local timestamp (no zone) in the business time zone
        business_date(ts)       timestamptz -> the local calendar date
        week_start(ts)          timestamptz -> date: the Monday of the ISO week holding ts (local time)
        iso_week_label(ts)      timestamptz -> 'YYYY-Www' with the ISO year: 2026-12-31 -> '2026-W53',
                                               2024-12-30 -> '2025-W01', 2021-01-03 -> '2020-W53'
        iso_week_of_date(d)     date        -> the same label for a calendar date (e.g. a week_start)

    Pass timestamptz values: `at time zone` on a timestamp without zone would do the inverse conversion.
#}

{% macro business_timezone() -%}
    {%- set tz = var('business_timezone', 'Asia/Shanghai') | string -%}
    {%- if not modules.re.match('^[A-Za-z0-9_+/-]+$', tz) -%}
        {{ exceptions.raise_compiler_error("business_timezone " ~ tz ~ ": expected an IANA zone such as Asia/Shanghai") }}
    {%- endif -%}
    {{ return(tz) }}
{%- endmacro %}


{% macro to_business_time(ts) -%}
    ({{ ts }} at time zone '{{ business_timezone() }}')
{%- endmacro %}


{% macro business_date(ts) -%}
    cast({{ to_business_time(ts) }} as date)
{%- endmacro %}


{% macro week_start(ts) -%}
    cast({{ dbt.date_trunc('week', to_business_time(ts)) }} as date)
{%- endmacro %}


{% macro iso_week_label(ts) -%}
    {{ return(adapter.dispatch('iso_week_label', 'community_pulse')(to_business_time(ts))) }}
{%- endmacro %}


{% macro iso_week_of_date(d) -%}
    {{ return(adapter.dispatch('iso_week_label', 'community_pulse')('cast(' ~ d ~ ' as date)')) }}
{%- endmacro %}

{% macro duckdb__iso_week_label(local_expr) -%}
    strftime({{ local_expr }}, '%G-W%V')
{%- endmacro %}

{% macro postgres__iso_week_label(local_expr) -%}
    to_char({{ local_expr }}, 'IYYY-"W"IW')
{%- endmacro %}


{#- One row per Monday from `first_week` to `last_week` (dates, both Mondays): use in FROM,
    `cross join {{ week_series('bounds.first_week', 'bounds.last_week') }} as spine (week_ts)`. -#}
{% macro week_series(first_week, last_week) -%}
    {{ return(adapter.dispatch('week_series', 'community_pulse')(first_week, last_week)) }}
{%- endmacro %}

{% macro default__week_series(first_week, last_week) -%}
    generate_series(cast({{ first_week }} as timestamp), cast({{ last_week }} as timestamp), interval '7 days')
{%- endmacro %}
