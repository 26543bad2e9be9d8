{#
    Reading Youzan (有赞) records. Youzan sends values as strings that look like other types, and local times:

        youzan_text(expr)                        -> text; '', 'null' and 'undefined' (any case, trimmed) -> null
        youzan_str(column, path)                 -> youzan_text(json_str(column, path))
        youzan_int(column, path)                 -> bigint   (177 and "177"; "null" and "" -> null)
        youzan_num(column, path, precision, scale) -> numeric ("128.00" and 128 alike)
        youzan_bool(column, path)                -> boolean  (true, "true", "1"; "null" -> null)
        youzan_ts(column, path, zone)            -> timestamptz from `2026-01-05 12:00:00` read in `zone`
                                                    (default Asia/Shanghai, the zone Youzan writes in)
        youzan_json_in_string(column, path)      -> the JSON held in a string field (`order_extra`,
                                                    `sku_properties_name`, `ext_info`, `extra_info`) as json/jsonb,
                                                    read further with json_str & co; null when the field is
                                                    missing, empty, "null" or does not start with `{` or `[`
        youzan_local_to_timestamptz(expr, zone)  -> naive local text in an IANA zone as timestamptz; text with
                                                    `Z` or an offset keeps it; '', 'null' -> null

    Both adapters give the same values. One difference remains: text that starts like JSON but is malformed gives
    null on DuckDB (try_cast) and fails the query on Postgres 15 (which has no pg_input_is_valid); Youzan has not
    been seen sending such text.
#}

{% macro youzan_text(expr) -%}
    case when lower(trim({{ expr }})) in ('', 'null', 'undefined') then null else {{ expr }} end
{%- endmacro %}


{% macro youzan_str(column, path) -%}
    {{ youzan_text(json_str(column, path)) }}
{%- endmacro %}


{% macro youzan_int(column, path) -%}
    cast(trim({{ youzan_str(column, path) }}) as bigint)
{%- endmacro %}


{% macro youzan_num(column, path, precision=18, scale=2) -%}
    cast(trim({{ youzan_str(column, path) }}) as numeric({{ precision }}, {{ scale }}))
{%- endmacro %}


{% macro youzan_bool(column, path) -%}
    {{ text_to_bool(youzan_str(column, path)) }}
{%- endmacro %}


{% macro youzan_ts(column, path, zone='Asia/Shanghai') -%}
    {{ youzan_local_to_timestamptz(youzan_str(column, path), zone) }}
{%- endmacro %}


{#- An IANA zone name, checked so that it can be quoted into SQL. -#}
{% macro _youzan_zone(zone) -%}
    {%- if not modules.re.match('^[A-Za-z0-9_+/-]+$', zone | string) -%}
        {{ exceptions.raise_compiler_error("youzan: time zone " ~ zone ~ ": expected an IANA zone such as Asia/Shanghai") }}
    {%- endif -%}
    {{ return(zone | string) }}
{%- endmacro %}


{% macro youzan_local_to_timestamptz(expr, zone='Asia/Shanghai') -%}
    {{ return(adapter.dispatch('youzan_local_to_timestamptz', 'community_pulse')(expr, _youzan_zone(zone))) }}
{%- endmacro %}

{% macro duckdb__youzan_local_to_timestamptz(expr, zone) -%}
    case
        when lower(trim({{ expr }})) in ('', 'null', 'undefined') then null
        when regexp_matches(trim({{ expr }}), '[T ][0-9:.]+([Zz]|[+-][0-9]{2}(:?[0-9]{2})?)$')
            then cast(trim({{ expr }}) as timestamptz)
        else timezone('{{ zone }}', cast(trim({{ expr }}) as timestamp))
    end
{%- endmacro %}

{% macro postgres__youzan_local_to_timestamptz(expr, zone) -%}
    case
        when lower(trim({{ expr }})) in ('', 'null', 'undefined') then null
        when trim({{ expr }}) ~ '[T ][0-9:.]+([Zz]|[+-][0-9]{2}(:?[0-9]{2})?)$'
            then cast(trim({{ expr }}) as timestamptz)
        else cast(trim({{ expr }}) as timestamp) at time zone '{{ zone }}'
    end
{%- endmacro %}


{% macro youzan_json_in_string(column, path) -%}
    {{ return(adapter.dispatch('youzan_json_in_string', 'community_pulse')(column, path)) }}
{%- endmacro %}

{% macro duckdb__youzan_json_in_string(column, path) -%}
    case
        when regexp_matches(trim({{ json_str(column, path) }}), '^[\[{]')
            then try_cast(trim({{ json_str(column, path) }}) as json)
    end
{%- endmacro %}

{% macro postgres__youzan_json_in_string(column, path) -%}
    case
        when trim({{ json_str(column, path) }}) ~ '^[\[{]'
            then cast(trim({{ json_str(column, path) }}) as jsonb)
    end
{%- endmacro %}
