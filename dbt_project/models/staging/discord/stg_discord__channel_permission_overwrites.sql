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
        source._source || ':' || source._pk as channel_key,
        source._source as source_name,
        cast({{ json_str('source._record', 'id') }} as bigint) as channel_id,
        cast({{ json_str('source._record', 'guild_id') }} as bigint) as guild_id,
        cast({{ json_str('overwrites.value', 'id') }} as bigint) as target_id,
        case {{ json_int('overwrites.value', 'type') }}
            when 0 then 'role'
            when 1 then 'member'
        end as target_type,
        coalesce(
            {{ json_str('overwrites.value', 'id') }} = {{ json_str('source._record', 'guild_id') }}, false
        ) as is_everyone,
        coalesce({{ json_int('overwrites.value', 'allow') }}, 0) as allow_permissions,
        coalesce({{ json_int('overwrites.value', 'deny') }}, 0) as deny_permissions,
        coalesce({{ json_int('overwrites.value', 'allow') }} & 1024, 0) <> 0 as allows_view_channel,
        coalesce({{ json_int('overwrites.value', 'deny') }} & 1024, 0) <> 0 as denies_view_channel,
        source._extracted_at as extracted_at
    from source
    cross join {{ json_array_elements('source._record', 'permission_overwrites') }} as overwrites (value)
)

select * from renamed
