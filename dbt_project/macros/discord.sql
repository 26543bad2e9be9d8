{#
    Discord staging helpers.

        discord_snowflake_ts(expr)      snowflake (text or bigint) -> timestamptz of its creation, to the millisecond:
                                        (id >> 22) ms after the Discord epoch 2015-01-01T00:00:00Z
        discord_text(expr)              message text as analysts get it: contact data redacted, '' -> null
        discord_redact_contacts(expr)   email addresses -> '[email]'; numbers written with a leading + and mainland
                                        China mobiles (1[3-9] and 9 more digits, spaces or dashes allowed as
                                        3-4-4) -> '[phone]', unless glued to a letter, digit or a markup
                                        character (@ # & : / = _ . -: mentions <@id>, emojis <:name:id>, URLs)
        discord_is_bot(column, user)    the user object at json path `user` ('author', 'user') is a bot or
                                        Discord's system user, or its username is in the var `bot_usernames`
        discord_staff_role_ids()        the var `discord_staff_role_ids` (role ids; default none) as a list
        discord_json_text(column)       the text of a JSON scalar itself (an array element)
        discord_json_array_length(column, path)   length of the JSON array at path; 0 when absent or not an array

    Redaction gives the same text on DuckDB (RE2) and Postgres: the patterns use nothing the engines read apart.
#}

{% macro discord_snowflake_ts(expr) -%}
    {{ return(adapter.dispatch('discord_snowflake_ts', 'community_pulse')(expr)) }}
{%- endmacro %}

{% macro duckdb__discord_snowflake_ts(expr) -%}
    (epoch_ms((cast({{ expr }} as bigint) >> 22) + 1420070400000) at time zone 'UTC')
{%- endmacro %}

{% macro postgres__discord_snowflake_ts(expr) -%}
    (to_timestamp(0) + ((cast({{ expr }} as bigint) >> 22) + 1420070400000) * interval '1 millisecond')
{%- endmacro %}


{#- reddit_redact_contacts (reddit.sql) is the same rule: a shared macro would belong in privacy.sql. -#}
{% macro discord_redact_contacts(expr) -%}
    {%- set email = "'[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+([.][A-Za-z0-9-]+)*[.][A-Za-z]{2,}'" -%}
    {%- set phone = "'(^|[^0-9A-Za-z@#&:/=_.-])([+][0-9][0-9 ()-]{5,18}[0-9]|1[3-9][0-9]([ -]?[0-9]{4}){2})([^0-9]|$)'" -%}
    {%- set once = "regexp_replace(regexp_replace(" ~ expr ~ ", " ~ email ~ ", '[email]', 'g'), "
        ~ phone ~ ", '\\1[phone]\\4', 'g')" -%}
    {#- twice: a number right after a redacted one (one separator between them) is caught by the second pass -#}
    regexp_replace({{ once }}, {{ phone }}, '\1[phone]\4', 'g')
{%- endmacro %}


{% macro discord_text(expr) -%}
    nullif({{ discord_redact_contacts(expr) }}, '')
{%- endmacro %}


{% macro discord_is_bot(column, user) -%}
    (
        coalesce({{ json_bool(column, user ~ '.bot') }}, false)
        or coalesce({{ json_bool(column, user ~ '.system') }}, false)
        or {{ is_bot_username(json_str(column, user ~ '.username')) }}
    )
{%- endmacro %}


{% macro discord_staff_role_ids() -%}
    {%- set ids = var('discord_staff_role_ids', []) -%}
    {%- if ids is string -%}{%- set ids = ids.split(',') -%}{%- endif -%}
    {%- set ids = ids | map('string') | map('trim') | reject('equalto', '') | list -%}
    {%- for i in ids -%}
        {%- if not modules.re.match('^[0-9]{1,21}$', i) -%}
            {{ exceptions.raise_compiler_error("discord_staff_role_ids: " ~ i ~ " is not a role id (a snowflake)") }}
        {%- endif -%}
    {%- endfor -%}
    {{ return(ids) }}
{%- endmacro %}


{#- The text of a JSON scalar itself (an array element such as a role id): 'x' for "x", '12' for 12. -#}
{% macro discord_json_text(column) -%}
    {{ return(adapter.dispatch('discord_json_text', 'community_pulse')(column)) }}
{%- endmacro %}

{% macro duckdb__discord_json_text(column) -%}
    json_extract_string({{ column }}, '$')
{%- endmacro %}

{% macro postgres__discord_json_text(column) -%}
    ({{ column }} #>> '{}')
{%- endmacro %}


{#- Length of the JSON array at `path` (dotted, as json_str); 0 when absent, null or not an array. -#}
{% macro discord_json_array_length(column, path) -%}
    {{ return(adapter.dispatch('discord_json_array_length', 'community_pulse')(column, path)) }}
{%- endmacro %}

{% macro duckdb__discord_json_array_length(column, path) -%}
    coalesce(cast(json_array_length({{ json_array(column, path) }}) as integer), 0)
{%- endmacro %}

{% macro postgres__discord_json_array_length(column, path) -%}
    case
        when jsonb_typeof({{ json_array(column, path) }}) = 'array'
            then cast(jsonb_array_length({{ json_array(column, path) }}) as integer)
        else 0
    end
{%- endmacro %}
