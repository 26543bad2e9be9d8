{#
    Daily reads, shares and favourites of each article pushed (`datacube/getarticlesummary`), latest version per
    (day, msgid): recent days are revised and re-read. msgid is `<appmsgid>_<index>` (the index is the article's
    position in the push, 1 the headline).
#}
with

source as (
    {{ latest_version(source('raw', 'wechat_mp__article_summary')) }}
),

renamed as (
    select
        source._source || ':' || source._pk as article_summary_key,
        source._source as source_name,
        cast({{ json_str('source._record', 'ref_date') }} as date) as ref_date,
        {{ json_str('source._record', 'msgid') }} as msgid,
        cast(nullif(split_part({{ json_str('source._record', 'msgid') }}, '_', 1), '') as bigint) as appmsgid,
        cast(nullif(split_part({{ json_str('source._record', 'msgid') }}, '_', 2), '') as integer) as article_index,
        {{ json_str('source._record', 'title') }} as title,
        cast({{ json_int('source._record', 'int_page_read_user') }} as integer) as int_page_read_user,
        cast({{ json_int('source._record', 'int_page_read_count') }} as integer) as int_page_read_count,
        cast({{ json_int('source._record', 'ori_page_read_user') }} as integer) as ori_page_read_user,
        cast({{ json_int('source._record', 'ori_page_read_count') }} as integer) as ori_page_read_count,
        cast({{ json_int('source._record', 'share_user') }} as integer) as share_user,
        cast({{ json_int('source._record', 'share_count') }} as integer) as share_count,
        cast({{ json_int('source._record', 'add_to_fav_user') }} as integer) as add_to_fav_user,
        cast({{ json_int('source._record', 'add_to_fav_count') }} as integer) as add_to_fav_count,
        source._extracted_at as extracted_at
    from source
)

select * from renamed
