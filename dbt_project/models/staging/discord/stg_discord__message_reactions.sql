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
        source._source || ':' || source._pk as message_key,
        source._source as source_name,
        cast({{ json_str('source._record', 'id') }} as bigint) as message_id,
        coalesce(
            {{ json_str('reactions.value', 'emoji.id') }}, {{ json_str('reactions.value', 'emoji.name') }}
        ) as emoji_key,
        cast({{ json_str('reactions.value', 'emoji.id') }} as bigint) as emoji_id,
        {{ json_str('reactions.value', 'emoji.name') }} as emoji_name,
        {{ json_str('reactions.value', 'emoji.id') }} is not null as is_custom_emoji,
        cast({{ json_int('reactions.value', 'count') }} as integer) as reaction_count,
        cast({{ json_int('reactions.value', 'count_details.normal') }} as integer) as normal_count,
        cast(
            coalesce(
                {{ json_int('reactions.value', 'count_details.burst') }},
                {{ json_int('reactions.value', 'burst_count') }}
            ) as integer
        ) as burst_count,
        source._extracted_at as extracted_at
    from source
    cross join {{ json_array_elements('source._record', 'reactions') }} as reactions (value)
)

select * from renamed
