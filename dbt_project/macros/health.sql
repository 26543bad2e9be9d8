{#
    Kinds of activity the health marts count (models/intermediate/health, models/marts/health). Each macro takes
    an activity_type expression and returns a SQL condition.

        is_participation(t)  not presence (join, leave, follow, unfollow: engagement.sql passive_activity_types)
        is_contribution(t)   content the member wrote: CHAOSS contributors
        is_ugc(t)            user-generated showcase content: reviews (with photos: 晒单) and shares
        is_exit(t)           ends a membership: leave, unfollow
#}

{% macro health_contribution_types() -%}
    {{ return(['post', 'reply', 'comment', 'message', 'review', 'review_with_photos', 'share']) }}
{%- endmacro %}


{% macro is_participation(t) -%}
    ({{ t }} not in {{ sql_values(passive_activity_types()) }})
{%- endmacro %}


{% macro is_contribution(t) -%}
    ({{ t }} in {{ sql_values(health_contribution_types()) }})
{%- endmacro %}


{% macro is_ugc(t) -%}
    ({{ t }} in ('review', 'review_with_photos', 'share'))
{%- endmacro %}


{% macro is_exit(t) -%}
    ({{ t }} in ('leave', 'unfollow'))
{%- endmacro %}


{#- date -> the Monday of its ISO week (a date). -#}
{% macro week_start_of_date(d) -%}
    cast({{ dbt.date_trunc('week', 'cast(' ~ d ~ ' as timestamp)') }} as date)
{%- endmacro %}


{#- x clamped to [lo, hi]; null stays null (least/greatest skip nulls on both adapters). -#}
{% macro clamp(x, lo=0.0, hi=1.0) -%}
    (case
        when ({{ x }}) is null then null
        when ({{ x }}) < {{ lo }} then {{ lo }}
        when ({{ x }}) > {{ hi }} then {{ hi }}
        else ({{ x }})
    end)
{%- endmacro %}


{#- The weighted mean of the component scores `<relation>.score_<c>_raw` that are not null, over the weights of
    those components only; null when every component is null or weighs 0. -#}
{% macro health_score(components, weights, relation) -%}
    {%- set terms = [] -%}
    {%- set norms = [] -%}
    {%- for c in components -%}
        {%- set w = (weights[c] if c in weights else 0) | float -%}
        {%- set s = relation ~ '.score_' ~ c ~ '_raw' -%}
        {%- do terms.append('coalesce(' ~ w ~ ' * ' ~ s ~ ', 0)') -%}
        {%- do norms.append('case when ' ~ s ~ ' is not null then ' ~ w ~ ' else 0 end') -%}
    {%- endfor -%}
    (({{ terms | join(' + ') }}) / nullif({{ norms | join(' + ') }}, 0))
{%- endmacro %}


{#- The numeric columns of community_health_weekly that community_health_metrics compares week over week. -#}
{% macro health_metric_names() -%}
    {{ return([
        'members_total', 'new_members', 'left_members', 'active_members', 'mau', 'stickiness', 'engagement_rate',
        'contributors', 'new_contributors', 'inactive_contributors', 'newcomer_retention', 'casual_to_regular',
        'questions', 'answered_within_24h_share', 'first_response_median_hours', 'first_response_p90_hours',
        'feedback_posts', 'negative_feedback', 'negative_feedback_share', 'negative_resolve_median_hours',
        'ugc_count', 'absence_factor', 'gravity', 'weighted_activity', 'topics', 'posts', 'replies', 'orders',
        'buyers', 'revenue', 'campaigns_running', 'campaign_participants', 'points_issued', 'points_redeemed',
        'points_expired', 'tier_upgrades', 'tier_downgrades', 'health_score', 'score_activity', 'score_growth',
        'score_responsiveness', 'score_sentiment', 'score_retention',
    ]) }}
{%- endmacro %}


{#- A typed null for a column of community_health_weekly's fragments (Postgres cannot match an untyped null
    through a chain of unions). -#}
{% macro health_null(col) -%}
    {%- if col == 'first_currency' -%}
        cast(null as {{ dbt.type_string() }})
    {%- elif col.endswith('_hours') -%}
        cast(null as numeric(18, 6))
    {%- else -%}
        cast(null as numeric)
    {%- endif -%}
{%- endmacro %}


{#- percentile_cont(p) of `rel.hours` over a partition, in exact decimals (both adapters' percentile_cont
    interpolate in double precision, each its own way, and round differently). `rel` must carry
    hours (numeric, null for none), hours_order (row_number over the non-null hours of the partition, ascending),
    hours_count (non-null hours in the partition) and next_hours (lead(hours) in that order). Use in an aggregate
    grouped by the partition. -#}
{% macro exact_percentile(rel, p) -%}
    {%- set pos = '(1 + ' ~ p ~ ' * (' ~ rel ~ '.hours_count - 1))' -%}
    max(
        case
            when {{ rel }}.hours is not null and {{ rel }}.hours_order = floor({{ pos }})
                then {{ rel }}.hours
                + ({{ pos }} - {{ rel }}.hours_order) * (coalesce({{ rel }}.next_hours, {{ rel }}.hours) - {{ rel }}.hours)
        end
    )
{%- endmacro %}


{#- A CTE `name` over `rel` (with week_start, community, platform) adding what exact_percentile needs, of the
    numeric expression `hours_expr`. -#}
{% macro ranked_hours(name, rel, hours_expr) -%}
{{ name }} as (
    select
        {{ rel }}.*,
        {{ hours_expr }} as hours,
        row_number() over (
            partition by {{ rel }}.week_start, {{ rel }}.community, {{ rel }}.platform, ({{ hours_expr }}) is null
            order by {{ hours_expr }}
        ) as hours_order,
        count({{ hours_expr }}) over (
            partition by {{ rel }}.week_start, {{ rel }}.community, {{ rel }}.platform
        ) as hours_count,
        lead({{ hours_expr }}) over (
            partition by {{ rel }}.week_start, {{ rel }}.community, {{ rel }}.platform, ({{ hours_expr }}) is null
            order by {{ hours_expr }}
        ) as next_hours
    from {{ rel }}
)
{%- endmacro %}


{#- The four rollups every health fact counts in: its own community and platform, 'all' of either, and
    ('all', 'all'). Cross joined with the facts, whose community is null where no channel covers them. #}
{% macro health_rollup_keys() -%}
    select
        false as is_all_communities,
        false as is_all_platforms
    union all
    select
        false as is_all_communities,
        true as is_all_platforms
    union all
    select
        true as is_all_communities,
        false as is_all_platforms
    union all
    select
        true as is_all_communities,
        true as is_all_platforms
{%- endmacro %}


{#- The communities that take a whole source (a store, a subreddit, a Discord server, a Youzan shop): the channels
    mapped as `<source>:*`. One row per source and community; a source may map to several. -#}
{% macro health_source_communities(channels) -%}
    select
        {{ channels }}.source_name,
        {{ channels }}.community
    from {{ channels }}
    where {{ channels }}.channel_key = {{ channels }}.source_name || ':*'
{%- endmacro %}
