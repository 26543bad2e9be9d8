with

source as (
    {{ latest_version(source('raw', 'discourse__topics')) }}
),

renamed as (
    select
        source._source || ':' || source._pk as topic_key,
        source._source as source_name,
        {{ json_int('source._record', 'id') }} as topic_id,
        {{ json_str('source._record', 'slug') }} as topic_slug,
        {{ json_int('source._record', 'category_id') }} as category_id,
        source._source || ':' || {{ json_str('source._record', 'category_id') }} as category_key,
        {# /latest.json has no user_id: the first of `posters` is the original poster. #}
        {{ json_int('source._record', 'posters.0.user_id') }} as user_id,
        source._source || ':' || {{ json_str('source._record', 'posters.0.user_id') }} as user_key,
        {{ json_str('source._record', 'archetype') }} as archetype,
        cast({{ json_int('source._record', 'posts_count') }} as integer) as posts_count,
        cast({{ json_int('source._record', 'reply_count') }} as integer) as reply_count,
        cast({{ json_int('source._record', 'highest_post_number') }} as integer) as highest_post_number,
        cast({{ json_int('source._record', 'views') }} as integer) as view_count,
        cast({{ json_int('source._record', 'like_count') }} as integer) as like_count,
        coalesce({{ json_bool('source._record', 'pinned') }}, false) as is_pinned,
        coalesce({{ json_bool('source._record', 'closed') }}, false) as is_closed,
        coalesce({{ json_bool('source._record', 'archived') }}, false) as is_archived,
        coalesce({{ json_bool('source._record', 'visible') }}, true) as is_visible,
        coalesce({{ json_bool('source._record', 'has_accepted_answer') }}, false) as has_accepted_answer,
        {{ json_ts('source._record', 'created_at') }} as created_at,
        {{ json_ts('source._record', 'bumped_at') }} as bumped_at,
        {{ json_ts('source._record', 'last_posted_at') }} as last_posted_at,
        source._extracted_at as extracted_at
    from source
)

select * from renamed
