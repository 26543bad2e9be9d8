{#
    Readers for WeCom (企业微信) records, used by the staging models of `wecom_groups`.

        wecom_epoch_ts(column, path)  -> timestamptz from epoch seconds (join_time, create_time, createtime);
                                         null for a missing value or 0
        wecom_json_text(value)        -> a JSON scalar element (a string of an array such as remark_mobiles) as text
        wecom_sorted_list(expr)       -> aggregate: the distinct non-null values joined by ',' in byte order
                                         (the same order on both adapters, whatever the database collation)
#}

{% macro wecom_epoch_ts(column, path) -%}
    to_timestamp(nullif({{ json_int(column, path) }}, 0))
{%- endmacro %}


{% macro wecom_json_text(value) -%}
    {{ return(adapter.dispatch('wecom_json_text', 'community_pulse')(value)) }}
{%- endmacro %}

{% macro duckdb__wecom_json_text(value) -%}
    json_extract_string({{ value }}, '$')
{%- endmacro %}

{% macro postgres__wecom_json_text(value) -%}
    ({{ value }} #>> '{}')
{%- endmacro %}


{% macro wecom_sorted_list(expr) -%}
    {{ return(adapter.dispatch('wecom_sorted_list', 'community_pulse')(expr)) }}
{%- endmacro %}

{% macro duckdb__wecom_sorted_list(expr) -%}
    string_agg(distinct {{ expr }}, ',' order by {{ expr }})
{%- endmacro %}

{% macro postgres__wecom_sorted_list(expr) -%}
    string_agg(distinct ({{ expr }}) collate "C", ',' order by ({{ expr }}) collate "C")
{%- endmacro %}
