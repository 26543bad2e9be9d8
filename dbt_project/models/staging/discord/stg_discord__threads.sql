{#
    Threads (active and archived public ones of the channels the bot reads), latest version per thread. A thread is
    a channel: its messages carry the thread id as channel_id (stg_discord__messages resolves it).
#}
with

source as (
    {{ latest_version(source('raw', 'discord__threads')) }}
),

renamed as (
    select
        source._source || ':' || source._pk as thread_key,
        source._source as source_name,
        cast({{ json_str('source._record', 'id') }} as bigint) as thread_id,
        cast({{ json_str('source._record', 'guild_id') }} as bigint) as guild_id,
        cast({{ json_str('source._record', 'parent_id') }} as bigint) as parent_channel_id,
        source._source || ':' || {{ json_str('source._record', 'parent_id') }} as parent_channel_key,
        cast({{ json_str('source._record', 'owner_id') }} as bigint) as owner_id,
        source._source || ':' || {{ json_str('source._record', 'owner_id') }} as owner_key,
        {{ discord_text(json_str('source._record', 'name')) }} as thread_name,
        cast({{ json_int('source._record', 'type') }} as integer) as thread_type,
        cast({{ json_int('source._record', 'message_count') }} as integer) as message_count,
        cast({{ json_int('source._record', 'member_count') }} as integer) as member_count,
        cast({{ json_int('source._record', 'total_message_sent') }} as integer) as total_message_sent,
        coalesce({{ json_bool('source._record', 'thread_metadata.archived') }}, false) as is_archived,
        coalesce({{ json_bool('source._record', 'thread_metadata.locked') }}, false) as is_locked,
        cast({{ json_int('source._record', 'thread_metadata.auto_archive_duration') }} as integer)
            as auto_archive_minutes,
        {{ json_ts('source._record', 'thread_metadata.archive_timestamp') }} as archive_status_changed_at,
        case
            when {{ json_bool('source._record', 'thread_metadata.archived') }}
                then {{ json_ts('source._record', 'thread_metadata.archive_timestamp') }}
        end as archived_at,
        cast({{ json_str('source._record', 'last_message_id') }} as bigint) as last_message_id,
        {{ discord_snowflake_ts(json_str('source._record', 'last_message_id')) }} as last_message_at,
        {# threads created before 2022-01-09 have no create_timestamp: their id tells the time #}
        coalesce(
            {{ json_ts('source._record', 'thread_metadata.create_timestamp') }},
            {{ discord_snowflake_ts(json_str('source._record', 'id')) }}
        ) as created_at,
        source._extracted_at as extracted_at
    from source
)

select * from renamed
