{#
    Discourse posts with their community (one row per post and community; community null when no channel
    covers the post: such posts count only in 'all'), local week, and the flags the health metrics filter on.
    A post's category is its topic's (else the post's own category_id); its author's staff and bot flags come from
    the users stream, else from the post itself.
#}
with

posts as (
    select * from {{ ref('stg_discourse__posts') }}
),

topics as (
    select * from {{ ref('stg_discourse__topics') }}
),

categories as (
    select * from {{ ref('stg_discourse__categories') }}
),

users as (
    select * from {{ ref('stg_discourse__users') }}
),

channels as (
    select * from {{ ref('int_channels_mapped') }}
),

posts_joined as (
    select
        posts.post_key,
        posts.source_name,
        posts.post_id,
        posts.topic_key,
        posts.user_key,
        posts.post_number,
        posts.post_type,
        posts.created_at,
        posts.is_reply,
        posts.is_deleted,
        coalesce(topics.category_id, posts.category_id) as category_id,
        coalesce(topics.archetype = 'private_message', false) as is_private_message,
        coalesce(users.is_staff, posts.author_is_staff) as author_is_staff,
        coalesce(users.is_bot, false) or posts.author_is_bot as author_is_bot
    from posts
    left join topics
        on posts.topic_key = topics.topic_key
    left join users
        on posts.user_key = users.user_key
),

posts_with_channel as (
    select
        posts_joined.*,
        categories.category_slug,
        coalesce(categories.category_key, posts_joined.source_name || ':*') as channel_key
    from posts_joined
    left join categories
        on
            posts_joined.source_name = categories.source_name
            and posts_joined.category_id = categories.category_id
),

final as (
    select
        posts_with_channel.post_key,
        channels.community,
        posts_with_channel.source_name,
        posts_with_channel.post_id,
        posts_with_channel.topic_key,
        posts_with_channel.user_key,
        posts_with_channel.category_id,
        posts_with_channel.category_slug,
        posts_with_channel.created_at,
        {{ week_start('posts_with_channel.created_at') }} as week_start,
        {{ iso_week_label('posts_with_channel.created_at') }} as iso_week,
        posts_with_channel.is_reply,
        posts_with_channel.is_deleted,
        posts_with_channel.is_private_message,
        posts_with_channel.author_is_staff,
        posts_with_channel.author_is_bot,
        (
            not posts_with_channel.is_deleted
            and not posts_with_channel.is_private_message
            and not posts_with_channel.author_is_bot
            and coalesce(posts_with_channel.post_type, 1) = 1
        ) as is_counted
    from posts_with_channel
    left join channels
        on posts_with_channel.channel_key = channels.channel_key
)

select * from final
