{#
    Negative feedback: one row per negative feedback item (int_feedback_scored: written by a member - not staff,
    not a bot -, not deleted, not private, sentiment_score below the threshold) and community it belongs to
    (Discourse: its category's communities, int_posts_mapped; Reddit and Discord: the whole source's; community
    null when none covers it: such items count only in 'all').

    First response: the earliest reply to the item (Discourse: a post replying to it, or any reply in the topic it
    opened; Reddit: a comment on it; Discord: a reply to it, or a message in the thread it started) by someone
    other than its author, not a bot, not deleted, a regular message. Staff replies count.

    Resolved, by the first that applies (resolution_signal):
      author_thanks    after the first response, the author replies to a response, or writes again in the thread
                       they opened, with a resolution term (谢谢, 解决了, thanks, solved, fixed) and a score >= 0
                       ("thanks for nothing, still broken" is no thanks); resolved_at is that message
      accepted_answer  Discourse: the topic the item opened has an accepted answer (Solved); the topics stream
                       says that one was accepted, not which or when: resolved_at is null
      solved_flair     Reddit: the submission's flair is solved, resolved, answered or fixed; resolved_at is null
    A closed Discourse topic is not resolved: Discourse closes quiet topics on a timer.
#}
with

feedback_items as (
    select * from {{ ref('int_feedback_scored') }}
),

posts_mapped as (
    select * from {{ ref('int_posts_mapped') }}
),

channels as (
    select * from {{ ref('int_channels_mapped') }}
),

account_members as (
    select * from {{ ref('int_identity__account_members') }}
),

negative_items as (
    select feedback_items.*
    from feedback_items
    where
        feedback_items.is_feedback
        and feedback_items.is_negative
),

responses as (
    select
        negative_items.item_key,
        replies.item_key as response_item_key,
        replies.created_at as response_at,
        replies.author_is_staff as responder_is_staff,
        row_number() over (
            partition by negative_items.item_key
            order by replies.created_at, replies.item_key
        ) as response_order
    from negative_items
    inner join feedback_items as replies
        on negative_items.item_key = replies.parent_item_key
    where
        not replies.author_is_bot
        and not replies.is_deleted
        and replies.is_regular_message
        and replies.created_at >= negative_items.created_at
        and replies.author_account_key is distinct from negative_items.author_account_key
),

first_responses as (
    select
        responses.item_key,
        responses.response_item_key,
        responses.response_at,
        responses.responder_is_staff
    from responses
    where responses.response_order = 1
),

thanks as (
    -- the author replies to one of the responses
    select
        responses.item_key,
        later_items.created_at as thanked_at
    from responses
    inner join negative_items
        on responses.item_key = negative_items.item_key
    inner join feedback_items as later_items
        on
            responses.response_item_key = later_items.parent_item_key
            and negative_items.author_account_key = later_items.author_account_key
    where
        later_items.has_resolution_term
        and later_items.sentiment_score >= 0
        and not later_items.is_deleted

    union all

    -- or writes again in the thread they opened
    select
        negative_items.item_key,
        later_items.created_at as thanked_at
    from negative_items
    inner join feedback_items as later_items
        on
            negative_items.thread_key = later_items.thread_key
            and negative_items.author_account_key = later_items.author_account_key
            and negative_items.item_key <> later_items.item_key
    where
        negative_items.is_thread_start
        and later_items.has_resolution_term
        and later_items.sentiment_score >= 0
        and not later_items.is_deleted
),

first_thanks as (
    select
        thanks.item_key,
        min(thanks.thanked_at) as thanked_at
    from thanks
    inner join first_responses
        on thanks.item_key = first_responses.item_key
    where thanks.thanked_at > first_responses.response_at
    group by thanks.item_key
),

item_communities as (
    select
        negative_items.item_key,
        posts_mapped.community
    from negative_items
    inner join posts_mapped
        on negative_items.item_key = 'discourse:' || posts_mapped.post_key
    where negative_items.platform = 'discourse'

    union all

    select
        negative_items.item_key,
        channels.community
    from negative_items
    left join channels
        on negative_items.source_name || ':*' = channels.channel_key
    where negative_items.platform <> 'discourse'
),

final as (
    select
        negative_items.item_key || '@' || coalesce(item_communities.community, '') as feedback_key,
        negative_items.item_key,
        negative_items.platform,
        negative_items.source_name,
        negative_items.item_type,
        item_communities.community,
        negative_items.channel,
        negative_items.is_feedback_channel,
        negative_items.created_at,
        {{ week_start('negative_items.created_at') }} as created_week,
        {{ iso_week_label('negative_items.created_at') }} as created_iso_week,
        negative_items.author_account_key,
        account_members.member_id as author_member_id,
        negative_items.language,
        negative_items.sentiment_score,
        negative_items.negative_term_count,
        negative_items.positive_term_count,
        negative_items.negated_term_count,
        first_responses.response_item_key as first_response_item_key,
        first_responses.response_at as first_response_at,
        {{ feedback_hours_between('negative_items.created_at', 'first_responses.response_at') }}
            as first_response_hours,
        first_responses.responder_is_staff as first_responder_is_staff,
        (first_thanks.item_key is not null or negative_items.platform_resolution is not null) as is_resolved,
        case
            when first_thanks.item_key is not null then 'author_thanks'
            else negative_items.platform_resolution
        end as resolution_signal,
        first_thanks.thanked_at as resolved_at,
        {{ feedback_hours_between('negative_items.created_at', 'first_thanks.thanked_at') }} as resolution_hours,
        negative_items.excerpt
    from negative_items
    inner join item_communities
        on negative_items.item_key = item_communities.item_key
    left join account_members
        on negative_items.author_account_key = account_members.account_key
    left join first_responses
        on negative_items.item_key = first_responses.item_key
    left join first_thanks
        on negative_items.item_key = first_thanks.item_key
)

select * from final
