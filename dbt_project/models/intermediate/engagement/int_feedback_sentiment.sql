{{ config(
    materialized='incremental',
    unique_key='item_key',
    incremental_strategy='delete+insert',
    on_schema_change='fail',
) }}
{#-
    The lexicon sentiment of every text of int_feedback_items (seed sentiment_lexicon, macros/sentiment.sql):

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

    Incremental: a score depends only on the text and the lexicon, so a run scores only the texts it has not
    scored yet - new items, edited texts (body_hash) and, after a lexicon change (lexicon_version), all of them -
    and replaces those items' rows. The tokenizing regexes are the largest cost of the build (M world: ~33 of the
    model's 54 s); a daily run pays it for the day's texts only.
-#}
{%- set lexicon_version = sentiment_lexicon_version() %}

with

items as (
    select
        feedback_items.item_key,
        feedback_items.body,
        feedback_items.body_hash
    from {{ ref('int_feedback_items') }} as feedback_items
    where feedback_items.body is not null
),

to_score as (
    select items.*
    from items
    {%- if is_incremental() %}
        left join {{ this }} as scored
            on
                items.item_key = scored.item_key
                and items.body_hash = scored.body_hash
                and scored.lexicon_version = '{{ lexicon_version }}'
    where scored.item_key is null
    {%- endif %}
),

lexicon as (
    select * from {{ ref('sentiment_lexicon') }}
),

-- 1. tokens: one row per lexicon match, in text order, with the text between it and the previous one
normalized as (
    select
        to_score.item_key,
        {{ sentiment_normalize('to_score.body') }} as normalized_body
    from to_score
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

final as (
    select
        to_score.item_key,
        to_score.body_hash,
        cast('{{ lexicon_version }}' as {{ dbt.type_string() }}) as lexicon_version,
        {{ sentiment_score(
            'coalesce(item_scores.positive_weight, 0)', 'coalesce(item_scores.negative_weight, 0)') }}
            as sentiment_score,
        cast(coalesce(item_scores.positive_term_count, 0) as integer) as positive_term_count,
        cast(coalesce(item_scores.negative_term_count, 0) as integer) as negative_term_count,
        cast(coalesce(item_scores.negated_term_count, 0) as integer) as negated_term_count,
        coalesce(item_scores.has_resolution_term, false) as has_resolution_term
    from to_score
    left join item_scores
        on to_score.item_key = item_scores.item_key
)

select * from final
