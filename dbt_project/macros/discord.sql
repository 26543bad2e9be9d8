{#
    Discord staging helpers.

        discord_snowflake_ts(expr)      snowflake (text or bigint) -> timestamptz of its creation, to the millisecond:
                                        (id >> 22) ms after the Discord epoch 2015-01-01T00:00:00Z
        discord_text(expr)              message text as analysts get it: contact data redacted
                                        (redact_contacts, privacy.sql), '' -> null
        discord_is_bot(column, user)    the user object at json path `user` ('author', 'user') is a bot or
                                        Discord's system user, or its username is in the var `bot_usernames`
        discord_staff_role_ids()        the var `discord_staff_role_ids` (role ids; default none) as a list
        discord_json_text(column)       the text of a JSON scalar itself (an array element)
        discord_json_array_length(column, path)   length of the JSON array at path; 0 when absent or not an array

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



{% macro discord_text(expr) -%}
    nullif({{ redact_contacts(expr) }}, '')
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
