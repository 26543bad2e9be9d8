{{ config(materialized='table') }}
{#-
    The membership center's member list (file-drop streams of kind member_bindings): one row per member number
    with the accounts the member bound. A table, not a view: mobile and email are hashed here, and a view would keep
    the salt in its definition. Clear contacts are not kept.
-#}

with

source as (
    {{ file_stream_union('member_bindings') }}
),

renamed as (
    select
        source._source || ':' || source._pk as binding_key,
        source._source as source_name,
        source._stream as file_stream,
        upper(trim({{ json_str('source._record', 'member_no') }})) as member_no,
        {{ hash_contact(normalize_phone(json_str('source._record', 'phone'))) }} as phone_hash,
        {{ hash_contact(normalize_email(json_str('source._record', 'email'))) }} as email_hash,
        nullif(trim({{ json_str('source._record', 'unionid') }}), '') as wechat_unionid,
        nullif(trim({{ json_str('source._record', 'forum_user_id') }}), '') as forum_user_id,
        nullif(trim({{ json_str('source._record', 'discord_user_id') }}), '') as discord_user_id,
        nullif(lower(trim({{ json_str('source._record', 'reddit_username') }})), '') as reddit_username,
        {{ file_ts('source._record', 'registered_at') }} as registered_at,
        source._extracted_at as extracted_at
    from source
)

select * from renamed
