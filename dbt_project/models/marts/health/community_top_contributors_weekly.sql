{#
    The week's most active members per community ('all' too): rank 1..10 by weighted activity (the weights of all
    their community events that week, as member_engagement_weekly.weighted_score), then by participation
    activities, then member_id. Shown by a public handle only: their forum username, else Discord username, else
    Reddit name (the smallest account key when they have several); never an email, phone or real name - a handle
    holding an @ or seven digits in a row is not shown (null), nor is anything for members without such accounts.
#}
with

member_weeks as (
    select * from {{ ref('int_health__member_weeks') }}
    where platform = 'all' and activities > 0
),

weekly as (
    select * from {{ ref('community_health_weekly') }}
),

account_members as (
    select * from {{ ref('int_identity__account_members') }}
),

week_bounds as (
    select
        min(weekly.week_start) as first_week,
        max(weekly.week_start) as last_week
    from weekly
),

handles as (
    select
        'discourse:' || discourse_users.user_key as account_key,
        'discourse' as handle_platform,
        1 as preference,
        discourse_users.username as handle
    from {{ ref('stg_discourse__users') }} as discourse_users

    union all

    select
        'discord:' || members.member_key as account_key,
        'discord' as handle_platform,
        2 as preference,
        members.username as handle
    from {{ ref('stg_discord__members') }} as members

    union all

    select distinct
        'reddit:' || submissions.author_key as account_key,
        'reddit' as handle_platform,
        3 as preference,
        submissions.author_username as handle
    from {{ ref('stg_reddit__submissions') }} as submissions
    where submissions.author_key is not null

    union all

    select distinct
        'reddit:' || reddit_comments.author_key as account_key,
        'reddit' as handle_platform,
        3 as preference,
        reddit_comments.author_username as handle
    from {{ ref('stg_reddit__comments') }} as reddit_comments
    where reddit_comments.author_key is not null
),

member_handles as (
    select
        account_members.member_id,
        handles.handle_platform,
        handles.handle,
        row_number() over (
            partition by account_members.member_id
            order by handles.preference, handles.account_key
        ) as handle_order
    from handles
    inner join account_members on handles.account_key = account_members.account_key
    where
        handles.handle is not null
        and handles.handle <> ''
        and not {{ feedback_regex_contains('handles.handle', '@|[0-9]{7}') }}
),

ranked as (
    select
        member_weeks.week_start,
        member_weeks.community,
        member_weeks.member_id,
        member_weeks.weighted_activity,
        member_weeks.activities,
        row_number() over (
            partition by member_weeks.week_start, member_weeks.community
            order by member_weeks.weighted_activity desc, member_weeks.activities desc, member_weeks.member_id asc
        ) as contributor_rank
    from member_weeks
    cross join week_bounds
    where member_weeks.week_start between week_bounds.first_week and week_bounds.last_week
),

final as (
    select
        ranked.week_start,
        {{ iso_week_of_date('ranked.week_start') }} as week,  -- noqa: RF04
        ranked.community,
        ranked.contributor_rank as rank,  -- noqa: RF04
        ranked.member_id,
        member_handles.handle as display_handle,
        member_handles.handle_platform,
        ranked.weighted_activity,
        ranked.activities
    from ranked
    left join member_handles
        on ranked.member_id = member_handles.member_id and member_handles.handle_order = 1
    where ranked.contributor_rank <= 10
)

select * from final
