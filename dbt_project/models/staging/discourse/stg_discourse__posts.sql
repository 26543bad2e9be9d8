{{ config(materialized='table') }}
{#- A table, not a view: the largest stream, read by several models and tests; parse its JSON once. -#}

with

source as (
    {{ latest_version(source('raw', 'discourse__posts'), 'updated_at') }}
),

renamed as (
    select
        source._source || ':' || source._pk as post_key,
        source._source as source_name,
        {{ json_int('source._record', 'id') }} as post_id,
        {{ json_int('source._record', 'topic_id') }} as topic_id,
        source._source || ':' || {{ json_str('source._record', 'topic_id') }} as topic_key,
        cast({{ json_int('source._record', 'post_number') }} as integer) as post_number,
        cast({{ json_int('source._record', 'reply_to_post_number') }} as integer) as reply_to_post_number,
        {{ json_int('source._record', 'user_id') }} as user_id,
        source._source || ':' || {{ json_str('source._record', 'user_id') }} as user_key,
        {{ json_str('source._record', 'username') }} as username,
        {{ json_int('source._record', 'category_id') }} as category_id,
        cast({{ json_int('source._record', 'post_type') }} as integer) as post_type,
        cast({{ json_int('source._record', 'version') }} as integer) as post_version,
        coalesce({{ json_int('source._record', 'version') }} > 1, false) as is_edited,
        coalesce({{ json_int('source._record', 'post_number') }} > 1, false) as is_reply,
        (
            {{ json_ts('source._record', 'deleted_at') }} is not null
            or coalesce({{ json_bool('source._record', 'user_deleted') }}, false)
        ) as is_deleted,
        coalesce({{ json_bool('source._record', 'hidden') }}, false) as is_hidden,
        (
            coalesce({{ json_bool('source._record', 'staff') }}, false)
            or coalesce({{ json_bool('source._record', 'admin') }}, false)
            or coalesce({{ json_bool('source._record', 'moderator') }}, false)
        ) as author_is_staff,
        (
            coalesce({{ json_int('source._record', 'user_id') }} <= 0, false)
            or {{ is_bot_username(json_str('source._record', 'username')) }}
        ) as author_is_bot,
        cast({{ json_int('source._record', 'reply_count') }} as integer) as reply_count,
        {{ json_ts('source._record', 'created_at') }} as created_at,
        {{ json_ts('source._record', 'updated_at') }} as updated_at,
        {{ json_ts('source._record', 'deleted_at') }} as deleted_at,
        source._extracted_at as extracted_at
    from source
)

select * from renamed
