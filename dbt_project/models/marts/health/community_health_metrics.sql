{#
    community_health_weekly in long form: one row per week, community, platform and numeric metric, with the
    week-over-week change, the trailing 4-week baseline, and a robust anomaly flag (median and MAD of the up to 12
    weeks before; var health.anomaly_threshold, health.anomaly_min_weeks). Definitions in _health__models.yml.

    The trailing statistics come from each value emitted to the 12 weeks after it and medians taken by
    row_number over those at most 12 rows (Postgres has no ordered-set window aggregates); the row's own value
    joins them through one aggregate over a union, not a join.
#}
{%- set health = var('health') %}
{%- set threshold = health['anomaly_threshold'] | float %}
{%- set min_weeks = health['anomaly_min_weeks'] | int %}
{%- set float = type_double() %}
{#- exact decimals for the medians and means, so that both adapters round alike -#}
{%- set exact = 'numeric(28, 6)' %}
{%- set metrics = health_metric_names() %}

with

weekly as (
    select * from {{ ref('community_health_weekly') }}
),

metric_names as (
    {%- for m in metrics %}
        select '{{ m }}' as metric{{ ' union all' if not loop.last }}
    {%- endfor %}
),

metric_rows as (
    select
        weekly.week_start,
        weekly.week,
        weekly.community,
        weekly.platform,
        metric_names.metric,
        case metric_names.metric
            {%- for m in metrics %}
                when '{{ m }}' then cast(weekly.{{ m }} as {{ exact }})
            {%- endfor %}
        end as metric_value
    from weekly
    cross join metric_names
),

-- a metric a (community, platform) never has (campaigns of a platform row) gets no rows
present as (
    select
        metric_rows.*,
        count(metric_rows.metric_value)
            over (partition by metric_rows.community, metric_rows.platform, metric_rows.metric)
            as values_count
    from metric_rows
),

compared as (
    select
        present.week_start,
        present.week,
        present.community,
        present.platform,
        present.metric,
        present.metric_value,
        lag(present.metric_value) over (
            partition by present.community, present.platform, present.metric order by present.week_start
        ) as previous_value,
        case
            when count(present.metric_value) over (
                    partition by present.community, present.platform, present.metric
                    order by present.week_start
                    rows between 4 preceding and 1 preceding
                ) = 4
                then 0.25 * sum(present.metric_value) over (
                        partition by present.community, present.platform, present.metric
                        order by present.week_start
                        rows between 4 preceding and 1 preceding
                    )
        end as baseline_4w
    from present
    where present.values_count > 0
),

offsets as (
    {%- for k in range(1, 13) %}
        select {{ k }} as k{{ ' union all' if not loop.last }}
    {%- endfor %}
),

-- every value, once for each of the 12 weeks that look back on it
lookback as (
    select
        compared.community,
        compared.platform,
        compared.metric,
        cast({{ dbt.dateadd('day', '7 * offsets.k', 'compared.week_start') }} as date) as week_start,
        compared.metric_value
    from compared
    cross join offsets
    where compared.metric_value is not null
),

lookback_ranked as (
    select
        lookback.*,
        count(*) over (
            partition by lookback.community, lookback.platform, lookback.metric, lookback.week_start
        ) as history_weeks,
        row_number() over (
            partition by lookback.community, lookback.platform, lookback.metric, lookback.week_start
            order by lookback.metric_value
        ) as value_order
    from lookback
),

lookback_median as (
    select
        lookback_ranked.*,
        (case when lookback_ranked.history_weeks % 2 = 1 then 1.0 else 0.5 end) * sum(
            case
                when
                    lookback_ranked.value_order
                    * 2 in (
                        lookback_ranked.history_weeks,
                        lookback_ranked.history_weeks + 1,
                        lookback_ranked.history_weeks + 2
                    )
                    then lookback_ranked.metric_value
            end
        ) over (
            partition by
                lookback_ranked.community, lookback_ranked.platform, lookback_ranked.metric, lookback_ranked.week_start
        ) as baseline_median
    from lookback_ranked
),

deviations as (
    select
        lookback_median.*,
        abs(lookback_median.metric_value - lookback_median.baseline_median) as deviation,
        row_number() over (
            partition by
                lookback_median.community, lookback_median.platform, lookback_median.metric, lookback_median.week_start
            order by abs(lookback_median.metric_value - lookback_median.baseline_median)
        ) as deviation_order
    from lookback_median
),

lookback_stats as (
    select
        deviations.community,
        deviations.platform,
        deviations.metric,
        deviations.week_start,
        max(deviations.history_weeks) as history_weeks,
        max(deviations.baseline_median) as baseline_median,
        max(case when deviations.history_weeks % 2 = 1 then 1.0 else 0.5 end) * sum(
            case
                when
                    deviations.deviation_order
                    * 2 in (deviations.history_weeks, deviations.history_weeks + 1, deviations.history_weeks + 2)
                    then deviations.deviation
            end
        ) as mad,
        sum(deviations.deviation) as sum_absolute_deviation
    from deviations
    group by deviations.community, deviations.platform, deviations.metric, deviations.week_start
),

unioned as (
    select
        compared.week_start,
        compared.week,
        compared.community,
        compared.platform,
        compared.metric,
        compared.metric_value,
        compared.previous_value,
        compared.baseline_4w,
        cast(null as {{ exact }}) as baseline_median,
        cast(null as {{ exact }}) as mad,
        cast(null as {{ exact }}) as sum_absolute_deviation,
        0 as history_weeks,
        1 as is_week
    from compared

    union all

    select
        lookback_stats.week_start,
        null as week,  -- noqa: RF04
        lookback_stats.community,
        lookback_stats.platform,
        lookback_stats.metric,
        null as metric_value,
        null as previous_value,
        null as baseline_4w,
        lookback_stats.baseline_median,
        lookback_stats.mad,
        lookback_stats.sum_absolute_deviation,
        lookback_stats.history_weeks,
        0 as is_week
    from lookback_stats
),

combined as (
    select
        unioned.week_start,
        max(unioned.week) as week,  -- noqa: RF04
        unioned.community,
        unioned.platform,
        unioned.metric,
        max(unioned.metric_value) as metric_value,
        max(unioned.previous_value) as previous_value,
        max(unioned.baseline_4w) as baseline_4w,
        max(unioned.baseline_median) as baseline_median,
        max(unioned.mad) as mad,
        max(unioned.sum_absolute_deviation) as sum_absolute_deviation,
        max(unioned.history_weeks) as history_weeks
    from unioned
    group by unioned.week_start, unioned.community, unioned.platform, unioned.metric
    having max(unioned.is_week) = 1
),

scored as (
    select
        combined.*,
        case
            when combined.metric_value is null or combined.history_weeks < {{ min_weeks }} then null
            when combined.mad > 0
                then
                    cast(0.6745 * (combined.metric_value - combined.baseline_median) as {{ float }})
                    / cast(combined.mad as {{ float }})
            when combined.sum_absolute_deviation > 0
                then
                    cast((combined.metric_value - combined.baseline_median) * combined.history_weeks as {{ float }})
                    / cast(1.253314 * combined.sum_absolute_deviation as {{ float }})
        end as robust_z_raw
    from combined
),

final as (
    select
        scored.week_start,
        scored.week,
        scored.community,
        scored.platform,
        scored.metric,
        {{ round_to('scored.metric_value', 4) }} as value,  -- noqa: RF04
        {{ round_to('scored.previous_value', 4) }} as previous_value,
        {{ round_to('scored.metric_value - scored.previous_value', 4) }} as wow_change,
        {{ round_to(
            'cast(scored.metric_value - scored.previous_value as ' ~ float ~ ')'
            ~ ' / cast(nullif(abs(scored.previous_value), 0) as ' ~ float ~ ')', 4) }}
            as wow_change_pct,
        {{ round_to('scored.baseline_4w', 4) }} as baseline_4w,
        {{ round_to(
            'cast(scored.metric_value - scored.baseline_4w as ' ~ float ~ ')'
            ~ ' / cast(nullif(abs(scored.baseline_4w), 0) as ' ~ float ~ ')', 4) }}
            as vs_baseline_pct,
        case when scored.history_weeks > 0 then scored.history_weeks else 0 end as history_weeks,
        {{ round_to('scored.baseline_median', 4) }} as baseline_median,
        {{ round_to('scored.mad', 4) }} as mad,
        {{ round_to('scored.robust_z_raw', 4) }} as robust_z,
        coalesce(abs(scored.robust_z_raw) > {{ threshold }}, false) as is_anomaly,
        case
            when scored.robust_z_raw > {{ threshold }} then 'burst'
            when scored.robust_z_raw < -{{ threshold }} then 'drop'
        end as anomaly_direction,
        cast({{ threshold }} as numeric(6, 2)) as threshold
    from scored
)

select * from final
