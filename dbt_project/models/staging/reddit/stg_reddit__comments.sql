{#
    Reddit comments (`t1`), latest version per comment, with their submission and parent (the submission for a
    top-level comment, else a comment). Deleted comments show `[deleted]`, removed ones `[removed]` (their author
    `[deleted]` too): both are `is_deleted`, the body and author are null. `edited` is false or the epoch of the
    edit. Author flags come from stg_reddit__authors.
#}
with

source as (
    {{ latest_version(source('raw', 'reddit__comments')) }}
),

authors as (
    select * from {{ ref('stg_reddit__authors') }}
),

parsed as (
    select
        source._source as source_name,
        {{ json_str('source._record', 'data.id') }} as comment_id,
        {{ json_str('source._record', 'data.name') }} as fullname,
        {{ json_str('source._record', 'data.link_id') }} as link_fullname,
        {{ json_str('source._record', 'data.parent_id') }} as parent_fullname,
        {{ json_str('source._record', 'data.subreddit') }} as subreddit,
        {{ reddit_author(json_str('source._record', 'data.author')) }} as author_username,
        {{ json_str('source._record', 'data.author_fullname') }} as author_fullname,
        coalesce({{ json_bool('source._record', 'data.is_submitter') }}, false) as is_submitter,
        {{ json_str('source._record', 'data.body') }} as raw_body,
        cast({{ json_int('source._record', 'data.score') }} as integer) as score,
        cast({{ json_int('source._record', 'data.controversiality') }} as integer) as controversiality,
        coalesce({{ json_bool('source._record', 'data.stickied') }}, false) as is_stickied,
        coalesce({{ json_bool('source._record', 'data.locked') }}, false) as is_locked,
        {{ json_str('source._record', 'data.distinguished') }} as distinguished,
        {{ json_str('source._record', 'data.removed_by_category') }} as removed_by_category,
        {{ json_str('source._record', 'data.edited') }} as edited,
        {{ reddit_epoch_ts(json_str('source._record', 'data.created_utc')) }} as created_at,
        source._extracted_at as extracted_at
    from source
),

renamed as (
    select
        parsed.source_name || ':' || parsed.comment_id as comment_key,
        parsed.source_name,
        parsed.comment_id,
        parsed.fullname,
        substr(parsed.link_fullname, 4) as submission_id,
        parsed.source_name || ':' || substr(parsed.link_fullname, 4) as submission_key,
        case left(parsed.parent_fullname, 3)
            when 't3_' then 'submission'
            when 't1_' then 'comment'
        end as parent_kind,
        substr(parsed.parent_fullname, 4) as parent_id,
        case
            when left(parsed.parent_fullname, 3) = 't1_'
                then parsed.source_name || ':' || substr(parsed.parent_fullname, 4)
        end as parent_comment_key,
        coalesce(left(parsed.parent_fullname, 3) = 't3_', false) as is_top_level,
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
        parsed.is_submitter,
        {{ reddit_text('parsed.raw_body') }} as body,
        parsed.score,
        parsed.controversiality,
        parsed.is_stickied,
        parsed.is_locked,
        parsed.distinguished,
        (
            parsed.removed_by_category is not null
            or coalesce(trim(parsed.raw_body) in ('[deleted]', '[removed]', '[ Removed by Reddit ]'), false)
        ) as is_deleted,
        (
            coalesce(parsed.removed_by_category not in ('deleted', 'author'), false)
            or coalesce(trim(parsed.raw_body) in ('[removed]', '[ Removed by Reddit ]'), false)
        ) as is_removed,
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
