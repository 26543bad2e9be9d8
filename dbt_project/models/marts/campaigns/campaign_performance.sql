{#-
    One row per campaign: what it reached, what was attributed to it, and what it changed.
      participation  participants: members with a participation touch (coupon_used, utm_click, event_attended)
                     during the period who are not in its holdout; new_members: those of them first seen (their
                     earliest account, dim_members.first_seen_at) during the period; participant_buyers: those
                     with a counted order attributed to the campaign (fct_campaign_orders).
      attribution    counted attributed orders (any currency) and their revenue in var('campaign_currency')
                     (default CNY, the calendar's currency); AOV, ROI = (revenue - cost) / cost, cost per new
                     member and per buyer.
      uplift         the audience (fct_campaign_audience: every group but the holdout is the treatment) against
                     a control, on counted orders of any store during the period:
                       holdout     the campaign's holdout over the same period: Welch's t on orders and revenue
                                   per member (unequal variances);
                       pre-period  no holdout: the same members over the period of the same length right before
                                   the campaign, a paired t on each member's change (needs orders that far back).
                     incremental = (treatment mean - control mean) x treatment members, 95% CI = (difference
                     +- t(0.975, df) x standard error) x treatment members; t from t_quantile_975 (a table to
                     df 30, Cornish-Fisher above; Welch-Satterthwaite df, or members - 1 when paired).
      year on year   every store's counted sales in the campaign currency during the period and during the same
                     dates a year before; null (and yoy_note says why) when the orders do not reach back that far.
-#}
{%- set currency = var('campaign_currency', 'CNY') %}
{%- set float = type_double() %}
{%- set year_before = dbt.dateadd('year', -1, 'campaigns.start_at') %}
{#- the ratios final rounds -#}
{%- set buyer_share = 'cast(participation.participant_buyers as ' ~ float ~ ')'
    ~ ' / nullif(participation.participants, 0)' %}
{%- set roi = '(coalesce(attribution.attributed_revenue, 0) - campaigns.campaign_cost)'
    ~ ' / nullif(campaigns.campaign_cost, 0)' %}
{%- set treatment_rate = 'cast(comparisons.treatment_converters as ' ~ float ~ ') / comparisons.treatment_members' %}
{%- set control_rate = 'cast(intervals.control_converters as ' ~ float ~ ') / intervals.control_members' %}
{%- set incremental_roi = '(intervals.incremental_revenue - campaigns.campaign_cost)'
    ~ ' / nullif(campaigns.campaign_cost, 0)' %}
{%- set yoy_change = 'coalesce(store_sales.store_sales, 0) / nullif(store_sales.store_sales_last_year, 0) - 1' %}

with

campaigns as (
    select * from {{ ref('dim_campaigns') }}
),

touches as (
    select * from {{ ref('fct_campaign_touches') }}
),

campaign_orders as (
    select * from {{ ref('fct_campaign_orders') }}
),

audience as (
    select * from {{ ref('fct_campaign_audience') }}
),

members as (
    select * from {{ ref('dim_members') }}
),

orders as (
    select * from {{ ref('int_orders_unified') }}
),

holdouts as (
    select distinct
        touches.campaign_id,
        touches.member_id
    from touches
    where touches.touch_type = 'holdout'
),

participants as (
    select distinct
        touches.campaign_id,
        touches.member_id
    from touches
    left join holdouts
        on touches.campaign_id = holdouts.campaign_id and touches.member_id = holdouts.member_id
    where touches.is_participation and touches.touches_during_campaign > 0 and holdouts.member_id is null
),

buyers as (
    select distinct
        campaign_orders.campaign_id,
        campaign_orders.member_id
    from campaign_orders
    where campaign_orders.is_counted and campaign_orders.member_id is not null
),

participation as (
    select
        participants.campaign_id,
        count(*) as participants,
        sum(
            case
                when members.first_seen_at >= campaigns.start_at and members.first_seen_at < campaigns.end_at then 1
                else 0
            end
        ) as new_members,
        sum(case when buyers.member_id is not null then 1 else 0 end) as participant_buyers
    from participants
    inner join campaigns on participants.campaign_id = campaigns.campaign_id
    left join members on participants.member_id = members.member_id
    left join buyers
        on participants.campaign_id = buyers.campaign_id and participants.member_id = buyers.member_id
    group by participants.campaign_id
),

attribution as (
    select
        campaign_orders.campaign_id,
        sum(case when campaign_orders.is_counted then 1 else 0 end) as attributed_orders,
        sum(
            case when campaign_orders.is_counted and campaign_orders.currency = '{{ currency }}' then 1 else 0 end
        ) as attributed_currency_orders,
        sum(
            case
                when campaign_orders.is_counted and campaign_orders.currency = '{{ currency }}'
                    then campaign_orders.net_amount
                else 0
            end
        ) as attributed_revenue
    from campaign_orders
    group by campaign_orders.campaign_id
),

audience_groups as (
    select
        audience.campaign_id,
        audience.is_holdout,
        count(*) as members,
        sum(case when audience.orders_during > 0 then 1 else 0 end) as converters,
        sum(case when audience.orders_before > 0 then 1 else 0 end) as converters_before,
        avg(cast(audience.orders_during as {{ float }})) as orders_mean,
        var_samp(cast(audience.orders_during as {{ float }})) as orders_var,
        avg(cast(audience.revenue_during as {{ float }})) as revenue_mean,
        var_samp(cast(audience.revenue_during as {{ float }})) as revenue_var,
        avg(cast(audience.orders_before as {{ float }})) as orders_before_mean,
        avg(cast(audience.revenue_before as {{ float }})) as revenue_before_mean,
        var_samp(cast(audience.orders_during - audience.orders_before as {{ float }})) as orders_change_var,
        var_samp(cast(audience.revenue_during - audience.revenue_before as {{ float }})) as revenue_change_var
    from audience
    group by audience.campaign_id, audience.is_holdout
),

data_start as (
    select min(orders.ordered_at) as first_order_at
    from orders
    where orders.is_counted
),

comparisons as (
    select
        campaigns.campaign_id,
        treatment.members as treatment_members,
        treatment.converters as treatment_converters,
        treatment.orders_mean as treatment_orders_mean,
        treatment.revenue_mean as treatment_revenue_mean,
        holdout.members as holdout_members,
        case
            when treatment.members is null and holdout.members is null then 'none: no audience'
            when coalesce(treatment.members, 0) < 2 or coalesce(holdout.members, 2) < 2
                then 'none: fewer than 2 members in a group'
            when holdout.members is not null then 'holdout: Welch t on orders and revenue per member'
            when data_start.first_order_at > campaigns.start_at - (campaigns.end_at - campaigns.start_at)
                then 'none: no holdout, and the orders do not reach back over the pre-period'
            else 'pre-period baseline: paired t on the change per member'
        end as uplift_method,
        coalesce(holdout.members, treatment.members) as control_members,
        case
            when holdout.members is not null then holdout.converters else treatment.converters_before
        end as control_converters,
        case
            when holdout.members is not null then holdout.orders_mean else treatment.orders_before_mean
        end as control_orders_mean,
        case
            when holdout.members is not null then holdout.revenue_mean else treatment.revenue_before_mean
        end as control_revenue_mean,
        case
            when holdout.members is not null
                then {{ welch_se(
                    'treatment.orders_var', 'treatment.members', 'holdout.orders_var', 'holdout.members'
                ) }}
            else sqrt(treatment.orders_change_var / treatment.members)
        end as orders_se,
        case
            when holdout.members is not null
                then {{ welch_df(
                    'treatment.orders_var', 'treatment.members', 'holdout.orders_var', 'holdout.members'
                ) }}
            else treatment.members - 1
        end as orders_df,
        case
            when holdout.members is not null
                then {{ welch_se(
                    'treatment.revenue_var', 'treatment.members', 'holdout.revenue_var', 'holdout.members'
                ) }}
            else sqrt(treatment.revenue_change_var / treatment.members)
        end as revenue_se,
        case
            when holdout.members is not null
                then {{ welch_df(
                    'treatment.revenue_var', 'treatment.members', 'holdout.revenue_var', 'holdout.members'
                ) }}
            else treatment.members - 1
        end as revenue_df
    from campaigns
    cross join data_start
    left join audience_groups as treatment
        on campaigns.campaign_id = treatment.campaign_id and not treatment.is_holdout
    left join audience_groups as holdout
        on campaigns.campaign_id = holdout.campaign_id and holdout.is_holdout
),

estimates as (
    select
        comparisons.*,
        comparisons.treatment_orders_mean - comparisons.control_orders_mean as orders_diff,
        comparisons.treatment_revenue_mean - comparisons.control_revenue_mean as revenue_diff,
        {{ t_quantile_975('comparisons.orders_df') }} as orders_t_quantile,
        {{ t_quantile_975('comparisons.revenue_df') }} as revenue_t_quantile
    from comparisons
    where comparisons.uplift_method not like 'none%'
),

intervals as (
    select
        estimates.campaign_id,
        estimates.control_members,
        estimates.control_converters,
        estimates.control_orders_mean,
        estimates.control_revenue_mean,
        estimates.revenue_df,
        estimates.treatment_orders_mean / nullif(estimates.control_orders_mean, 0) as lift_ratio,
        estimates.orders_diff * estimates.treatment_members as incremental_orders,
        (estimates.orders_diff - estimates.orders_t_quantile * estimates.orders_se)
        * estimates.treatment_members as incremental_orders_low,
        (estimates.orders_diff + estimates.orders_t_quantile * estimates.orders_se)
        * estimates.treatment_members as incremental_orders_high,
        estimates.revenue_diff * estimates.treatment_members as incremental_revenue,
        (estimates.revenue_diff - estimates.revenue_t_quantile * estimates.revenue_se)
        * estimates.treatment_members as incremental_revenue_low,
        (estimates.revenue_diff + estimates.revenue_t_quantile * estimates.revenue_se)
        * estimates.treatment_members as incremental_revenue_high
    from estimates
),

store_sales as (
    select
        campaigns.campaign_id,
        sum(
            case when orders.ordered_at >= campaigns.start_at then orders.net_amount else 0 end
        ) as store_sales,
        sum(
            case
                when orders.ordered_at < {{ dbt.dateadd('year', -1, 'campaigns.end_at') }} then orders.net_amount
                else 0
            end
        ) as store_sales_last_year
    from campaigns
    inner join orders
        on
            {{ year_before }} <= orders.ordered_at
            and campaigns.end_at > orders.ordered_at
            and (
                campaigns.start_at <= orders.ordered_at
                or {{ dbt.dateadd('year', -1, 'campaigns.end_at') }} > orders.ordered_at
            )
    where orders.is_counted and orders.currency = '{{ currency }}'
    group by campaigns.campaign_id
),

final as (
    select
        campaigns.campaign_id,
        campaigns.campaign_name,
        campaigns.community,
        campaigns.channel,
        campaigns.start_at,
        campaigns.end_at,
        '{{ currency }}' as currency,
        campaigns.campaign_cost,
        coalesce(participation.participants, 0) as participants,
        coalesce(participation.new_members, 0) as new_members,
        coalesce(participation.participant_buyers, 0) as participant_buyers,
        {{ round_to(buyer_share, 4) }} as participant_conversion_rate,
        coalesce(attribution.attributed_orders, 0) as attributed_orders,
        cast(coalesce(attribution.attributed_revenue, 0) as numeric(14, 2)) as attributed_revenue,
        coalesce(attribution.attributed_orders, 0) - coalesce(attribution.attributed_currency_orders, 0)
            as attributed_orders_other_currency,
        cast(
            attribution.attributed_revenue / nullif(attribution.attributed_currency_orders, 0) as numeric(14, 2)
        ) as average_order_value,
        {{ round_to(roi, 4) }} as roi,
        cast(campaigns.campaign_cost / nullif(participation.new_members, 0) as numeric(14, 2))
            as cost_per_acquisition,
        cast(campaigns.campaign_cost / nullif(participation.participant_buyers, 0) as numeric(14, 2))
            as cost_per_buyer,
        comparisons.uplift_method,
        coalesce(comparisons.treatment_members, 0) as treatment_members,
        comparisons.holdout_members,
        {{ round_to(treatment_rate, 4) }} as treatment_conversion_rate,
        {{ round_to(control_rate, 4) }} as control_conversion_rate,
        {{ round_to('comparisons.treatment_orders_mean', 4) }} as treatment_orders_per_member,
        {{ round_to('intervals.control_orders_mean', 4) }} as control_orders_per_member,
        {{ round_to('comparisons.treatment_revenue_mean', 2) }} as treatment_revenue_per_member,
        {{ round_to('intervals.control_revenue_mean', 2) }} as control_revenue_per_member,
        {{ round_to('intervals.lift_ratio', 4) }} as lift_ratio,
        {{ round_to('intervals.incremental_orders', 2) }} as incremental_orders,
        {{ round_to('intervals.incremental_orders_low', 2) }} as incremental_orders_ci_low,
        {{ round_to('intervals.incremental_orders_high', 2) }} as incremental_orders_ci_high,
        {{ round_to('intervals.incremental_revenue', 2) }} as incremental_revenue,
        {{ round_to('intervals.incremental_revenue_low', 2) }} as incremental_revenue_ci_low,
        {{ round_to('intervals.incremental_revenue_high', 2) }} as incremental_revenue_ci_high,
        {{ round_to('intervals.revenue_df', 1) }} as revenue_df,
        {{ round_to(incremental_roi, 4) }} as incremental_roi,
        cast(coalesce(store_sales.store_sales, 0) as numeric(14, 2)) as store_sales,
        cast(
            case
                when data_start.first_order_at <= {{ year_before }}
                    then coalesce(store_sales.store_sales_last_year, 0)
            end as numeric(14, 2)
        ) as store_sales_last_year,
        {{ round_to('case when data_start.first_order_at <= ' ~ year_before ~ ' then ' ~ yoy_change ~ ' end', 4) }}
            as store_sales_yoy_change,
        case
            when data_start.first_order_at is null then 'no orders'
            when data_start.first_order_at > {{ year_before }}
                then 'no data a year before: the first order is later than the same period last year'
            when coalesce(store_sales.store_sales_last_year, 0) = 0 then 'no sales in the same period last year'
        end as yoy_note
    from campaigns
    cross join data_start
    left join participation on campaigns.campaign_id = participation.campaign_id
    left join attribution on campaigns.campaign_id = attribution.campaign_id
    left join comparisons on campaigns.campaign_id = comparisons.campaign_id
    left join intervals on campaigns.campaign_id = intervals.campaign_id
    left join store_sales on campaigns.campaign_id = store_sales.campaign_id
)

select * from final
