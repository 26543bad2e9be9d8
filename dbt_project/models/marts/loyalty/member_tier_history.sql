{#
    Each member's loyalty tier over time: one row per member per tier period [valid_from, valid_to) - valid_to is
    the next period's valid_from, null for the current one. Tiers and policy from the loyalty_tiers and
    tier_policy vars (pulse.yml rules.tiers, rules.tier_policy).

    Rules, on the days of int_tiers_qualified (the member qualifies for the highest tier any of whose thresholds
    their window spend, points or engagement meets):
      - a member starts in the tier they qualify for on their first day with an order, an activity or a points
        movement (the base tier unless that day already qualifies them higher): change `initial`;
      - upgrades are immediate: the day they qualify for a higher tier, they hold it (`upgrade`);
      - downgrades wait for a review date (the start of each month, quarter or year - review_every - in the
        business calendar): a member's tier on day t is the highest tier they qualified for between the latest
        review date on or before t and t, so at a review date the tier falls to what they qualify for then
        (`downgrade`, always dated on a review date) and a lapse between reviews keeps the tier.
#}
with

qualified as (
    select * from {{ ref('int_tiers_qualified') }}
),

held as (
    select
        qualified.*,
        max(qualified.qualified_rank) over (
            partition by qualified.member_id, {{ tier_review_start('qualified.qualified_on') }}
            order by qualified.qualified_on
            rows between unbounded preceding and current row
        ) as tier_rank
    from qualified
),

compared as (
    select
        held.*,
        lag(held.tier_rank) over (partition by held.member_id order by held.qualified_on) as previous_rank
    from held
),

periods as (
    select compared.*
    from compared
    where compared.previous_rank is null or compared.previous_rank != compared.tier_rank
),

final as (
    select
        periods.member_id,
        {{ tier_name('periods.tier_rank') }} as tier,
        periods.tier_rank,
        periods.qualified_on as valid_from,
        lead(periods.qualified_on) over (partition by periods.member_id order by periods.qualified_on) as valid_to,
        case
            when periods.previous_rank is null then 'initial'
            when periods.tier_rank > periods.previous_rank then 'upgrade'
            else 'downgrade'
        end as change,  -- noqa: RF04
        periods.window_spend,
        periods.window_points,
        periods.window_engagement,
        lead(periods.qualified_on) over (partition by periods.member_id order by periods.qualified_on) is null
            as is_current
    from periods
)

select * from final
