{#
    Guild channels (text, announcement, voice, categories, forums; threads are in stg_discord__threads), latest
    version per channel. `is_hidden`: @everyone may not view it (the bot usually cannot read its messages).
#}
with

source as (
    {{ latest_version(source('raw', 'discord__channels')) }}
),

overwrites as (
    select * from {{ ref('stg_discord__channel_permission_overwrites') }}
),

hidden as (
    select distinct overwrites.channel_key
    from overwrites
    where
        overwrites.is_everyone
        and overwrites.denies_view_channel
),

renamed as (
    select
        source._source || ':' || source._pk as channel_key,
        source._source as source_name,
        cast({{ json_str('source._record', 'id') }} as bigint) as channel_id,
        cast({{ json_str('source._record', 'guild_id') }} as bigint) as guild_id,
        {{ json_str('source._record', 'name') }} as channel_name,
        cast({{ json_int('source._record', 'type') }} as integer) as channel_type,
        case {{ json_int('source._record', 'type') }}
            when 0 then 'text'
            when 2 then 'voice'
            when 4 then 'category'
            when 5 then 'announcement'
            when 13 then 'stage'
            when 14 then 'directory'
            when 15 then 'forum'
            when 16 then 'media'
        end as channel_type_name,
        cast({{ json_str('source._record', 'parent_id') }} as bigint) as parent_id,
        source._source || ':' || {{ json_str('source._record', 'parent_id') }} as parent_key,
        cast({{ json_int('source._record', 'position') }} as integer) as channel_position,
        {{ discord_text(json_str('source._record', 'topic')) }} as topic,
        coalesce({{ json_bool('source._record', 'nsfw') }}, false) as is_nsfw,
        hidden.channel_key is not null as is_hidden,
        cast({{ json_str('source._record', 'last_message_id') }} as bigint) as last_message_id,
        {{ discord_snowflake_ts(json_str('source._record', 'last_message_id')) }} as last_message_at,
        {{ discord_snowflake_ts(json_str('source._record', 'id')) }} as created_at,
        source._extracted_at as extracted_at
    from source
    left join hidden
        on source._source || ':' || source._pk = hidden.channel_key
)

select * from renamed
