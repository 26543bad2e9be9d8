{#-
    One row per A/B test and variant. The tests are pulse.yml's `experiments` (experiment_arms(): a campaign, its
    variants, the control among them); the CRM's audience export (fct_campaign_audience) says which variant each
    member got. A variant nobody got has 0 members (and 'not enough data'). Per variant, over the campaign's period: members, converters
    (members with a counted order of any store), orders, revenue in var('campaign_currency'); against the control:
      conversion  the difference of the conversion rates, its 95% CI (unpooled normal standard error) and the
                  two-proportion z-test (pooled standard error), two-sided;
      revenue     the difference of revenue per member, its 95% CI and Welch's t-test (t_quantile_975,
                  t_two_sided_p), two-sided.
    A verdict per metric at the 5% level - 'variant higher', 'variant lower', 'no significant difference' - or
    'not enough data' when the variant or its control has fewer than var('experiment_min_members') members or
    fewer than var('experiment_min_converters') converters; the control's row says 'control'.
-#}
{%- set currency = var('campaign_currency', 'CNY') %}
{%- set min_members = var('experiment_min_members', 100) | int %}
{%- set min_converters = var('experiment_min_converters', 10) | int %}
{%- set float = type_double() %}
{%- set z975 = 1.959963984540054 %}

with

campaigns as (
    select * from {{ ref('dim_campaigns') }}
),

audience as (
    select * from {{ ref('fct_campaign_audience') }}
),

arms as (
    {{ experiment_arms() }}
),

groups as (
    select
        audience.campaign_id,
        audience.audience_group,
        count(*) as members,
        sum(case when audience.orders_during > 0 then 1 else 0 end) as converters,
        sum(audience.orders_during) as orders,
        sum(audience.revenue_during) as revenue,
        avg(cast(audience.revenue_during as {{ float }})) as revenue_mean,
        var_samp(cast(audience.revenue_during as {{ float }})) as revenue_var
    from audience
    where not audience.is_holdout
    group by audience.campaign_id, audience.audience_group
),

ranked as (
    select
        arms.campaign_id,
        arms.variant,
        arms.variant_rank,
        coalesce(groups.members, 0) as members,
        coalesce(groups.converters, 0) as converters,
        coalesce(groups.orders, 0) as orders,
        coalesce(groups.revenue, 0) as revenue,
        groups.revenue_mean,
        groups.revenue_var,
        cast(groups.converters as {{ float }}) / groups.members as conversion_rate
    from arms
    left join groups on arms.campaign_id = groups.campaign_id and arms.variant = groups.audience_group
),

paired as (
    select
        ranked.*,
        control.variant as control_variant,
        control.members as control_members,
        nullif(ranked.members, 0) as n,
        nullif(control.members, 0) as control_n,
        control.converters as control_converters,
        control.conversion_rate as control_conversion_rate,
        control.revenue_mean as control_revenue_mean,
        control.revenue_var as control_revenue_var,
        cast(ranked.converters + control.converters as {{ float }})
        / nullif(ranked.members + control.members, 0) as pooled_rate
    from ranked
    inner join ranked as control on ranked.campaign_id = control.campaign_id and control.variant_rank = 1
),

tested as (
    select
        paired.*,
        paired.conversion_rate - paired.control_conversion_rate as conversion_diff,
        sqrt(
            paired.conversion_rate * (1 - paired.conversion_rate) / paired.n
            + paired.control_conversion_rate * (1 - paired.control_conversion_rate) / paired.control_n
        ) as conversion_se,
        sqrt(
            paired.pooled_rate * (1 - paired.pooled_rate) * (1.0 / paired.n + 1.0 / paired.control_n)
        ) as conversion_pooled_se,
        paired.revenue_mean - paired.control_revenue_mean as revenue_diff,
        {{ welch_se('paired.revenue_var', 'paired.n', 'paired.control_revenue_var', 'paired.control_n') }}
            as revenue_se,
        {{ welch_df('paired.revenue_var', 'paired.n', 'paired.control_revenue_var', 'paired.control_n') }}
            as revenue_df,
        paired.members < {{ min_members }}
        or paired.control_members < {{ min_members }}
        or paired.converters < {{ min_converters }}
        or paired.control_converters < {{ min_converters }} as is_too_small
    from paired
),

scored as (
    select
        tested.*,
        tested.conversion_diff / nullif(tested.conversion_pooled_se, 0) as conversion_z,
        tested.revenue_diff / nullif(tested.revenue_se, 0) as revenue_t,
        tested.conversion_diff - {{ z975 }} * tested.conversion_se as conversion_low,
        tested.conversion_diff + {{ z975 }} * tested.conversion_se as conversion_high,
        {{ t_quantile_975('tested.revenue_df') }} as revenue_t_quantile
    from tested
),

probabilities as (
    select
        scored.*,
        scored.revenue_diff - scored.revenue_t_quantile * scored.revenue_se as revenue_low,
        scored.revenue_diff + scored.revenue_t_quantile * scored.revenue_se as revenue_high,
        {{ normal_two_sided_p('scored.conversion_z') }} as conversion_p,
        {{ t_two_sided_p('scored.revenue_t', 'scored.revenue_df') }} as revenue_p
    from scored
),

versus_control as (
    select
        probabilities.campaign_id,
        probabilities.variant,
        probabilities.variant_rank,
        probabilities.control_variant,
        probabilities.members,
        probabilities.converters,
        probabilities.conversion_rate,
        probabilities.orders,
        probabilities.revenue,
        probabilities.revenue_mean,
        probabilities.is_too_small,
        case when probabilities.variant_rank > 1 then probabilities.conversion_diff end as conversion_diff,
        case when probabilities.variant_rank > 1 then probabilities.conversion_low end as conversion_low,
        case when probabilities.variant_rank > 1 then probabilities.conversion_high end as conversion_high,
        case when probabilities.variant_rank > 1 then probabilities.conversion_z end as conversion_z,
        case when probabilities.variant_rank > 1 then probabilities.conversion_p end as conversion_p,
        case when probabilities.variant_rank > 1 then probabilities.revenue_diff end as revenue_diff,
        case when probabilities.variant_rank > 1 then probabilities.revenue_low end as revenue_low,
        case when probabilities.variant_rank > 1 then probabilities.revenue_high end as revenue_high,
        case when probabilities.variant_rank > 1 then probabilities.revenue_t end as revenue_t,
        case when probabilities.variant_rank > 1 then probabilities.revenue_df end as revenue_df,
        case when probabilities.variant_rank > 1 then probabilities.revenue_p end as revenue_p
    from probabilities
),

final as (
    select
        versus_control.campaign_id || ':' || versus_control.variant as experiment_variant_key,
        versus_control.campaign_id,
        campaigns.campaign_name,
        versus_control.variant,
        versus_control.variant_rank = 1 as is_control,
        versus_control.control_variant,
        versus_control.members,
        versus_control.converters,
        {{ round_to('versus_control.conversion_rate', 4) }} as conversion_rate,
        versus_control.orders,
        {{ round_to('cast(versus_control.orders as ' ~ float ~ ') / nullif(versus_control.members, 0)', 4) }}
            as orders_per_member,
        '{{ currency }}' as currency,
        cast(versus_control.revenue as numeric(14, 2)) as revenue,
        {{ round_to('versus_control.revenue_mean', 2) }} as revenue_per_member,
        {{ round_to('versus_control.conversion_diff', 4) }} as conversion_rate_diff,
        {{ round_to('versus_control.conversion_low', 4) }} as conversion_rate_diff_ci_low,
        {{ round_to('versus_control.conversion_high', 4) }} as conversion_rate_diff_ci_high,
        {{ round_to('versus_control.conversion_z', 4) }} as conversion_z,
        {{ round_to('versus_control.conversion_p', 4) }} as conversion_p_value,
        {{ round_to('versus_control.revenue_diff', 2) }} as revenue_per_member_diff,
        {{ round_to('versus_control.revenue_low', 2) }} as revenue_per_member_diff_ci_low,
        {{ round_to('versus_control.revenue_high', 2) }} as revenue_per_member_diff_ci_high,
        {{ round_to('versus_control.revenue_t', 4) }} as revenue_t,
        {{ round_to('versus_control.revenue_df', 1) }} as revenue_df,
        {{ round_to('versus_control.revenue_p', 4) }} as revenue_p_value,
        case
            when versus_control.variant_rank = 1 then 'control'
            when versus_control.is_too_small then 'not enough data'
            when versus_control.conversion_p < 0.05 and versus_control.conversion_diff > 0 then 'variant higher'
            when versus_control.conversion_p < 0.05 and versus_control.conversion_diff < 0 then 'variant lower'
            else 'no significant difference'
        end as conversion_verdict,
        case
            when versus_control.variant_rank = 1 then 'control'
            when versus_control.is_too_small then 'not enough data'
            when versus_control.revenue_p < 0.05 and versus_control.revenue_diff > 0 then 'variant higher'
            when versus_control.revenue_p < 0.05 and versus_control.revenue_diff < 0 then 'variant lower'
            else 'no significant difference'
        end as revenue_verdict
    from versus_control
    inner join campaigns on versus_control.campaign_id = campaigns.campaign_id
)

select * from final
