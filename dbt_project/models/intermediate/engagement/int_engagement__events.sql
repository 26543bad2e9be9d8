{#
    Every community activity of every platform, one row each, at account level (members are joined in
    fct_engagement_events). What counts, per platform:
      discourse   post (a topic's first post; review in a review category) and reply; join (account created).
                  Private messages and deleted posts are not activity.
      reddit      post (submission) and comment; deleted authors are nobody and are left out.
      discord     message; reply (in a thread, or answering a message); review / review_with_photos (in a review
                  channel, with attachments); join (joined the server). System messages are not activity.
      wecom_groups  join and leave of a customer group (membership spells).
      wechat_mp   follow (subscribed the official account).
      youzan      check_in (daily sign-in, 签到, from the points log).
      files       event_attendance (event check-ins, matched to members by phone or email).
    Reactions: the platforms' APIs we read give counts, not who reacted, so there are no reaction rows yet.
    replied_to_account_key is the author of the content answered (KOL reach).
#}
with

discourse_posts as (
    select * from {{ ref('stg_discourse__posts') }}
),

discourse_topics as (
    select * from {{ ref('stg_discourse__topics') }}
),

discourse_categories as (
    select * from {{ ref('stg_discourse__categories') }}
),

discourse_users as (
    select * from {{ ref('stg_discourse__users') }}
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

discord_members as (
    select * from {{ ref('stg_discord__members') }}
),

wecom_members as (
    select * from {{ ref('stg_wecom_groups__group_members') }}
),

wechat_followers as (
    select * from {{ ref('stg_wechat_mp__followers') }}
),

youzan_points as (
    select * from {{ ref('stg_youzan__points') }}
),

checkins as (
    select * from {{ ref('stg_files__event_checkins') }}
),

forum_posts as (
    select
        discourse_posts.*,
        coalesce(discourse_topics.category_id, discourse_posts.category_id) as topic_category_id,
        coalesce(discourse_topics.archetype = 'private_message', false) as is_private_message
    from discourse_posts
    left join discourse_topics on discourse_posts.topic_key = discourse_topics.topic_key
),

forum as (
    select
        'discourse' as platform,
        forum_posts.source_name,
        'discourse:post:' || forum_posts.post_key as event_key,
        case
            when forum_posts.post_number = 1 and {{ review_channel('discourse_categories.category_slug') }}
                then 'review'
            when forum_posts.post_number = 1 then 'post'
            else 'reply'
        end as activity_type,
        forum_posts.created_at as occurred_at,
        forum_posts.extracted_at,
        'discourse:' || forum_posts.user_key as account_key,
        forum_posts.source_name || ':' || cast(forum_posts.topic_category_id as {{ dbt.type_string() }})
            as channel_key,
        forum_posts.post_key as object_key,
        case when forum_posts.post_number > 1 then 'discourse:' || parent_posts.user_key end
            as replied_to_account_key,
        coalesce(discourse_users.is_staff, forum_posts.author_is_staff) as is_staff,
        coalesce(discourse_users.is_bot, false) or forum_posts.author_is_bot as is_bot
    from forum_posts
    left join discourse_categories
        on
            forum_posts.source_name = discourse_categories.source_name
            and forum_posts.topic_category_id = discourse_categories.category_id
    left join discourse_users on forum_posts.user_key = discourse_users.user_key
    left join discourse_posts as parent_posts
        on
            forum_posts.topic_key = parent_posts.topic_key
            and coalesce(forum_posts.reply_to_post_number, 1) = parent_posts.post_number
    where not forum_posts.is_deleted and not forum_posts.is_private_message
),

forum_joins as (
    select
        'discourse' as platform,
        discourse_users.source_name,
        'discourse:join:' || discourse_users.user_key as event_key,
        'join' as activity_type,
        discourse_users.created_at as occurred_at,
        discourse_users.extracted_at,
        'discourse:' || discourse_users.user_key as account_key,
        discourse_users.source_name || ':*' as channel_key,
        discourse_users.user_key as object_key,
        cast(null as {{ dbt.type_string() }}) as replied_to_account_key,
        discourse_users.is_staff,
        discourse_users.is_bot
    from discourse_users
    where discourse_users.created_at is not null
),

reddit as (
    select
        'reddit' as platform,
        reddit_submissions.source_name,
        'reddit:post:' || reddit_submissions.submission_key as event_key,
        'post' as activity_type,
        reddit_submissions.created_at as occurred_at,
        reddit_submissions.extracted_at,
        'reddit:' || reddit_submissions.author_key as account_key,
        reddit_submissions.source_name || ':*' as channel_key,
        reddit_submissions.submission_key as object_key,
        cast(null as {{ dbt.type_string() }}) as replied_to_account_key,
        reddit_submissions.author_is_staff as is_staff,
        reddit_submissions.author_is_bot as is_bot
    from reddit_submissions
    where reddit_submissions.author_key is not null
    union all
    select
        'reddit' as platform,
        reddit_comments.source_name,
        'reddit:comment:' || reddit_comments.comment_key as event_key,
        'comment' as activity_type,
        reddit_comments.created_at as occurred_at,
        reddit_comments.extracted_at,
        'reddit:' || reddit_comments.author_key as account_key,
        reddit_comments.source_name || ':*' as channel_key,
        reddit_comments.comment_key as object_key,
        'reddit:' || coalesce(parent_comments.author_key, parent_submissions.author_key) as replied_to_account_key,
        reddit_comments.author_is_staff as is_staff,
        reddit_comments.author_is_bot as is_bot
    from reddit_comments
    left join reddit_comments as parent_comments
        on reddit_comments.parent_comment_key = parent_comments.comment_key
    left join reddit_submissions as parent_submissions
        on reddit_comments.submission_key = parent_submissions.submission_key
    where reddit_comments.author_key is not null
),

discord as (
    select
        'discord' as platform,
        discord_messages.source_name,
        'discord:message:' || discord_messages.message_key as event_key,
        case
            when {{ review_channel('discord_channels.channel_name') }} and discord_messages.attachment_count > 0
                then 'review_with_photos'
            when {{ review_channel('discord_channels.channel_name') }} then 'review'
            when discord_messages.is_reply or discord_messages.thread_key is not null
                then 'reply'
            else 'message'
        end as activity_type,
        discord_messages.created_at as occurred_at,
        discord_messages.extracted_at,
        'discord:' || discord_messages.author_key as account_key,
        discord_messages.source_name || ':*' as channel_key,
        discord_messages.message_key as object_key,
        'discord:' || parent_messages.author_key as replied_to_account_key,
        discord_messages.author_is_staff as is_staff,
        discord_messages.author_is_bot as is_bot
    from discord_messages
    left join discord_channels on discord_messages.channel_key = discord_channels.channel_key
    left join discord_messages as parent_messages
        on discord_messages.referenced_message_key = parent_messages.message_key
    where not discord_messages.is_system_message and not discord_messages.is_deleted
    union all
    select
        'discord' as platform,
        discord_members.source_name,
        'discord:join:' || discord_members.member_key as event_key,
        'join' as activity_type,
        discord_members.joined_at as occurred_at,
        discord_members.extracted_at,
        'discord:' || discord_members.member_key as account_key,
        discord_members.source_name || ':*' as channel_key,
        discord_members.member_key as object_key,
        cast(null as {{ dbt.type_string() }}) as replied_to_account_key,
        discord_members.is_staff,
        discord_members.is_bot
    from discord_members
    where discord_members.joined_at is not null
),

wecom as (
    select
        'wecom_groups' as platform,
        wecom_members.source_name,
        'wecom_groups:join:' || wecom_members.membership_key as event_key,
        'join' as activity_type,
        wecom_members.joined_at as occurred_at,
        wecom_members.first_seen_at as extracted_at,
        'wecom_groups:' || wecom_members.contact_key as account_key,
        wecom_members.source_name || ':*' as channel_key,
        wecom_members.membership_key as object_key,
        cast(null as {{ dbt.type_string() }}) as replied_to_account_key,
        wecom_members.is_staff,
        false as is_bot
    from wecom_members
    where wecom_members.joined_at is not null
    union all
    select
        'wecom_groups' as platform,
        wecom_members.source_name,
        'wecom_groups:leave:' || wecom_members.membership_key as event_key,
        'leave' as activity_type,
        wecom_members.left_detected_at as occurred_at,
        wecom_members.left_detected_at as extracted_at,
        'wecom_groups:' || wecom_members.contact_key as account_key,
        wecom_members.source_name || ':*' as channel_key,
        wecom_members.membership_key as object_key,
        cast(null as {{ dbt.type_string() }}) as replied_to_account_key,
        wecom_members.is_staff,
        false as is_bot
    from wecom_members
    where wecom_members.has_left and wecom_members.left_detected_at is not null
),

wechat as (
    select
        'wechat_mp' as platform,
        wechat_followers.source_name,
        'wechat_mp:follow:' || wechat_followers.follower_key as event_key,
        'follow' as activity_type,
        wechat_followers.subscribed_at as occurred_at,
        wechat_followers.extracted_at,
        'wechat_mp:' || wechat_followers.follower_key as account_key,
        wechat_followers.source_name || ':*' as channel_key,
        wechat_followers.follower_key as object_key,
        cast(null as {{ dbt.type_string() }}) as replied_to_account_key,
        false as is_staff,
        false as is_bot
    from wechat_followers
    where wechat_followers.subscribed_at is not null
),

youzan as (
    select
        'youzan' as platform,
        youzan_points.source_name,
        'youzan:check_in:' || youzan_points.points_change_key as event_key,
        'check_in' as activity_type,
        youzan_points.created_at as occurred_at,
        youzan_points.extracted_at,
        'youzan:' || youzan_points.customer_key as account_key,
        youzan_points.source_name || ':*' as channel_key,
        youzan_points.points_change_key as object_key,
        cast(null as {{ dbt.type_string() }}) as replied_to_account_key,
        false as is_staff,
        false as is_bot
    from youzan_points
    where youzan_points.event_type = 'SIGN_IN'
),

account_events as (
    select * from forum
    union all
    select * from forum_joins
    union all
    select * from reddit
    union all
    select * from discord
    union all
    select * from wecom
    union all
    select * from wechat
    union all
    select * from youzan
),

final as (
    select
        account_events.*,
        wecom_members.unionid as contact_unionid,
        cast(null as {{ dbt.type_string() }}) as contact_email_hash,
        cast(null as {{ dbt.type_string() }}) as contact_phone_hash
    from account_events
    left join wecom_members
        on account_events.platform = 'wecom_groups' and account_events.object_key = wecom_members.membership_key
    union all
    select
        'files' as platform,
        checkins.source_name,
        'files:event_attendance:' || checkins.checkin_key as event_key,
        'event_attendance' as activity_type,
        checkins.checked_in_at as occurred_at,
        checkins.extracted_at,
        cast(null as {{ dbt.type_string() }}) as account_key,
        checkins.source_name || ':*' as channel_key,
        checkins.checkin_key as object_key,
        cast(null as {{ dbt.type_string() }}) as replied_to_account_key,
        false as is_staff,
        false as is_bot,
        cast(null as {{ dbt.type_string() }}) as contact_unionid,
        checkins.email_hash as contact_email_hash,
        checkins.phone_hash as contact_phone_hash
    from checkins
)

select * from final
