{{ config(materialized='table') }}
{#-
    Every community post, comment and message (Discourse posts, Reddit submissions and comments, Discord messages),
    also by staff and bots (they can respond; they are not feedback), with its conversation links and its text.
    Texts that staging does not redact (Discourse posts: staging keeps no text) are redacted here (redact_contacts)
    before anything else reads them. int_feedback_sentiment scores the texts; int_feedback_scored joins the two
    on item_key and body_hash, the text's md5 computed here once for both.
-#}

with

discourse_posts as (
    select * from {{ ref('stg_discourse__posts') }}
),

discourse_topics as (
    select * from {{ ref('stg_discourse__topics') }}
),

discourse_users as (
    select * from {{ ref('stg_discourse__users') }}
),

discourse_categories as (
    select * from {{ ref('stg_discourse__categories') }}
),

-- the post text: stg_discourse__posts does not carry it (same latest version as staging picks)
discourse_post_records as (
    {{ latest_version(source('raw', 'discourse__posts'), 'updated_at') }}
),

reddit_submissions as (
    select * from {{ ref('stg_reddit__submissions') }}
),

reddit_comments as (
    select * from {{ ref('stg_reddit__comments') }}
),

discord_messages as (
    select * from {{ ref('stg_discord__messages') }}
),

discord_channels as (
    select * from {{ ref('stg_discord__channels') }}
),

discourse_texts as (
    select
        discourse_post_records._source || ':' || discourse_post_records._pk as post_key,
        coalesce(
            nullif(trim({{ json_str('discourse_post_records._record', 'raw') }}), ''),
            -- without `raw`: the cooked HTML as text
            {{ feedback_html_text(json_str('discourse_post_records._record', 'cooked')) }}
        ) as raw_body
    from discourse_post_records
),

discourse_redacted as (
    select
        discourse_texts.post_key,
        {{ redact_contacts('discourse_texts.raw_body') }} as body
    from discourse_texts
),

discourse_items as (
    select
        'discourse:' || discourse_posts.post_key as item_key,
        'discourse' as platform,
        discourse_posts.source_name,
        'post' as item_type,
        cast(discourse_posts.post_id as {{ dbt.type_string() }}) as native_id,
        'discourse:' || discourse_posts.topic_key as thread_key,
        discourse_posts.post_number = 1 as is_thread_start,
        case when discourse_posts.post_number > 1 then 'discourse:' || parent_posts.post_key end as parent_item_key,
        discourse_categories.category_slug as channel,
        'discourse:' || discourse_posts.user_key as author_account_key,
        coalesce(discourse_users.is_staff, discourse_posts.author_is_staff) as author_is_staff,
        coalesce(discourse_users.is_bot, false) or discourse_posts.author_is_bot as author_is_bot,
        discourse_posts.is_deleted,
        coalesce(discourse_topics.archetype = 'private_message', false) as is_private,
        coalesce(discourse_posts.post_type, 1) = 1 as is_regular_message,
        case
            when discourse_posts.post_number = 1 and discourse_topics.has_accepted_answer then 'accepted_answer'
        end as platform_resolution,
        discourse_posts.created_at,
        discourse_redacted.body
    from discourse_posts
    left join discourse_topics
        on discourse_posts.topic_key = discourse_topics.topic_key
    left join discourse_users
        on discourse_posts.user_key = discourse_users.user_key
    left join discourse_categories
        on
            discourse_posts.source_name = discourse_categories.source_name
            and coalesce(discourse_topics.category_id, discourse_posts.category_id) = discourse_categories.category_id
    left join discourse_posts as parent_posts
        on
            discourse_posts.topic_key = parent_posts.topic_key
            and coalesce(discourse_posts.reply_to_post_number, 1) = parent_posts.post_number
    left join discourse_redacted
        on discourse_posts.post_key = discourse_redacted.post_key
),

reddit_items as (
    select
        'reddit:' || reddit_submissions.source_name || ':t3_' || reddit_submissions.submission_id as item_key,
        'reddit' as platform,
        reddit_submissions.source_name,
        'submission' as item_type,
        't3_' || reddit_submissions.submission_id as native_id,
        'reddit:' || reddit_submissions.source_name || ':t3_' || reddit_submissions.submission_id as thread_key,
        true as is_thread_start,
        cast(null as {{ dbt.type_string() }}) as parent_item_key,
        reddit_submissions.subreddit as channel,
        'reddit:' || reddit_submissions.author_key as author_account_key,
        reddit_submissions.author_is_staff,
        reddit_submissions.author_is_bot,
        reddit_submissions.is_deleted,
        false as is_private,
        true as is_regular_message,
        case
            when lower(trim(reddit_submissions.link_flair_text)) in ('solved', 'resolved', 'answered', 'fixed')
                then 'solved_flair'
        end as platform_resolution,
        reddit_submissions.created_at,
        case
            when reddit_submissions.title is not null or reddit_submissions.body is not null
                then coalesce(reddit_submissions.title, '') || chr(10) || coalesce(reddit_submissions.body, '')
        end as body
    from reddit_submissions

    union all

    select
        'reddit:' || reddit_comments.source_name || ':t1_' || reddit_comments.comment_id as item_key,
        'reddit' as platform,
        reddit_comments.source_name,
        'comment' as item_type,
        't1_' || reddit_comments.comment_id as native_id,
        'reddit:' || reddit_comments.source_name || ':t3_' || reddit_comments.submission_id as thread_key,
        false as is_thread_start,
        'reddit:' || reddit_comments.source_name
        || case reddit_comments.parent_kind when 'submission' then ':t3_' else ':t1_' end
        || reddit_comments.parent_id as parent_item_key,
        reddit_comments.subreddit as channel,
        'reddit:' || reddit_comments.author_key as author_account_key,
        reddit_comments.author_is_staff,
        reddit_comments.author_is_bot,
        reddit_comments.is_deleted,
        false as is_private,
        true as is_regular_message,
        cast(null as {{ dbt.type_string() }}) as platform_resolution,
        reddit_comments.created_at,
        reddit_comments.body
    from reddit_comments
),

discord_items as (
    select
        'discord:' || discord_messages.message_key as item_key,
        'discord' as platform,
        discord_messages.source_name,
        'message' as item_type,
        cast(discord_messages.message_id as {{ dbt.type_string() }}) as native_id,
        case
            when discord_messages.thread_key is not null then 'discord:' || discord_messages.thread_key
            when discord_messages.starts_thread
                then 'discord:' || discord_messages.source_name || ':'
                    || cast(discord_messages.started_thread_id as {{ dbt.type_string() }})
        end as thread_key,
        (
            discord_messages.starts_thread
            or coalesce(discord_messages.message_key = discord_messages.thread_key, false)
        ) as is_thread_start,
        case
            -- a reply (reference type 0; 1 is a forward) responds to the message it references
            when
                discord_messages.referenced_message_key is not null
                and coalesce(discord_messages.reference_type, 0) = 0
                then 'discord:' || discord_messages.referenced_message_key
            -- other messages of a thread respond to the message that started it (its id is the thread's)
            when discord_messages.thread_key is not null and discord_messages.message_key <> discord_messages.thread_key
                then 'discord:' || discord_messages.thread_key
        end as parent_item_key,
        discord_channels.channel_name as channel,
        'discord:' || discord_messages.author_key as author_account_key,
        discord_messages.author_is_staff,
        discord_messages.author_is_bot,
        discord_messages.is_deleted,
        false as is_private,
        not discord_messages.is_system_message as is_regular_message,
        cast(null as {{ dbt.type_string() }}) as platform_resolution,
        discord_messages.created_at,
        discord_messages.body
    from discord_messages
    left join discord_channels
        on discord_messages.channel_key = discord_channels.channel_key
),

items as (
    select * from discourse_items
    union all
    select * from reddit_items
    union all
    select * from discord_items
)

select
    items.*,
    md5(items.body) as body_hash
from items
