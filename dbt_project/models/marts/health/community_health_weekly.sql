{#
    Weekly community health, a first thin version: one row per ISO week (business time zone) and community,
    for every week from the first to the last week with any counted activity, zero-filled, plus community 'all'
    (everything, also activity no community covers; distinct counts, so shared channels are not double counted).
#}
with

posts as (
    select * from {{ ref('int_posts_mapped') }}
),

topics as (
    select * from {{ ref('int_topics_mapped') }}
),

members as (
    select * from {{ ref('int_members_mapped') }}
),

orders as (
    select * from {{ ref('int_orders_mapped') }}
),

channels as (
    select * from {{ source('raw', '_channels') }}
),

communities as (
    select distinct channels.community
    from channels
    where channels.community is not null

    union all

    select 'all' as community
),

-- every counted event once per community it belongs to, and once more for 'all'
post_events as (
    select
        posts.week_start,
        posts.community,
        posts.post_key,
        posts.user_key,
        posts.is_reply,
        posts.author_is_staff
    from posts
    where posts.is_counted and posts.community is not null

    union all

    select distinct
        posts.week_start,
        'all' as community,
        posts.post_key,
        posts.user_key,
        posts.is_reply,
        posts.author_is_staff
    from posts
    where posts.is_counted
),

topic_events as (
    select
        topics.week_start,
        topics.community,
        topics.topic_key
    from topics
    where topics.is_counted and topics.community is not null

    union all

    select distinct
        topics.week_start,
        'all' as community,
        topics.topic_key
    from topics
    where topics.is_counted
),

member_events as (
    select
        members.week_start,
        members.community,
        members.user_key
    from members
    where members.is_member and members.community is not null

    union all

    select distinct
        members.week_start,
        'all' as community,
        members.user_key
    from members
    where members.is_member
),

order_events as (
    select
        orders.week_start,
        orders.community,
        orders.order_key,
        orders.buyer_key,
        orders.net_revenue
    from orders
    where orders.is_counted and orders.community is not null

    union all

    select distinct
        orders.week_start,
        'all' as community,
        orders.order_key,
        orders.buyer_key,
        orders.net_revenue
    from orders
    where orders.is_counted
),

post_metrics as (
    select
        post_events.week_start,
        post_events.community,
        count(distinct case when not post_events.author_is_staff then post_events.user_key end) as active_members,
        count(distinct post_events.post_key) as posts,
        count(distinct case when post_events.is_reply then post_events.post_key end) as replies
    from post_events
    group by post_events.week_start, post_events.community
),

topic_metrics as (
    select
        topic_events.week_start,
        topic_events.community,
        count(distinct topic_events.topic_key) as topics
    from topic_events
    group by topic_events.week_start, topic_events.community
),

member_metrics as (
    select
        member_events.week_start,
        member_events.community,
        count(distinct member_events.user_key) as new_members
    from member_events
    group by member_events.week_start, member_events.community
),

order_metrics as (
    select
        order_events.week_start,
        order_events.community,
        count(distinct order_events.order_key) as orders,
        count(distinct order_events.buyer_key) as buyers,
        sum(order_events.net_revenue) as revenue
    from order_events
    group by order_events.week_start, order_events.community
),

event_weeks as (
    select post_metrics.week_start from post_metrics
    union all
    select topic_metrics.week_start from topic_metrics
    union all
    select member_metrics.week_start from member_metrics
    union all
    select order_metrics.week_start from order_metrics
),

week_bounds as (
    select
        min(event_weeks.week_start) as first_week,
        max(event_weeks.week_start) as last_week
    from event_weeks
),

weeks as (
    select cast(week_spine.week_ts as date) as week_start
    from week_bounds
    cross join {{ week_series('week_bounds.first_week', 'week_bounds.last_week') }} as week_spine (week_ts)
    where week_bounds.first_week is not null
),

final as (
    select
        weeks.week_start,
        {{ iso_week_of_date('weeks.week_start') }} as iso_week,
        communities.community,
        coalesce(post_metrics.active_members, 0) as active_members,
        coalesce(member_metrics.new_members, 0) as new_members,
        coalesce(topic_metrics.topics, 0) as topics,
        coalesce(post_metrics.posts, 0) as posts,
        coalesce(post_metrics.replies, 0) as replies,
        coalesce(order_metrics.orders, 0) as orders,
        coalesce(order_metrics.buyers, 0) as buyers,
        cast(coalesce(order_metrics.revenue, 0) as numeric(18, 2)) as revenue
    from weeks
    cross join communities
    left join post_metrics
        on
            weeks.week_start = post_metrics.week_start
            and communities.community = post_metrics.community
    left join topic_metrics
        on
            weeks.week_start = topic_metrics.week_start
            and communities.community = topic_metrics.community
    left join member_metrics
        on
            weeks.week_start = member_metrics.week_start
            and communities.community = member_metrics.community
    left join order_metrics
        on
            weeks.week_start = order_metrics.week_start
            and communities.community = order_metrics.community
)

select * from final
