{#
    Questions asked in the community, one row per question, with the time to its first response by someone other
    than the asker (CHAOSS "time to first response"): bots, the asker's own posts and deleted posts never count,
    staff responses do (flagged). How a question is recognized per platform is documented in
    _questions__models.yml; the word lists are vars (macros/questions.sql).

        Discourse  topics in a Q&A category (slug or parent slug), or with an accepted answer
        Reddit     submissions with a question (or solved) flair, or a title ending with ? / ？
        Discord    threads of forum channels, of help/support channels, or named with a trailing ? / ？
#}
with

topics as (
    select * from {{ ref('stg_discourse__topics') }}
),

categories as (
    select * from {{ ref('stg_discourse__categories') }}
),

topics_mapped as (
    select * from {{ ref('int_topics_mapped') }}
),

posts_mapped as (
    select * from {{ ref('int_posts_mapped') }}
),

submissions as (
    select * from {{ ref('stg_reddit__submissions') }}
),

comments as (
    select * from {{ ref('stg_reddit__comments') }}
),

threads as (
    select * from {{ ref('stg_discord__threads') }}
),

discord_channels as (
    select * from {{ ref('stg_discord__channels') }}
),

messages as (
    select * from {{ ref('stg_discord__messages') }}
),

channel_map as (
    select * from {{ source('raw', '_channels') }}
),

account_members as (
    select * from {{ ref('int_identity__account_members') }}
),

-- Discourse ------------------------------------------------------------------------------------------------------

-- int_posts_mapped has a row per post and community: one per post here
forum_posts as (
    select distinct
        posts_mapped.post_key,
        posts_mapped.post_id,
        posts_mapped.topic_key,
        posts_mapped.user_key,
        posts_mapped.created_at,
        posts_mapped.is_reply,
        posts_mapped.is_deleted,
        posts_mapped.author_is_staff,
        posts_mapped.is_counted
    from posts_mapped
),

-- a topic in two communities (a shared category) goes to the first by name: the mart has one row per question
forum_topic_communities as (
    select
        topics_mapped.topic_key,
        min(topics_mapped.community) as community,
        bool_or(topics_mapped.is_counted) as is_counted
    from topics_mapped
    group by topics_mapped.topic_key
),

forum_candidates as (
    select
        'discourse' as platform,
        topics.source_name,
        topics.topic_key as native_key,
        forum_topic_communities.community,
        categories.category_slug as channel,
        case
            when {{ matches_question_word('categories.category_slug', 'question_category_slugs') }}
                then 'category'
            when {{ matches_question_word('parent_categories.category_slug', 'question_category_slugs') }}
                then 'parent_category'
            when topics.has_accepted_answer then 'accepted_answer'
        end as recognized_by,
        coalesce(topics.user_key, opening_posts.user_key) as asker_key,
        'discourse:' || coalesce(topics.user_key, opening_posts.user_key) as asker_account_key,
        coalesce(opening_posts.author_is_staff, false) as asker_is_staff,
        topics.created_at,
        topics.has_accepted_answer as is_accepted,
        cast(null as timestamptz) as accepted_at
    from topics
    inner join forum_topic_communities
        on topics.topic_key = forum_topic_communities.topic_key
    left join categories
        on
            topics.source_name = categories.source_name
            and topics.category_id = categories.category_id
    left join categories as parent_categories
        on
            categories.source_name = parent_categories.source_name
            and categories.parent_category_id = parent_categories.category_id
    left join forum_posts as opening_posts
        on
            topics.topic_key = opening_posts.topic_key
            and not opening_posts.is_reply
    where
        forum_topic_communities.is_counted  -- not a private message, not opened by a bot
        and not topics.is_pinned  -- FAQs, rules and the categories' "About" topics
        and not coalesce(opening_posts.is_deleted, false)  -- a topic whose opening post is deleted is deleted
),

forum_questions as (
    select forum_candidates.*
    from forum_candidates
    where forum_candidates.recognized_by is not null
),

forum_responses as (
    select
        forum_questions.platform,
        forum_questions.native_key,
        forum_posts.post_key as response_key,
        forum_posts.created_at,
        forum_posts.author_is_staff
    from forum_questions
    inner join forum_posts
        on forum_questions.native_key = forum_posts.topic_key
    where
        forum_posts.is_reply
        and forum_posts.is_counted  -- not deleted, not by a bot, a regular post (no whispers, no small actions)
        and forum_posts.user_key is distinct from forum_questions.asker_key
        and forum_posts.created_at >= forum_questions.created_at
),

-- Reddit ---------------------------------------------------------------------------------------------------------

reddit_candidates as (
    select
        'reddit' as platform,
        submissions.source_name,
        submissions.submission_key as native_key,
        submissions.subreddit as channel,
        submissions.subreddit as channel_ref,
        case
            when
                {{ is_question_flair('submissions.link_flair_text', 'question_flairs') }}
                or {{ is_question_flair('submissions.link_flair_text', 'question_solved_flairs') }}
                then 'flair'
            when {{ ends_with_question_mark('submissions.title') }} then 'title'
        end as recognized_by,
        submissions.author_key as asker_key,
        'reddit:' || submissions.author_key as asker_account_key,
        submissions.author_is_staff as asker_is_staff,
        submissions.created_at,
        {{ is_question_flair('submissions.link_flair_text', 'question_solved_flairs') }} as is_accepted,
        cast(null as timestamptz) as accepted_at
    from submissions
    where
        not submissions.is_deleted  -- deleted by its author or removed by moderators: gone from the subreddit
        and not submissions.author_is_bot
        and not submissions.is_stickied  -- moderators' announcements and deal posts
),

reddit_questions as (
    select reddit_candidates.*
    from reddit_candidates
    where reddit_candidates.recognized_by is not null
),

reddit_responses as (
    select
        reddit_questions.platform,
        reddit_questions.native_key,
        comments.comment_key as response_key,
        comments.created_at,
        comments.author_is_staff
    from reddit_questions
    inner join comments
        on reddit_questions.native_key = comments.submission_key
    where
        not comments.is_deleted
        and not comments.author_is_bot
        and not comments.is_submitter
        and comments.author_key is distinct from reddit_questions.asker_key
        and comments.created_at >= reddit_questions.created_at
),

-- Discord --------------------------------------------------------------------------------------------------------

discord_candidates as (
    select
        'discord' as platform,
        threads.source_name,
        threads.thread_key as native_key,
        parent_channels.channel_name as channel,
        cast(threads.parent_channel_id as {{ dbt.type_string() }}) as channel_ref,
        case
            when parent_channels.channel_type in (15, 16) then 'forum_channel'
            when {{ matches_question_word('parent_channels.channel_name', 'question_channel_names') }}
                then 'channel'
            when {{ ends_with_question_mark('threads.thread_name') }} then 'title'
        end as recognized_by,
        -- a thread started from a message (or a forum post) has that message's id: its author asked
        coalesce(starters.author_key, threads.owner_key) as asker_key,
        'discord:' || coalesce(starters.author_key, threads.owner_key) as asker_account_key,
        coalesce(starters.author_is_staff, false) as asker_is_staff,
        coalesce(starters.created_at, threads.created_at) as created_at,
        cast(null as boolean) as is_accepted,
        cast(null as timestamptz) as accepted_at
    from threads
    left join discord_channels as parent_channels
        on threads.parent_channel_key = parent_channels.channel_key
    left join messages as starters
        on threads.thread_key = starters.message_key
    where
        coalesce(threads.thread_type, 11) <> 10  -- not an announcement thread
        and not coalesce(starters.author_is_bot, false)
),

discord_questions as (
    select discord_candidates.*
    from discord_candidates
    where discord_candidates.recognized_by is not null
),

-- messages in the thread, and replies to its starter message in the parent channel
discord_replies as (
    select
        discord_questions.platform,
        discord_questions.native_key,
        discord_questions.asker_key,
        discord_questions.created_at as asked_at,
        messages.message_key,
        messages.author_key,
        messages.author_is_bot,
        messages.author_is_staff,
        messages.is_system_message,
        messages.created_at
    from discord_questions
    inner join messages
        on discord_questions.native_key = messages.thread_key

    union all

    select
        discord_questions.platform,
        discord_questions.native_key,
        discord_questions.asker_key,
        discord_questions.created_at as asked_at,
        messages.message_key,
        messages.author_key,
        messages.author_is_bot,
        messages.author_is_staff,
        messages.is_system_message,
        messages.created_at
    from discord_questions
    inner join messages
        on discord_questions.native_key = messages.referenced_message_key
    where
        messages.is_reply
        and messages.thread_key is distinct from discord_questions.native_key
),

discord_responses as (
    select
        discord_replies.platform,
        discord_replies.native_key,
        discord_replies.message_key as response_key,
        discord_replies.created_at,
        discord_replies.author_is_staff
    from discord_replies
    where
        not discord_replies.is_system_message
        and not discord_replies.author_is_bot
        and discord_replies.author_key is distinct from discord_replies.asker_key
        and discord_replies.created_at >= discord_replies.asked_at
),

-- Reddit and Discord communities: the source's channel row for the subreddit (any case) or the Discord parent
-- channel (name or id), else the whole-source row; a tie goes to the first community by name
social_questions as (
    select
        reddit_questions.platform,
        reddit_questions.native_key,
        reddit_questions.source_name,
        reddit_questions.channel,
        reddit_questions.channel_ref
    from reddit_questions

    union all

    select
        discord_questions.platform,
        discord_questions.native_key,
        discord_questions.source_name,
        discord_questions.channel,
        discord_questions.channel_ref
    from discord_questions
),

social_community_matches as (
    select
        social_questions.platform,
        social_questions.native_key,
        channel_map.community,
        row_number() over (
            partition by social_questions.platform, social_questions.native_key
            order by
                case when channel_map.channel is null then 2 else 1 end,
                channel_map.community
        ) as match_order
    from social_questions
    inner join channel_map
        on
            social_questions.source_name = channel_map.source
            and (
                channel_map.channel is null
                or lower(social_questions.channel) = lower(channel_map.channel)
                or social_questions.channel_ref = channel_map.channel
            )
    where channel_map.community is not null
),

social_communities as (
    select
        social_community_matches.platform,
        social_community_matches.native_key,
        social_community_matches.community
    from social_community_matches
    where social_community_matches.match_order = 1
),

-- All platforms --------------------------------------------------------------------------------------------------

questions as (
    select
        forum_questions.platform,
        forum_questions.source_name,
        forum_questions.native_key,
        forum_questions.community,
        forum_questions.channel,
        forum_questions.recognized_by,
        forum_questions.asker_account_key,
        forum_questions.asker_is_staff,
        forum_questions.created_at,
        forum_questions.is_accepted,
        forum_questions.accepted_at
    from forum_questions

    union all

    select
        reddit_questions.platform,
        reddit_questions.source_name,
        reddit_questions.native_key,
        social_communities.community,
        reddit_questions.channel,
        reddit_questions.recognized_by,
        reddit_questions.asker_account_key,
        reddit_questions.asker_is_staff,
        reddit_questions.created_at,
        reddit_questions.is_accepted,
        reddit_questions.accepted_at
    from reddit_questions
    left join social_communities
        on
            reddit_questions.platform = social_communities.platform
            and reddit_questions.native_key = social_communities.native_key

    union all

    select
        discord_questions.platform,
        discord_questions.source_name,
        discord_questions.native_key,
        social_communities.community,
        discord_questions.channel,
        discord_questions.recognized_by,
        discord_questions.asker_account_key,
        discord_questions.asker_is_staff,
        discord_questions.created_at,
        discord_questions.is_accepted,
        discord_questions.accepted_at
    from discord_questions
    left join social_communities
        on
            discord_questions.platform = social_communities.platform
            and discord_questions.native_key = social_communities.native_key
),

responses as (
    select * from forum_responses
    union all
    select * from reddit_responses
    union all
    select * from discord_responses
),

ranked_responses as (
    select
        responses.platform,
        responses.native_key,
        responses.response_key,
        responses.created_at,
        responses.author_is_staff,
        row_number() over (
            partition by responses.platform, responses.native_key
            order by responses.created_at, responses.response_key
        ) as response_order,
        count(*) over (partition by responses.platform, responses.native_key) as response_count
    from responses
),

first_responses as (
    select
        ranked_responses.platform,
        ranked_responses.native_key,
        ranked_responses.response_key,
        ranked_responses.created_at,
        ranked_responses.author_is_staff,
        ranked_responses.response_count,
        {{ elapsed_microseconds('questions.created_at', 'ranked_responses.created_at') }} as elapsed_us
    from ranked_responses
    inner join questions
        on
            ranked_responses.platform = questions.platform
            and ranked_responses.native_key = questions.native_key
    where ranked_responses.response_order = 1
),

final as (
    select
        questions.platform || ':' || questions.native_key as question_key,
        questions.platform,
        questions.source_name,
        questions.native_key,
        questions.community,
        questions.channel,
        questions.recognized_by,
        questions.asker_account_key,
        account_members.member_id as asker_member_id,
        questions.asker_is_staff,
        questions.created_at,
        {{ week_start('questions.created_at') }} as created_week,
        first_responses.response_key is not null as is_answered,
        first_responses.created_at as first_response_at,
        cast(first_responses.elapsed_us as double precision) / 3600000000.0 as first_response_hours,
        coalesce(first_responses.elapsed_us <= 86400000000, false) as is_answered_within_24h,
        first_responses.author_is_staff as responder_is_staff,
        first_responses.response_key as first_response_key,
        cast(coalesce(first_responses.response_count, 0) as integer) as response_count,
        questions.is_accepted,
        questions.accepted_at
    from questions
    left join first_responses
        on
            questions.platform = first_responses.platform
            and questions.native_key = first_responses.native_key
    left join account_members
        on questions.asker_account_key = account_members.account_key
)

select * from final
