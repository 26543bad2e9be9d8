{{ config(materialized='table') }}
{#-
    A table, not a view: the tokenizing regex runs over every text once; fct_feedback and the health report read it.

    Every community post, comment and message (Discourse posts, Reddit submissions and comments, Discord messages),
    also by staff and bots (they can respond; they are not feedback), with its conversation links and a lexicon
    sentiment score (seed sentiment_lexicon, macros/sentiment.sql):

      1. the lower-cased text is cut into lexicon tokens, left to right, longest term first;
      2. a sentiment term is negated when the token before it is a negator within reach (Chinese: at most 3
         characters between, 不好 / 没有想象中好喝; English: at most 12, not good / didn't taste good), or an
         intensifier right before it follows such a negator (不太好, not very good); no clause punctuation between;
      3. an intensifier right before a term (at most one character between) multiplies its weight (很失望 x1.5,
         有点失望 x0.7);
      4. each sentiment term contributes polarity x weight x intensity, sign flipped when negated;
         P = the sum of the positive contributions, N = the sum of the negative ones (as a positive number);
      5. sentiment_score = (P - N) / (P + N + 1), in (-1, 1): 0 without sentiment terms, -0.5 for one mild
         complaint (慢, late), -0.75 for 很失望 / really disappointed, nearer -1 the more and stronger the terms.

    An item is negative when sentiment_score < var('feedback_negative_threshold') (-0.2), or < 0 in a feedback
    channel (var('feedback_channel_pattern') on the channel name). Texts that staging does not redact (Discourse
    posts: staging keeps no text) are redacted here (redact_contacts) before anything else reads them.
-#}
{%- set threshold = var('feedback_negative_threshold', -0.2) | float -%}
{%- set channel_pattern = dbt.escape_single_quotes(
    var('feedback_channel_pattern', 'feedback|support|complain|反馈|建议|售后|投诉') | string) -%}

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

lexicon as (
    select * from {{ ref('sentiment_lexicon') }}
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
),

-- 1. tokens: one row per lexicon match, in text order, with the text between it and the previous one
normalized as (
    select
        items.item_key,
        {{ sentiment_normalize('items.body') }} as normalized_body
    from items
    where items.body is not null
),

-- each part of the lexicon (macros/sentiment.sql) cuts the text on its own: its tokens and the texts around them
tokenized as (
    {%- for part in sentiment_token_parts() %}
        select
            normalized.item_key,
            normalized.normalized_body,
            '{{ part }}' as token_part,
            {{ sentiment_tokens('normalized.normalized_body', part) }} as tokens,
            {{ sentiment_gaps('normalized.normalized_body', part) }} as gaps
        from normalized
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

-- where each token ends: the texts before it and the tokens before it, and itself
part_tokens as (
    select
        tokenized.item_key,
        tokenized.normalized_body,
        token_list.token,
        cast(sum(length(tokenized.gaps[cast(token_list.part_position as integer)]) + length(token_list.token)) over (
            partition by tokenized.item_key, tokenized.token_part
            order by token_list.part_position
            rows between unbounded preceding and current row
        ) as integer) as token_end
    from tokenized
    cross join lateral unnest(tokenized.tokens) with ordinality as token_list (token, part_position)
),

-- the parts' tokens never overlap: merged by place, the gap before each is the text since the previous one ends
merged_tokens as (
    select
        part_tokens.item_key,
        part_tokens.normalized_body,
        part_tokens.token,
        part_tokens.token_end - cast(length(part_tokens.token) as integer) + 1 as token_start,
        coalesce(lag(part_tokens.token_end) over (
            partition by part_tokens.item_key order by part_tokens.token_end
        ), 0) as previous_end,
        row_number() over (partition by part_tokens.item_key order by part_tokens.token_end) as token_position
    from part_tokens
),

tokens as (
    select
        merged_tokens.item_key,
        merged_tokens.token,
        merged_tokens.token_position,
        substr(
            merged_tokens.normalized_body,
            merged_tokens.previous_end + 1,
            merged_tokens.token_start - merged_tokens.previous_end - 1
        ) as gap_before,
        coalesce({{ sentiment_term_of('merged_tokens.token') }}, merged_tokens.token) as term
    from merged_tokens
),

-- a token that is no lexicon term (an English word that only contains one) stays, with no kind: it breaks chains
tokens_classified as (
    select
        tokens.item_key,
        tokens.token_position,
        tokens.gap_before,
        lexicon.kind,
        lexicon.polarity,
        lexicon.weight,
        coalesce(lexicon.is_resolution, false) as is_resolution,
        case when lexicon.kind = 'negator' then case when lexicon.language = 'en' then 12 else 3 end end
            as negation_reach
    from tokens
    left join lexicon
        on
            tokens.term = lexicon.term
            and (lexicon.match_type <> 'word' or tokens.token = lexicon.term)
),

-- 2. and 3. what the one or two tokens before each one do to it
tokens_in_context as (
    select
        tokens_classified.*,
        lag(tokens_classified.kind) over (
            partition by tokens_classified.item_key order by tokens_classified.token_position
        ) as previous_kind,
        lag(tokens_classified.weight) over (
            partition by tokens_classified.item_key order by tokens_classified.token_position
        ) as previous_weight,
        lag(tokens_classified.negation_reach) over (
            partition by tokens_classified.item_key order by tokens_classified.token_position
        ) as previous_reach,
        lag(tokens_classified.gap_before) over (
            partition by tokens_classified.item_key order by tokens_classified.token_position
        ) as previous_gap,
        lag(tokens_classified.kind, 2) over (
            partition by tokens_classified.item_key order by tokens_classified.token_position
        ) as second_previous_kind,
        lag(tokens_classified.negation_reach, 2) over (
            partition by tokens_classified.item_key order by tokens_classified.token_position
        ) as second_previous_reach
    from tokens_classified
),

tokens_modified as (
    select
        tokens_in_context.item_key,
        tokens_in_context.kind,
        tokens_in_context.polarity,
        tokens_in_context.weight,
        tokens_in_context.is_resolution,
        coalesce(
            (
                tokens_in_context.previous_kind = 'negator'
                and {{ sentiment_within('tokens_in_context.gap_before', 'tokens_in_context.previous_reach') }}
            )
            or (
                tokens_in_context.previous_kind = 'intensifier'
                and {{ sentiment_within('tokens_in_context.gap_before', 1) }}
                and tokens_in_context.second_previous_kind = 'negator'
                and {{ sentiment_within('tokens_in_context.previous_gap', 'tokens_in_context.second_previous_reach') }}
            ),
            false
        ) as is_negated,
        case
            when
                tokens_in_context.previous_kind = 'intensifier'
                and {{ sentiment_within('tokens_in_context.gap_before', 1) }}
                then tokens_in_context.previous_weight
            else 1
        end as intensity
    from tokens_in_context
),

-- 4. contributions
contributions as (
    select
        tokens_modified.item_key,
        tokens_modified.is_resolution,
        tokens_modified.kind = 'sentiment' and tokens_modified.is_negated as is_negated_term,
        case
            when tokens_modified.kind = 'sentiment'
                then
                    tokens_modified.polarity * tokens_modified.weight
                    * case when tokens_modified.is_negated then -1 else tokens_modified.intensity end
        end as contribution
    from tokens_modified
),

item_scores as (
    select
        contributions.item_key,
        coalesce(sum(case when contributions.contribution > 0 then contributions.contribution end), 0)
            as positive_weight,
        coalesce(sum(case when contributions.contribution < 0 then -contributions.contribution end), 0)
            as negative_weight,
        count(case when contributions.contribution > 0 then 1 end) as positive_term_count,
        count(case when contributions.contribution < 0 then 1 end) as negative_term_count,
        count(case when contributions.is_negated_term then 1 end) as negated_term_count,
        max(case when contributions.is_resolution then 1 else 0 end) = 1 as has_resolution_term
    from contributions
    group by contributions.item_key
),

-- 5. the score, the language, the excerpt
scored as (
    select
        items.*,
        case
            when items.body is not null
                then {{ sentiment_score(
                    'coalesce(item_scores.positive_weight, 0)', 'coalesce(item_scores.negative_weight, 0)') }}
        end as sentiment_score,
        cast(coalesce(item_scores.positive_term_count, 0) as integer) as positive_term_count,
        cast(coalesce(item_scores.negative_term_count, 0) as integer) as negative_term_count,
        cast(coalesce(item_scores.negated_term_count, 0) as integer) as negated_term_count,
        coalesce(item_scores.has_resolution_term, false) as has_resolution_term,
        trim(regexp_replace(items.body, '[ \t\r\n 　]+', ' ', 'g')) as flat_body
    from items
    left join item_scores
        on items.item_key = item_scores.item_key
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
