{#
    Readers for WeChat Official Account (公众号) records, used by the staging models of `wechat_mp`.

        wechat_epoch_ts(column, path)  -> timestamptz from epoch seconds (subscribe_time); null for missing or 0
        wechat_json_text(value)        -> a JSON scalar element (a number of tagid_list) as text
#}

{% macro wechat_epoch_ts(column, path) -%}
    to_timestamp(nullif({{ json_int(column, path) }}, 0))
{%- endmacro %}


{% macro wechat_json_text(value) -%}
    {{ return(adapter.dispatch('wechat_json_text', 'community_pulse')(value)) }}
{%- endmacro %}

{% macro duckdb__wechat_json_text(value) -%}
    json_extract_string({{ value }}, '$')
{%- endmacro %}

{% macro postgres__wechat_json_text(value) -%}
    ({{ value }} #>> '{}')
{%- endmacro %}
