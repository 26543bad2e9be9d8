{#
    Permission overwrites of the latest version of each guild channel: one row per channel and role or member the
    overwrite targets. The overwrite whose target is the guild id is @everyone's; VIEW_CHANNEL is bit 1 << 10.
#}
with

source as (
    {{ latest_version(source('raw', 'discord__channels')) }}
),

renamed as (
    select
        overwrite_item_rows._source || ':' || overwrite_item_rows._pk as channel_key,
        overwrite_item_rows._source as source_name,
        cast({{ json_str('overwrite_item_rows._record', 'id') }} as bigint) as channel_id,
        cast({{ json_str('overwrite_item_rows._record', 'guild_id') }} as bigint) as guild_id,
        cast({{ json_str('overwrite_item_rows.overwrite_item', 'id') }} as bigint) as target_id,
        case {{ json_int('overwrite_item_rows.overwrite_item', 'type') }}
            when 0 then 'role'
            when 1 then 'member'
        end as target_type,
        coalesce(
            {{ json_str('overwrite_item_rows.overwrite_item', 'id') }}
            = {{ json_str('overwrite_item_rows._record', 'guild_id') }},
            false
        ) as is_everyone,
        coalesce({{ json_int('overwrite_item_rows.overwrite_item', 'allow') }}, 0) as allow_permissions,
        coalesce({{ json_int('overwrite_item_rows.overwrite_item', 'deny') }}, 0) as deny_permissions,
        coalesce({{ json_int('overwrite_item_rows.overwrite_item', 'allow') }} & 1024, 0) <> 0 as allows_view_channel,
        coalesce({{ json_int('overwrite_item_rows.overwrite_item', 'deny') }} & 1024, 0) <> 0 as denies_view_channel,
        overwrite_item_rows._extracted_at as extracted_at
    from {{ json_array_rows('source', '_record', 'permission_overwrites', 'overwrite_item') }} as overwrite_item_rows
)

select * from renamed
