{{ config(materialized='table') }}
{#- A table, not a view: the salted hash is computed here, and a view would keep the salt in its definition. -#}

with

source as (
    {{ latest_version(source('raw', 'discourse__users')) }}
),

renamed as (
    select
        source._source || ':' || source._pk as user_key,
        source._source as source_name,
        {{ json_int('source._record', 'id') }} as user_id,
        {{ json_str('source._record', 'username') }} as username,
        {{ hash_contact(normalize_email(json_str('source._record', 'email'))) }} as email_hash,
        coalesce({{ json_bool('source._record', 'active') }}, true) as is_active,
        coalesce({{ json_bool('source._record', 'admin') }}, false) as is_admin,
        coalesce({{ json_bool('source._record', 'moderator') }}, false) as is_moderator,
        (
            coalesce({{ json_bool('source._record', 'admin') }}, false)
            or coalesce({{ json_bool('source._record', 'moderator') }}, false)
        ) as is_staff,
        (
            coalesce({{ json_int('source._record', 'id') }} <= 0, false)
            or {{ is_bot_username(json_str('source._record', 'username')) }}
        ) as is_bot,
        (
            {{ json_ts('source._record', 'suspended_at') }} is not null
            or coalesce({{ json_bool('source._record', 'suspended') }}, false)
        ) as is_suspended,
        cast({{ json_int('source._record', 'trust_level') }} as integer) as trust_level,
        cast({{ json_int('source._record', 'post_count') }} as integer) as post_count,
        {{ json_ts('source._record', 'created_at') }} as created_at,
        {{ json_ts('source._record', 'last_seen_at') }} as last_seen_at,
        source._extracted_at as extracted_at
    from source
)

select * from renamed
