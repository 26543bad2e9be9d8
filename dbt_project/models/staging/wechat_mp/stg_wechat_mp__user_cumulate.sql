{#- Followers at the end of each day (`datacube/getusercumulate`), latest version per day. -#}
with

source as (
    {{ latest_version(source('raw', 'wechat_mp__user_cumulate')) }}
),

renamed as (
    select
        source._source || ':' || source._pk as user_cumulate_key,
        source._source as source_name,
        cast({{ json_str('source._record', 'ref_date') }} as date) as ref_date,
        cast({{ json_int('source._record', 'cumulate_user') }} as integer) as cumulate_user,
        source._extracted_at as extracted_at
    from source
)

select * from renamed
