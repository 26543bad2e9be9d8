{#
    Engagement helpers (models/intermediate/engagement, models/marts/engagement).

    activity_weight(activity_type) -> SQL: the weight of an activity type, from the `activity_weights` var
        (pulse passes pulse.yml's rules.activity_weights over the defaults of pulse.config.ACTIVITY_WEIGHTS).
    activity_types() -> the activity types, in a stable order.
    review_channel(name_expr) -> SQL condition: a channel/category whose name or slug is in the
        `review_channels` var (晒单, show-and-tell, ...), compared lowercased.
#}

{% macro activity_types() -%}
    {{ return(var('activity_weights') | list | sort) }}
{%- endmacro %}


{% macro activity_weight(activity_type) -%}
    {%- set weights = var('activity_weights') -%}
    case {{ activity_type }}
        {%- for name in weights | list | sort %}
        when '{{ dbt.escape_single_quotes(name) }}' then cast({{ weights[name] | float }} as numeric(10, 2))
        {%- endfor %}
        else cast(0 as numeric(10, 2))
    end
{%- endmacro %}


{% macro review_channel(name_expr) -%}
    {%- set names = var('review_channels', []) | map('string') | map('lower') | list -%}
    {%- if names | length == 0 -%}
        false
    {%- else -%}
        coalesce(lower({{ name_expr }}) in (
            {%- for n in names -%}'{{ dbt.escape_single_quotes(n) }}'{{ ', ' if not loop.last }}{%- endfor -%}
        ), false)
    {%- endif -%}
{%- endmacro %}


{#- Activity types that show presence, not participation: they open a member's history (first seen) but make
    nobody active, a participant or reactivated. -#}
{% macro passive_activity_types() -%}
    {{ return(['join', 'leave', 'follow', 'unfollow']) }}
{%- endmacro %}
