{#
    Daily new and cancelled follows by source (`datacube/getusersummary`), latest version per (day, user_source):
    figures of recent days are revised, and the connector re-reads a lookback window. A day without any follow or
    unfollow has one (0, 0, 0) row, as the API sends it.
#}
with

source as (
    {{ latest_version(source('raw', 'wechat_mp__user_summary')) }}
),

renamed as (
    select
        source._source || ':' || source._pk as user_summary_key,
        source._source as source_name,
        cast({{ json_str('source._record', 'ref_date') }} as date) as ref_date,
        cast({{ json_int('source._record', 'user_source') }} as integer) as user_source,
        cast({{ json_int('source._record', 'new_user') }} as integer) as new_user,
        cast({{ json_int('source._record', 'cancel_user') }} as integer) as cancel_user,
        cast(
            {{ json_int('source._record', 'new_user') }} - {{ json_int('source._record', 'cancel_user') }} as integer
        ) as net_user,
        source._extracted_at as extracted_at
    from source
)

select * from renamed
