{#
    Discourse users with their home community: the community of their first post (not deleted, not a private
    message), else their source's whole-source community; null when neither exists (such users count only in
    'all'). One row per user and community. `is_member` excludes staff and bots.
#}
with

users as (
    select * from {{ ref('stg_discourse__users') }}
),

posts as (
    select * from {{ ref('int_posts_mapped') }}
),

channels as (
    select * from {{ ref('int_channels_mapped') }}
),

ranked_posts as (
    select
        posts.user_key,
        posts.community,
        posts.created_at,
        rank() over (
            partition by posts.user_key
            order by posts.created_at, posts.post_id
        ) as post_order
    from posts
    where
        not posts.is_deleted
        and not posts.is_private_message
),

first_posts as (
    select
        ranked_posts.user_key,
        ranked_posts.community,
        ranked_posts.created_at as first_post_at
    from ranked_posts
    where ranked_posts.post_order = 1
),

source_communities as (
    select
        channels.source_name,
        channels.community
    from channels
    where channels.channel_key = channels.source_name || ':*'
),

users_mapped as (
    select
        users.user_key,
        first_posts.community,
        first_posts.first_post_at
    from users
    inner join first_posts
        on users.user_key = first_posts.user_key

    union all

    select
        users.user_key,
        source_communities.community,
        cast(null as timestamptz) as first_post_at
    from users
    left join first_posts
        on users.user_key = first_posts.user_key
    left join source_communities
        on users.source_name = source_communities.source_name
    where first_posts.user_key is null
),

final as (
    select
        users.user_key,
        users_mapped.community,
        users.source_name,
        users.user_id,
        users.username,
        users.created_at,
        {{ week_start('users.created_at') }} as week_start,
        {{ iso_week_label('users.created_at') }} as iso_week,
        users_mapped.first_post_at,
        users.is_staff,
        users.is_bot,
        (not users.is_staff and not users.is_bot) as is_member
    from users
    inner join users_mapped
        on users.user_key = users_mapped.user_key
)

select * from final
