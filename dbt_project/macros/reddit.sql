{#
    Reddit staging helpers.

        reddit_epoch_ts(expr)           epoch seconds (Reddit's `created_utc`, a float such as 1696754768.0, as text)
                                        -> timestamptz; null for null or ''
        reddit_edited_ts(expr)          Reddit's `edited`: false (not edited; also true, which very old items
                                        carry without a time) or the epoch of the last edit -> timestamptz or null
        reddit_is_edited(expr)          `edited` is an epoch or true
        reddit_text(expr)               title/body as analysts get it: the placeholders `[deleted]`, `[removed]`,
                                        `[ Removed by Reddit ]` and '' -> null, contact data redacted (redact_contacts, privacy.sql)
        reddit_author(expr)             the author name, null for `[deleted]` (the account or the item is gone)
        reddit_is_bot(expr)             the username is in the var `reddit_bot_usernames` (default
                                        [AutoModerator]: Reddit has no bot flag) or in `bot_usernames`
#}

{% macro reddit_epoch_ts(expr) -%}
    to_timestamp(cast(nullif(trim({{ expr }}), '') as double precision))
{%- endmacro %}


{% macro reddit_edited_ts(expr) -%}
    case
        when {{ expr }} is null or lower(trim({{ expr }})) in ('', 'false', 'true', '0') then null
        else to_timestamp(cast(trim({{ expr }}) as double precision))
    end
{%- endmacro %}


{% macro reddit_is_edited(expr) -%}
    coalesce(lower(trim({{ expr }})) not in ('', 'false', '0'), false)
{%- endmacro %}



{% macro reddit_text(expr) -%}
    case
        when trim({{ expr }}) in ('', '[deleted]', '[removed]', '[ Removed by Reddit ]') then null
        else {{ redact_contacts(expr) }}
    end
{%- endmacro %}


{% macro reddit_author(expr) -%}
    nullif(nullif(trim({{ expr }}), ''), '[deleted]')
{%- endmacro %}


{% macro reddit_is_bot(expr) -%}
    {%- set names = var('reddit_bot_usernames', ['AutoModerator']) -%}
    {%- if names is string -%}{%- set names = names.split(',') -%}{%- endif -%}
    {%- set names = names | map('string') | map('trim') | map('lower') | reject('equalto', '') | list -%}
    (
        {{ is_bot_username(expr) }}
        {%- if names | length > 0 %}
        or coalesce(lower({{ expr }}) in (
            {%- for n in names -%}'{{ dbt.escape_single_quotes(n) }}'{{ ", " if not loop.last }}{%- endfor -%}
        ), false)
        {%- endif %}
    )
{%- endmacro %}
