{#
    Weekly community health: one row per ISO week (Monday to Sunday, business time zone), community and platform
    - each community of raw._channels and 'all' (everything, also what no community covers; distinct counts), each
    platform with data and 'all' - for every week from the first week with community participation or a counted
    order to the last week with any data, zero-filled. Every definition is in _health__models.yml.

    Built as one aggregate over a union of per-metric fragments, each already at (week_start, community,
    platform) grain, then window functions over the contiguous weeks: no join of two aggregates (Postgres, without
    statistics on CTEs, would join them by nested loop; see fct_campaign_audience). The largest families come
    already at that grain from their own models (int_health__member_window_weeks, __order_weeks, __feedback_weeks,
    __points_weeks): as CTEs of this one query they ran out of a 4 GB memory_limit together at L (1 M members).
    MAU and the casual members of w-7..w-4 arrive as weekly changes and are summed over the weeks in `windowed`.
#}
{%- set health = var('health') %}
{%- set weights = health['weights'] %}
{%- set components = ['activity', 'growth', 'responsiveness', 'sentiment', 'retention'] %}
{%- set float = type_double() %}
{%- set fragments = {
    'spine': ['is_spine'],
    'member_metrics': ['active_members', 'contributors', 'new_members', 'new_contributors', 'left_members',
                       'ugc_count', 'weighted_activity'],
    'membership_changes': ['membership_change'],
    'window_deltas': ['mau_delta', 'casual_pool_delta'],
    'window_counts': ['heavy_before', 'casual_converted', 'newcomers_before', 'newcomers_retained'],
    'inactive_metrics': ['inactive_contributors'],
    'absence_metrics': ['absence_factor'],
    'content_metrics': ['topics', 'posts', 'replies'],
    'question_metrics': ['questions', 'answered_within_24h', 'first_response_median_hours',
                         'first_response_p90_hours'],
    'feedback_weeks': ['feedback_posts', 'negative_feedback'],
    'resolution_metrics': ['negative_resolve_median_hours'],
    'order_weeks': ['orders', 'buyers', 'revenue_sum', 'currencies', 'first_currency'],
    'campaign_metrics': ['campaigns_running'],
    'participant_metrics': ['campaign_participants'],
    'points_weeks': ['points_issued', 'points_redeemed', 'points_expired'],
    'tier_metrics': ['tier_upgrades', 'tier_downgrades'],
} %}
{%- set columns = [] %}
{%- for cols in fragments.values() %}{% do columns.extend(cols) %}{% endfor %}

with

member_weeks as (
    select * from {{ ref('int_health__member_weeks') }}
),

window_weeks as (
    select * from {{ ref('int_health__member_window_weeks') }}
),

order_weeks as (
    select * from {{ ref('int_health__order_weeks') }}
),

feedback_weeks as (
    select * from {{ ref('int_health__feedback_weeks') }}
),

points_weeks as (
    select * from {{ ref('int_health__points_weeks') }}
),

events as (
    select * from {{ ref('fct_engagement_events') }}
),

questions as (
    select * from {{ ref('fct_questions') }}
),

negative_feedback as (
    select * from {{ ref('fct_feedback') }}
),

campaigns as (
    select * from {{ ref('dim_campaigns') }}
),

campaign_touches as (
    select * from {{ ref('int_campaign_touches_unioned') }}
),

tier_history as (
    select * from {{ ref('member_tier_history') }}
),

configured as (
    select * from {{ source('raw', '_channels') }}
),

-- each fact counts in its own community and platform, in 'all' of either, and in ('all', 'all')
rollup_keys as (
    {{ health_rollup_keys() }}
),

-- the weeks: first week with participation or a counted order (else with any data) to the last week with data ----

week_candidates as (
    select
        min(member_weeks.week_start) as first_week,
        max(member_weeks.week_start) as last_week,
        0 as is_fallback
    from member_weeks
    where member_weeks.activities > 0

    union all

    select
        min(order_weeks.week_start) as first_week,
        max(order_weeks.week_start) as last_week,
        0 as is_fallback
    from order_weeks

    union all

    select
        min(member_weeks.week_start) as first_week,
        max(member_weeks.week_start) as last_week,
        1 as is_fallback
    from member_weeks
),

week_bounds as (
    select
        coalesce(
            min(case when week_candidates.is_fallback = 0 then week_candidates.first_week end),
            min(week_candidates.first_week)
        ) as first_week,
        max(week_candidates.last_week) as last_week
    from week_candidates
),

weeks as (
    select cast(week_spine.week_ts as date) as week_start
    from week_bounds
    cross join {{ week_series('week_bounds.first_week', 'week_bounds.last_week') }} as week_spine (week_ts)
    where week_bounds.first_week is not null
),

-- questions (CHAOSS time to first response: bots and the asker excluded in fct_questions), not asked by staff ----

question_rollups as (
    select
        cast(questions.created_week as date) as week_start,
        case when rollup_keys.is_all_communities then 'all' else questions.community end as community,
        case when rollup_keys.is_all_platforms then 'all' else questions.platform end as platform,
        questions.question_key,
        questions.first_response_hours,
        questions.is_answered_within_24h
    from questions
    cross join rollup_keys
    where
        not questions.asker_is_staff
        and (rollup_keys.is_all_communities or questions.community is not null)
),

resolution_rollups as (
    select distinct
        cast(negative_feedback.created_week as date) as week_start,
        case when rollup_keys.is_all_communities then 'all' else negative_feedback.community end as community,
        case when rollup_keys.is_all_platforms then 'all' else negative_feedback.platform end as platform,
        negative_feedback.item_key,
        negative_feedback.resolution_hours
    from negative_feedback
    cross join rollup_keys
    where
        negative_feedback.resolution_hours is not null
        and (rollup_keys.is_all_communities or negative_feedback.community is not null)
),

-- content volume: topics, posts, replies of anyone but bots (staff content counts), member or not ---------------

content_rollups as (
    select
        events.week_start,
        case when rollup_keys.is_all_communities then 'all' else events.community end as community,
        case when rollup_keys.is_all_platforms then 'all' else events.platform end as platform,
        events.activity_type
    from events
    cross join rollup_keys
    where
        not events.is_bot
        and events.activity_type in ('post', 'review', 'review_with_photos', 'reply', 'comment', 'message')
        and (rollup_keys.is_all_communities or events.community is not null)
),

-- the (community, platform) pairs: every pair with data, and 'all' for every configured community -----------------

pairs as (
    select distinct
        member_weeks.community,
        member_weeks.platform
    from member_weeks

    union

    select distinct
        order_weeks.community,
        order_weeks.platform
    from order_weeks

    union

    select distinct
        question_rollups.community,
        question_rollups.platform
    from question_rollups

    union

    select distinct
        feedback_weeks.community,
        feedback_weeks.platform
    from feedback_weeks

    union

    select distinct
        configured.community,
        'all' as platform
    from configured
    where configured.community is not null

    union

    select
        'all' as community,
        'all' as platform
),

-- fragments, each at (week_start, community, platform) ---------------------------------------------------------

spine as (
    select
        weeks.week_start,
        pairs.community,
        pairs.platform,
        1 as is_spine
    from weeks
    cross join pairs
),

member_metrics as (
    select
        member_weeks.week_start,
        member_weeks.community,
        member_weeks.platform,
        sum(case when member_weeks.activities > 0 then 1 else 0 end) as active_members,
        sum(case when member_weeks.contributions > 0 then 1 else 0 end) as contributors,
        sum(case when member_weeks.week_start = member_weeks.first_week then 1 else 0 end) as new_members,
        sum(case when member_weeks.week_start = member_weeks.first_contribution_week then 1 else 0 end)
            as new_contributors,
        sum(case when member_weeks.state_delta < 0 then 1 else 0 end) as left_members,
        sum(member_weeks.ugc) as ugc_count,
        sum(member_weeks.weighted_activity) as weighted_activity
    from member_weeks
    group by member_weeks.week_start, member_weeks.community, member_weeks.platform
),

-- joins and leaves before the first week count in its members_total
membership_changes as (
    select
        case
            when member_weeks.week_start < week_bounds.first_week then week_bounds.first_week
            else member_weeks.week_start
        end as week_start,
        member_weeks.community,
        member_weeks.platform,
        sum(member_weeks.state_delta) as membership_change
    from member_weeks
    cross join week_bounds
    where member_weeks.state_delta <> 0
    group by
        case
            when member_weeks.week_start < week_bounds.first_week then week_bounds.first_week
            else member_weeks.week_start
        end,
        member_weeks.community,
        member_weeks.platform
),

-- MAU and casual members as weekly deltas (summed over the weeks in windowed; before the first week they count in
-- it), newcomers and conversions as weekly counts (int_health__member_window_weeks)
window_deltas as (
    select
        case
            when window_weeks.week_start < week_bounds.first_week then week_bounds.first_week
            else window_weeks.week_start
        end as week_start,
        window_weeks.community,
        window_weeks.platform,
        sum(window_weeks.mau_delta) as mau_delta,
        sum(window_weeks.casual_pool_delta) as casual_pool_delta
    from window_weeks
    cross join week_bounds
    group by
        case
            when window_weeks.week_start < week_bounds.first_week then week_bounds.first_week
            else window_weeks.week_start
        end,
        window_weeks.community,
        window_weeks.platform
),

window_counts as (
    select
        window_weeks.week_start,
        window_weeks.community,
        window_weeks.platform,
        window_weeks.heavy_before,
        window_weeks.casual_converted,
        window_weeks.newcomers_before,
        window_weeks.newcomers_retained
    from window_weeks
),

-- a contributor turns inactive 4 weeks after their last contribution (none in the 4 weeks since)
contribution_weeks as (
    select
        member_weeks.community,
        member_weeks.platform,
        member_weeks.week_start,
        lead(member_weeks.week_start) over (
            partition by member_weeks.member_id, member_weeks.community, member_weeks.platform
            order by member_weeks.week_start
        ) as next_contribution_week
    from member_weeks
    where member_weeks.contributions > 0
),

inactive_metrics as (
    select
        cast({{ dbt.dateadd('day', 28, 'contribution_weeks.week_start') }} as date) as week_start,
        contribution_weeks.community,
        contribution_weeks.platform,
        count(*) as inactive_contributors
    from contribution_weeks
    where
        contribution_weeks.next_contribution_week is null
        or contribution_weeks.next_contribution_week
        > cast({{ dbt.dateadd('day', 28, 'contribution_weeks.week_start') }} as date)
    group by
        cast({{ dbt.dateadd('day', 28, 'contribution_weeks.week_start') }} as date),
        contribution_weeks.community,
        contribution_weeks.platform
),

-- CHAOSS contributor absence factor: the fewest members whose activities make half of the week's activities
activity_shares as (
    select
        member_weeks.week_start,
        member_weeks.community,
        member_weeks.platform,
        sum(member_weeks.activities) over (
            partition by member_weeks.week_start, member_weeks.community, member_weeks.platform
            order by member_weeks.activities desc, member_weeks.member_id asc
            rows between unbounded preceding and 1 preceding
        ) as activities_before,
        sum(member_weeks.activities) over (
            partition by member_weeks.week_start, member_weeks.community, member_weeks.platform
        ) as week_activities
    from member_weeks
    where member_weeks.activities > 0
),

absence_metrics as (
    select
        activity_shares.week_start,
        activity_shares.community,
        activity_shares.platform,
        sum(
            case
                when 2 * coalesce(activity_shares.activities_before, 0) < activity_shares.week_activities then 1
                else 0
            end
        ) as absence_factor
    from activity_shares
    group by activity_shares.week_start, activity_shares.community, activity_shares.platform
),

content_metrics as (
    select
        content_rollups.week_start,
        content_rollups.community,
        content_rollups.platform,
        sum(case when content_rollups.activity_type in ('post', 'review', 'review_with_photos') then 1 else 0 end)
            as topics,
        count(*) as posts,
        sum(case when content_rollups.activity_type in ('reply', 'comment') then 1 else 0 end) as replies
    from content_rollups
    group by content_rollups.week_start, content_rollups.community, content_rollups.platform
),

{{ ranked_hours(
    'question_ranked', 'question_rollups', 'cast(question_rollups.first_response_hours as numeric(18, 6))'
) }},

question_metrics as (
    select
        question_ranked.week_start,
        question_ranked.community,
        question_ranked.platform,
        count(*) as questions,
        sum(case when question_ranked.is_answered_within_24h then 1 else 0 end) as answered_within_24h,
        {{ exact_percentile('question_ranked', 0.5) }} as first_response_median_hours,
        {{ exact_percentile('question_ranked', 0.9) }} as first_response_p90_hours
    from question_ranked
    group by question_ranked.week_start, question_ranked.community, question_ranked.platform
),

{{ ranked_hours(
    'resolution_ranked', 'resolution_rollups', 'cast(resolution_rollups.resolution_hours as numeric(18, 6))'
) }},

resolution_metrics as (
    select
        resolution_ranked.week_start,
        resolution_ranked.community,
        resolution_ranked.platform,
        {{ exact_percentile('resolution_ranked', 0.5) }} as negative_resolve_median_hours
    from resolution_ranked
    group by resolution_ranked.week_start, resolution_ranked.community, resolution_ranked.platform
),

campaign_weeks as (
    select
        weeks.week_start,
        campaigns.campaign_id,
        campaigns.community
    from campaigns
    inner join weeks
        on
            {{ business_date('campaigns.start_at') }} < cast({{ dbt.dateadd('day', 7, 'weeks.week_start') }} as date)
            and {{ to_business_time('campaigns.end_at') }} > cast(weeks.week_start as timestamp)
),

campaign_metrics as (
    select
        campaign_weeks.week_start,
        campaign_weeks.community,
        'all' as platform,
        count(*) as campaigns_running
    from campaign_weeks
    where campaign_weeks.community is not null
    group by campaign_weeks.week_start, campaign_weeks.community

    union all

    select
        campaign_weeks.week_start,
        'all' as community,
        'all' as platform,
        count(*) as campaigns_running
    from campaign_weeks
    group by campaign_weeks.week_start
),

participations as (
    select
        {{ week_start('campaign_touches.touched_at') }} as week_start,
        campaigns.community,
        campaign_touches.member_id
    from campaign_touches
    inner join campaigns on campaign_touches.campaign_id = campaigns.campaign_id
    where
        campaign_touches.member_id is not null
        and campaign_touches.touch_type in ('coupon_used', 'utm_click', 'event_attended')
),

participant_metrics as (
    select
        participations.week_start,
        participations.community,
        'all' as platform,
        count(distinct participations.member_id) as campaign_participants
    from participations
    where participations.community is not null
    group by participations.week_start, participations.community

    union all

    select
        participations.week_start,
        'all' as community,
        'all' as platform,
        count(distinct participations.member_id) as campaign_participants
    from participations
    group by participations.week_start
),

-- a tier change counts in every community the member has been in by its week (and in 'all')
tier_changes as (
    select distinct
        tier_history.member_id,
        tier_history.valid_from,
        tier_history.change,
        {{ week_start_of_date('tier_history.valid_from') }} as week_start,
        member_weeks.community
    from tier_history
    inner join member_weeks
        on
            tier_history.member_id = member_weeks.member_id
            and member_weeks.platform = 'all'
            and member_weeks.week_start <= {{ week_start_of_date('tier_history.valid_from') }}
    where tier_history.change in ('upgrade', 'downgrade')

    union

    select distinct
        tier_history.member_id,
        tier_history.valid_from,
        tier_history.change,
        {{ week_start_of_date('tier_history.valid_from') }} as week_start,
        'all' as community
    from tier_history
    where tier_history.change in ('upgrade', 'downgrade')
),

tier_metrics as (
    select
        tier_changes.week_start,
        tier_changes.community,
        'all' as platform,
        sum(case when tier_changes.change = 'upgrade' then 1 else 0 end) as tier_upgrades,
        sum(case when tier_changes.change = 'downgrade' then 1 else 0 end) as tier_downgrades
    from tier_changes
    group by tier_changes.week_start, tier_changes.community
),

-- one aggregate over the union of the fragments ----------------------------------------------------------------

-- noqa: disable=LT02
fragments as (
    {%- for name, cols in fragments.items() %}
    select
        {{ name }}.week_start,
        {{ name }}.community,
        {{ name }}.platform,
        {%- for col in columns %}
        {{ name ~ '.' ~ col if col in cols else health_null(col) }} as {{ col }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ name }}
    {{ 'union all' if not loop.last }}
    {%- endfor %}
),

combined as (
    select
        fragments.week_start,
        fragments.community,
        fragments.platform,
        {%- for col in columns %}
        {%- if col in ['first_response_median_hours', 'first_response_p90_hours', 'negative_resolve_median_hours',
                       'first_currency'] %}
        max(fragments.{{ col }}) as {{ col }}{{ ',' if not loop.last }}
        {%- elif col in ['weighted_activity', 'revenue_sum', 'points_issued', 'points_redeemed', 'points_expired'] %}
        coalesce(sum(fragments.{{ col }}), 0) as {{ col }}{{ ',' if not loop.last }}
        {%- else %}
        cast(coalesce(sum(fragments.{{ col }}), 0) as bigint) as {{ col }}{{ ',' if not loop.last }}
        {%- endif %}
        {%- endfor %}
    from fragments
    group by fragments.week_start, fragments.community, fragments.platform
    having max(fragments.is_spine) = 1
),
-- noqa: enable=LT02

-- rates, running totals and week-over-week comparisons over the contiguous weeks --------------------------------

windowed as (
    select
        combined.*,
        sum(combined.membership_change) over (
            partition by combined.community, combined.platform
            order by combined.week_start
            rows between unbounded preceding and current row
        ) as members_total,
        cast(sum(combined.mau_delta) over (
            partition by combined.community, combined.platform
            order by combined.week_start
            rows between unbounded preceding and current row
        ) as bigint) as mau,
        cast(sum(combined.casual_pool_delta) over (
            partition by combined.community, combined.platform
            order by combined.week_start
            rows between unbounded preceding and current row
        ) - combined.heavy_before as bigint) as casual_before,
        lag(combined.weighted_activity) over (
            partition by combined.community, combined.platform order by combined.week_start
        ) as previous_weighted_activity,
        avg(cast(combined.active_members as {{ float }})) over (
            partition by combined.community, combined.platform
            order by combined.week_start
            rows between 4 preceding and 1 preceding
        ) as active_members_baseline,
        count(*) over (
            partition by combined.community, combined.platform
            order by combined.week_start
            rows between 4 preceding and 1 preceding
        ) as baseline_weeks,
        row_number() over (
            partition by combined.community, combined.platform order by combined.week_start
        ) as weeks_of_data
    from combined
),

rates as (
    select
        windowed.*,
        case
            when windowed.weeks_of_data >= 4 then cast(windowed.active_members as {{ float }}) / nullif(windowed.mau, 0)
        end as stickiness_raw,
        cast(windowed.active_members as {{ float }}) / nullif(windowed.members_total, 0) as engagement_rate_raw,
        cast(windowed.newcomers_retained as {{ float }}) / nullif(windowed.newcomers_before, 0)
            as newcomer_retention_raw,
        cast(windowed.casual_converted as {{ float }}) / nullif(windowed.casual_before, 0) as casual_to_regular_raw,
        cast(windowed.answered_within_24h as {{ float }}) / nullif(windowed.questions, 0)
            as answered_within_24h_share_raw,
        cast(windowed.negative_feedback as {{ float }}) / nullif(windowed.feedback_posts, 0)
            as negative_feedback_share_raw,
        cast(windowed.weighted_activity - windowed.previous_weighted_activity as {{ float }})
        / nullif(windowed.members_total, 0) as gravity_raw
    from windowed
),

scored as (
    select
        rates.*,
        100.0 * rates.stickiness_raw as score_activity_raw,
        case
            when rates.baseline_weeks = 4 and rates.active_members_baseline > 0
                then 50.0 + 50.0 * {{ clamp('rates.active_members / rates.active_members_baseline - 1.0', -1.0) }}
        end as score_growth_raw,
        100.0 * rates.answered_within_24h_share_raw as score_responsiveness_raw,
        100.0 * (1.0 - {{ clamp('rates.negative_feedback_share_raw / 0.25') }}) as score_sentiment_raw,
        100.0 * {{ clamp('rates.newcomer_retention_raw / 0.5') }} as score_retention_raw
    from rates
),

final as (
    select
        scored.week_start,
        {{ iso_week_of_date('scored.week_start') }} as week,  -- noqa: RF04
        scored.community,
        scored.platform,
        scored.members_total,
        scored.new_members,
        scored.left_members,
        scored.active_members,
        scored.mau,
        {{ round_to('scored.stickiness_raw', 4) }} as stickiness,
        {{ round_to('scored.engagement_rate_raw', 4) }} as engagement_rate,
        scored.contributors,
        scored.new_contributors,
        scored.inactive_contributors,
        {{ round_to('scored.newcomer_retention_raw', 4) }} as newcomer_retention,
        {{ round_to('scored.casual_to_regular_raw', 4) }} as casual_to_regular,
        scored.questions,
        {{ round_to('scored.answered_within_24h_share_raw', 4) }} as answered_within_24h_share,
        {{ round_to('scored.first_response_median_hours', 2) }} as first_response_median_hours,
        {{ round_to('scored.first_response_p90_hours', 2) }} as first_response_p90_hours,
        scored.feedback_posts,
        scored.negative_feedback,
        {{ round_to('scored.negative_feedback_share_raw', 4) }} as negative_feedback_share,
        {{ round_to('scored.negative_resolve_median_hours', 2) }} as negative_resolve_median_hours,
        scored.ugc_count,
        case when scored.active_members > 0 then scored.absence_factor end as absence_factor,
        {{ round_to('scored.gravity_raw', 4) }} as gravity,
        cast(scored.weighted_activity as numeric(14, 2)) as weighted_activity,
        scored.topics,
        scored.posts,
        scored.replies,
        scored.orders,
        scored.buyers,
        case when scored.currencies <= 1 then cast(scored.revenue_sum as numeric(18, 2)) end as revenue,
        case when scored.currencies > 1 then 'mixed' else scored.first_currency end as revenue_currency,
        case when scored.platform = 'all' then scored.campaigns_running end as campaigns_running,
        case when scored.platform = 'all' then scored.campaign_participants end as campaign_participants,
        cast(scored.points_issued as numeric(18, 2)) as points_issued,
        cast(scored.points_redeemed as numeric(18, 2)) as points_redeemed,
        cast(scored.points_expired as numeric(18, 2)) as points_expired,
        case when scored.platform = 'all' then scored.tier_upgrades end as tier_upgrades,
        case when scored.platform = 'all' then scored.tier_downgrades end as tier_downgrades,
        {{ round_to(health_score(components, weights, 'scored'), 1) }} as health_score,
        {{ round_to('scored.score_activity_raw', 1) }} as score_activity,
        {{ round_to('scored.score_growth_raw', 1) }} as score_growth,
        {{ round_to('scored.score_responsiveness_raw', 1) }} as score_responsiveness,
        {{ round_to('scored.score_sentiment_raw', 1) }} as score_sentiment,
        {{ round_to('scored.score_retention_raw', 1) }} as score_retention
    from scored
)

select * from final
