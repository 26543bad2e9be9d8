{#
    Reddit submissions (`t3`), latest version per submission. Deleted ones stay listed with `[deleted]` text and
    author, removed ones with `[removed]` text: both are `is_deleted`, their text is null. Author flags come from
    stg_reddit__authors (moderators are known by the items they distinguish).
#}
with

source as (
    {{ latest_version(source('raw', 'reddit__submissions')) }}
),

authors as (
    select * from {{ ref('stg_reddit__authors') }}
),

parsed as (
    select
        source._source as source_name,
        {{ json_str('source._record', 'data.id') }} as submission_id,
        {{ json_str('source._record', 'data.name') }} as fullname,
        {{ json_str('source._record', 'data.subreddit') }} as subreddit,
        {{ reddit_author(json_str('source._record', 'data.author')) }} as author_username,
        {{ json_str('source._record', 'data.author_fullname') }} as author_fullname,
        {{ json_str('source._record', 'data.title') }} as raw_title,
        {{ json_str('source._record', 'data.selftext') }} as raw_selftext,
        coalesce({{ json_bool('source._record', 'data.is_self') }}, false) as is_self,
        {{ json_str('source._record', 'data.domain') }} as url_domain,
        {{ json_str('source._record', 'data.link_flair_text') }} as link_flair_text,
        cast({{ json_int('source._record', 'data.score') }} as integer) as score,
        {{ json_num('source._record', 'data.upvote_ratio', 4, 2) }} as upvote_ratio,
        cast({{ json_int('source._record', 'data.num_comments') }} as integer) as num_comments,
        coalesce({{ json_bool('source._record', 'data.stickied') }}, false) as is_stickied,
        coalesce({{ json_bool('source._record', 'data.locked') }}, false) as is_locked,
        coalesce({{ json_bool('source._record', 'data.over_18') }}, false) as is_over_18,
        {{ json_str('source._record', 'data.distinguished') }} as distinguished,
        {{ json_str('source._record', 'data.removed_by_category') }} as removed_by_category,
        {{ json_str('source._record', 'data.edited') }} as edited,
        {{ reddit_epoch_ts(json_str('source._record', 'data.created_utc')) }} as created_at,
        source._extracted_at as extracted_at
    from source
),

renamed as (
    select
        parsed.source_name || ':' || parsed.submission_id as submission_key,
        parsed.source_name,
        parsed.submission_id,
        parsed.fullname,
        parsed.subreddit,
        parsed.source_name || ':' || parsed.author_username as author_key,
        parsed.author_username,
        parsed.author_fullname,
        parsed.author_username is null as author_is_deleted,
        (
            coalesce(authors.is_staff, false)
            or (coalesce(parsed.distinguished = 'moderator', false) and not coalesce(authors.is_bot, false))
        ) as author_is_staff,
        coalesce(authors.is_bot, false) as author_is_bot,
        {{ reddit_text('parsed.raw_title') }} as title,
        {{ reddit_text('parsed.raw_selftext') }} as body,
        parsed.is_self,
        case when not parsed.is_self then parsed.url_domain end as link_domain,
        parsed.link_flair_text,
        parsed.score,
        parsed.upvote_ratio,
        parsed.num_comments,
        parsed.is_stickied,
        parsed.is_locked,
        parsed.is_over_18,
        parsed.distinguished,
        (
            parsed.removed_by_category is not null
            or coalesce(trim(parsed.raw_selftext) in ('[deleted]', '[removed]', '[ Removed by Reddit ]'), false)
        ) as is_deleted,
        (
            coalesce(parsed.removed_by_category not in ('deleted', 'author'), false)
            or coalesce(trim(parsed.raw_selftext) in ('[removed]', '[ Removed by Reddit ]'), false)
        ) as is_removed,
        parsed.removed_by_category,
        {{ reddit_is_edited('parsed.edited') }} as is_edited,
        {{ reddit_edited_ts('parsed.edited') }} as edited_at,
        parsed.created_at,
        parsed.extracted_at
    from parsed
    left join authors
        on
            parsed.source_name = authors.source_name
            and parsed.author_username = authors.username
)

select * from renamed
