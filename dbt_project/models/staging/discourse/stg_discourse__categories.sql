with

source as (
    {{ latest_version(source('raw', 'discourse__categories')) }}
),

renamed as (
    select
        source._source || ':' || source._pk as category_key,
        source._source as source_name,
        {{ json_int('source._record', 'id') }} as category_id,
        {{ json_str('source._record', 'name') }} as category_name,
        {{ json_str('source._record', 'slug') }} as category_slug,
        {{ json_int('source._record', 'parent_category_id') }} as parent_category_id,
        cast({{ json_int('source._record', 'position') }} as integer) as category_position,
        cast({{ json_int('source._record', 'topic_count') }} as integer) as topic_count,
        cast({{ json_int('source._record', 'post_count') }} as integer) as post_count,
        coalesce({{ json_bool('source._record', 'read_restricted') }}, false) as is_read_restricted,
        source._extracted_at as extracted_at
    from source
)

select * from renamed
