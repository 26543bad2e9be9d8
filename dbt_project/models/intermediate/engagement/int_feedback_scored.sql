{{ config(materialized='table') }}
{#-
    Every community post, comment and message (int_feedback_items) with its sentiment (int_feedback_sentiment, where
    the scoring is documented), its language, whether it is feedback and whether it is negative, and an excerpt.

    An item is negative when sentiment_score < var('feedback_negative_threshold') (-0.2), or < 0 in a feedback
    channel (var('feedback_channel_pattern') on the channel name).
-#}
{%- set threshold = var('feedback_negative_threshold', -0.2) | float -%}
{%- set channel_pattern = dbt.escape_single_quotes(
    var('feedback_channel_pattern', 'feedback|support|complain|反馈|建议|售后|投诉') | string) -%}

with

items as (
    select * from {{ ref('int_feedback_items') }}
),

sentiment as (
    select * from {{ ref('int_feedback_sentiment') }}
),

-- the score of the item's current text
scored as (
    select
        items.*,
        sentiment.sentiment_score,
        cast(coalesce(sentiment.positive_term_count, 0) as integer) as positive_term_count,
        cast(coalesce(sentiment.negative_term_count, 0) as integer) as negative_term_count,
        cast(coalesce(sentiment.negated_term_count, 0) as integer) as negated_term_count,
        coalesce(sentiment.has_resolution_term, false) as has_resolution_term,
        trim(regexp_replace(items.body, '[ \t\r\n 　]+', ' ', 'g')) as flat_body
    from items
    left join sentiment
        on
            items.item_key = sentiment.item_key
            and items.body_hash = sentiment.body_hash
),

final as (
    select
        scored.item_key,
        scored.platform,
        scored.source_name,
        scored.item_type,
        scored.native_id,
        scored.thread_key,
        scored.is_thread_start,
        scored.parent_item_key,
        scored.channel,
        coalesce({{ feedback_regex_contains('lower(scored.channel)', channel_pattern) }}, false) as is_feedback_channel,
        scored.author_account_key,
        scored.author_is_staff,
        scored.author_is_bot,
        scored.is_deleted,
        scored.is_private,
        scored.is_regular_message,
        scored.platform_resolution,
        scored.created_at,
        case
            when scored.body is null then null
            when length(regexp_replace(scored.body, '[一-鿿]', '', 'g')) < length(scored.body) then 'zh-CN'
            when length(regexp_replace(lower(scored.body), '[a-z]', '', 'g')) < length(scored.body) then 'en'
            else 'und'
        end as language,  -- noqa: RF04
        scored.sentiment_score,
        scored.positive_term_count,
        scored.negative_term_count,
        scored.negated_term_count,
        scored.has_resolution_term,
        (
            scored.body is not null
            and not scored.is_deleted
            and not scored.is_private
            and scored.is_regular_message
            and not scored.author_is_bot
            and not scored.author_is_staff
        ) as is_feedback,
        coalesce(
            scored.sentiment_score < {{ threshold }}
            or (
                scored.sentiment_score < 0
                and {{ feedback_regex_contains('lower(scored.channel)', channel_pattern) }}
            ),
            false
        ) as is_negative,
        case
            when length(scored.flat_body) > 140 then substr(scored.flat_body, 1, 139) || '…'
            else nullif(scored.flat_body, '')
        end as excerpt
    from scored
)

select * from final
