{{ config(materialized='table') }}
{#-
    A table, not a view: the largest Discord stream, joined to threads, members and reactions; parse its JSON once.

    Messages of the channels and threads the bot reads, latest version per message. A message in a thread carries
    the thread's id as channel_id: here `channel_id` is the thread's parent channel and `thread_id` the thread.
    Discord's API does not return deleted messages, so none is flagged deleted. Author staff flags come from the
    member list (authors who left are not staff).
-#}

with

source as (
    {{ latest_version(source('raw', 'discord__messages')) }}
),

threads as (
    select * from {{ ref('stg_discord__threads') }}
),

members as (
    select * from {{ ref('stg_discord__members') }}
),

reactions as (
    select
        reactions.message_key,
        sum(reactions.reaction_count) as reaction_count,
        count(*) as reaction_emoji_count
    from {{ ref('stg_discord__message_reactions') }} as reactions
    group by reactions.message_key
),

parsed as (
    select
        source._source || ':' || source._pk as message_key,
        source._source as source_name,
        cast({{ json_str('source._record', 'id') }} as bigint) as message_id,
        cast({{ json_str('source._record', 'channel_id') }} as bigint) as posted_in_id,
        source._source || ':' || {{ json_str('source._record', 'channel_id') }} as posted_in_key,
        cast({{ json_str('source._record', 'author.id') }} as bigint) as author_id,
        source._source || ':' || {{ json_str('source._record', 'author.id') }} as author_key,
        {{ json_str('source._record', 'author.username') }} as author_username,
        (
            {{ discord_is_bot('source._record', 'author') }}
            or {{ json_str('source._record', 'webhook_id') }} is not null
        ) as author_is_bot,
        cast({{ json_int('source._record', 'type') }} as integer) as message_type,
        {{ discord_text(json_str('source._record', 'content')) }} as message_content,
        cast({{ json_str('source._record', 'message_reference.message_id') }} as bigint) as referenced_message_id,
        source._source || ':' || {{ json_str('source._record', 'message_reference.message_id') }}
            as referenced_message_key,
        cast({{ json_int('source._record', 'message_reference.type') }} as integer) as reference_type,
        cast({{ json_str('source._record', 'thread.id') }} as bigint) as started_thread_id,
        {{ discord_json_array_length('source._record', 'attachments') }} as attachment_count,
        {{ discord_json_array_length('source._record', 'embeds') }} as embed_count,
        {{ discord_json_array_length('source._record', 'mentions') }} as mention_count,
        coalesce({{ json_bool('source._record', 'mention_everyone') }}, false) as mentions_everyone,
        coalesce({{ json_bool('source._record', 'pinned') }}, false) as is_pinned,
        {{ json_ts('source._record', 'timestamp') }} as created_at,
        {{ json_ts('source._record', 'edited_timestamp') }} as edited_at,
        source._extracted_at as extracted_at
    from source
),

renamed as (
    select
        parsed.message_key,
        parsed.source_name,
        parsed.message_id,
        coalesce(threads.parent_channel_id, parsed.posted_in_id) as channel_id,
        coalesce(threads.parent_channel_key, parsed.posted_in_key) as channel_key,
        threads.thread_id,
        threads.thread_key,
        parsed.author_id,
        parsed.author_key,
        parsed.author_username,
        coalesce(members.is_staff, false) and not parsed.author_is_bot as author_is_staff,
        parsed.author_is_bot or coalesce(members.is_bot, false) as author_is_bot,
        parsed.message_type,
        {# default, reply, slash command, context menu command: what people write; the rest are system notices #}
        coalesce(parsed.message_type not in (0, 19, 20, 23), false) as is_system_message,
        coalesce(parsed.message_type = 19, false) as is_reply,
        parsed.message_content as body,
        parsed.referenced_message_id,
        parsed.referenced_message_key,
        parsed.reference_type,
        parsed.started_thread_id is not null as starts_thread,
        parsed.started_thread_id,
        parsed.attachment_count,
        parsed.embed_count,
        parsed.mention_count,
        parsed.mentions_everyone,
        cast(coalesce(reactions.reaction_count, 0) as integer) as reaction_count,
        cast(coalesce(reactions.reaction_emoji_count, 0) as integer) as reaction_emoji_count,
        parsed.is_pinned,
        parsed.edited_at is not null as is_edited,
        false as is_deleted,
        parsed.created_at,
        parsed.edited_at,
        parsed.extracted_at
    from parsed
    left join threads
        on parsed.posted_in_key = threads.thread_key
    left join members
        on parsed.author_key = members.member_key
    left join reactions
        on parsed.message_key = reactions.message_key
)

select * from renamed
