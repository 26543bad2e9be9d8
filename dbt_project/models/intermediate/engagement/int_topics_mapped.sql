{#
    Discourse topics with their community (one row per topic and community; null when no channel covers the
    topic's category), local week of creation, and whether the topic counts as community content.
#}
with

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

topics_joined as (
    select
        topics.topic_key,
        topics.source_name,
        topics.topic_id,
        topics.user_key,
        topics.category_id,
        categories.category_slug,
        coalesce(categories.category_key, topics.source_name || ':*') as channel_key,
        topics.created_at,
        coalesce(topics.archetype = 'private_message', false) as is_private_message,
        coalesce(users.is_bot, false) or coalesce(topics.user_id <= 0, false) as author_is_bot
    from topics
    left join categories
        on
            topics.source_name = categories.source_name
            and topics.category_id = categories.category_id
    left join users
        on topics.user_key = users.user_key
),

final as (
    select
        topics_joined.topic_key,
        channels.community,
        topics_joined.source_name,
        topics_joined.topic_id,
        topics_joined.user_key,
        topics_joined.category_id,
        topics_joined.category_slug,
        topics_joined.created_at,
        {{ week_start('topics_joined.created_at') }} as week_start,
        {{ iso_week_label('topics_joined.created_at') }} as iso_week,
        topics_joined.is_private_message,
        topics_joined.author_is_bot,
        (not topics_joined.is_private_message and not topics_joined.author_is_bot) as is_counted
    from topics_joined
    left join channels
        on topics_joined.channel_key = channels.channel_key
)

select * from final
