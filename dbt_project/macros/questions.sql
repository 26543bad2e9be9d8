{#
    Helpers of fct_questions (models/marts/engagement): recognizing questions, timing responses.

        question_words(name)                  -> the var `name` as a list of lowercased words (defaults below)
        matches_question_word(expr, name)     -> true when a name or slug holds one of the words of var `name`:
                                                 an ASCII word as a whole part between `-`, `_` or spaces
                                                 ('cn-qa' holds qa, 'qa-archive' too, 'aqua' does not), any other
                                                 word (中文) anywhere in it ('售后问题' holds 售后)
        is_question_flair(expr, name)         -> the flair, trimmed and lowercased, is one of the words of var `name`
        ends_with_question_mark(expr)         -> the text, trimmed, ends with ? or the full-width ？
        elapsed_microseconds(start, end)      -> bigint microseconds from one timestamptz to another, exact on both
                                                 adapters (so that both compute the same hours and 24h boundary)

    Generic test first_response_consistent: a question's response columns agree with each other.
#}

{% macro question_words(name) -%}
    {%- set defaults = {
        'question_category_slugs': ['qa', 'q-a', 'questions', 'question', 'help', 'support', '问答', '求助'],
        'question_flairs': ['question', 'help', '提问', '求助'],
        'question_solved_flairs': ['solved', 'answered', 'resolved', '已解决'],
        'question_channel_names': ['help', 'support', 'questions', 'question', 'qa', '问答', '求助', '售后'],
    } -%}
    {%- if name not in defaults -%}
        {{ exceptions.raise_compiler_error("question_words: unknown var " ~ name ~ "; expected one of " ~ (defaults.keys() | list | join(', '))) }}
    {%- endif -%}
    {%- set words = var(name, defaults[name]) -%}
    {%- if words is none -%}{%- set words = [] -%}{%- endif -%}
    {%- if words is string -%}{%- set words = words.split(',') -%}{%- endif -%}
    {{ return(words | map('string') | map('trim') | map('lower') | reject('equalto', '') | list) }}
{%- endmacro %}


{% macro matches_question_word(expr, name) -%}
    {%- set words = question_words(name) -%}
    {%- if words | length == 0 -%}
        false
    {%- else -%}
        coalesce(
            {%- for word in words %}
                {%- if word.isascii() %}
                    {%- set part = '-' ~ (word | replace('_', '-') | replace(' ', '-')) ~ '-' %}
            position('{{ dbt.escape_single_quotes(part) }}' in ('-' || replace(replace(lower(trim({{ expr }})), '_', '-'), ' ', '-') || '-')) > 0
                {%- else %}
            position('{{ dbt.escape_single_quotes(word) }}' in lower({{ expr }})) > 0
                {%- endif %}
                {{- ' or' if not loop.last }}
            {%- endfor %},
            false
        )
    {%- endif -%}
{%- endmacro %}


{% macro is_question_flair(expr, name) -%}
    {%- set words = question_words(name) -%}
    {%- if words | length == 0 -%}
        false
    {%- else -%}
        coalesce(lower(trim({{ expr }})) in (
            {%- for word in words -%}'{{ dbt.escape_single_quotes(word) }}'{{ ', ' if not loop.last }}{%- endfor -%}
        ), false)
    {%- endif -%}
{%- endmacro %}


{% macro ends_with_question_mark(expr) -%}
    coalesce(right(trim({{ expr }}), 1) in ('?', '？'), false)
{%- endmacro %}


{% macro elapsed_microseconds(start_ts, end_ts) -%}
    {{ return(adapter.dispatch('elapsed_microseconds', 'community_pulse')(start_ts, end_ts)) }}
{%- endmacro %}

{% macro default__elapsed_microseconds(start_ts, end_ts) -%}
    {{ exceptions.raise_compiler_error("elapsed_microseconds: no implementation for adapter " ~ target.type) }}
{%- endmacro %}

{% macro duckdb__elapsed_microseconds(start_ts, end_ts) -%}
    (epoch_us({{ end_ts }}) - epoch_us({{ start_ts }}))
{%- endmacro %}

{#- extract(epoch ...) is an exact numeric from PostgreSQL 14 on -#}
{% macro postgres__elapsed_microseconds(start_ts, end_ts) -%}
    cast((extract(epoch from {{ end_ts }}) - extract(epoch from {{ start_ts }})) * 1000000 as bigint)
{%- endmacro %}


{#- Generic test: answered <=> a first response; the response is not before the question; the hours, the 24h flag
    and the response count agree. Returns the rows that break a rule. -#}
{% test first_response_consistent(model) %}

select *
from {{ model }}
where
    is_answered is null
    or is_answered_within_24h is null
    or is_answered <> (first_response_at is not null)
    or is_answered <> (first_response_hours is not null)
    or is_answered <> (first_response_key is not null)
    or is_answered <> (responder_is_staff is not null)
    or is_answered <> (response_count > 0)
    or first_response_at < created_at
    or first_response_hours < 0
    or is_answered_within_24h <> coalesce(first_response_hours <= 24, false)

{% endtest %}
