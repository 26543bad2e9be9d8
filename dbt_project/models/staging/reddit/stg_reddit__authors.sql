{#
    Reddit accounts as the listings show them (Reddit has no member list for a script app): one row per source and
    author of a submission or comment in the latest versions. `[deleted]` authors are left out. Reddit reveals
    moderators only through items they distinguish: an author with a moderator-distinguished item is staff.
#}
with

submissions as (
    {{ latest_version(source('raw', 'reddit__submissions')) }}
),

comments as (
    {{ latest_version(source('raw', 'reddit__comments')) }}
),

items as (
    select
        submissions._source as source_name,
        'submission' as item_kind,
        {{ reddit_author(json_str('submissions._record', 'data.author')) }} as username,
        {{ json_str('submissions._record', 'data.author_fullname') }} as author_fullname,
        {{ json_str('submissions._record', 'data.distinguished') }} as distinguished,
        {{ reddit_epoch_ts(json_str('submissions._record', 'data.created_utc')) }} as created_at
    from submissions

    union all

    select
        comments._source as source_name,
        'comment' as item_kind,
        {{ reddit_author(json_str('comments._record', 'data.author')) }} as username,
        {{ json_str('comments._record', 'data.author_fullname') }} as author_fullname,
        {{ json_str('comments._record', 'data.distinguished') }} as distinguished,
        {{ reddit_epoch_ts(json_str('comments._record', 'data.created_utc')) }} as created_at
    from comments
),

authors as (
    select
        items.source_name,
        items.username,
        max(items.author_fullname) as author_fullname,
        count(case when items.item_kind = 'submission' then 1 end) as submission_count,
        count(case when items.item_kind = 'comment' then 1 end) as comment_count,
        count(case when items.distinguished = 'moderator' then 1 end) as moderator_item_count,
        min(items.created_at) as first_item_at,
        max(items.created_at) as last_item_at
    from items
    where items.username is not null
    group by
        items.source_name,
        items.username
),

renamed as (
    select
        authors.source_name || ':' || authors.username as author_key,
        authors.source_name,
        authors.username,
        authors.author_fullname,
        {{ reddit_is_bot('authors.username') }} as is_bot,
        (authors.moderator_item_count > 0 and not {{ reddit_is_bot('authors.username') }}) as is_staff,
        authors.submission_count,
        authors.comment_count,
        authors.moderator_item_count,
        authors.first_item_at,
        authors.last_item_at
    from authors
)

select * from renamed
