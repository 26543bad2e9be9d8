{#
    Reactions of the latest version of each message: one row per message and emoji with its count (Discord sends
    `reactions` only when there are some). Custom emojis are keyed by id, Unicode ones by the emoji itself.
#}
with

source as (
    {{ latest_version(source('raw', 'discord__messages')) }}
),

renamed as (
    select
        reaction_rows._source || ':' || reaction_rows._pk as message_key,
        reaction_rows._source as source_name,
        cast({{ json_str('reaction_rows._record', 'id') }} as bigint) as message_id,
        coalesce(
            {{ json_str('reaction_rows.reaction', 'emoji.id') }}, {{ json_str('reaction_rows.reaction', 'emoji.name') }}
        ) as emoji_key,
        cast({{ json_str('reaction_rows.reaction', 'emoji.id') }} as bigint) as emoji_id,
        {{ json_str('reaction_rows.reaction', 'emoji.name') }} as emoji_name,
        {{ json_str('reaction_rows.reaction', 'emoji.id') }} is not null as is_custom_emoji,
        cast({{ json_int('reaction_rows.reaction', 'count') }} as integer) as reaction_count,
        cast({{ json_int('reaction_rows.reaction', 'count_details.normal') }} as integer) as normal_count,
        cast(
            coalesce(
                {{ json_int('reaction_rows.reaction', 'count_details.burst') }},
                {{ json_int('reaction_rows.reaction', 'burst_count') }}
            ) as integer
        ) as burst_count,
        reaction_rows._extracted_at as extracted_at
    from {{ json_array_rows('source', '_record', 'reactions', 'reaction') }} as reaction_rows
)

select * from renamed
