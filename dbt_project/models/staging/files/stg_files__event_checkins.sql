{{ config(materialized='table') }}
{#-
    Event check-ins (file-drop streams of kind event_checkins: a mini-program sign-in tool, a ticketing
    spreadsheet): one row per check-in id, latest version. Phone and email only as salted hashes (a table, so that
    no view holds the salt); attendee names are not kept. An event without an id is known by its name.
-#}

with

source as (
    {{ file_stream_union('event_checkins') }}
),

renamed as (
    select
        source._source || ':' || source._pk as checkin_key,
        source._source as source_name,
        source._stream as file_stream,
        trim({{ json_str('source._record', 'checkin_id') }}) as checkin_id,
        coalesce(
            nullif(trim({{ json_str('source._record', 'event_id') }}), ''),
            nullif(trim({{ json_str('source._record', 'event') }}), '')
        ) as event_ref,
        nullif(trim({{ json_str('source._record', 'event') }}), '') as event_name,
        nullif(trim({{ json_str('source._record', 'city') }}), '') as city,
        {{ hash_contact(normalize_phone(json_str('source._record', 'phone'))) }} as phone_hash,
        {{ hash_contact(normalize_email(json_str('source._record', 'email'))) }} as email_hash,
        {{ file_ts('source._record', 'checked_in_at') }} as checked_in_at,
        source._extracted_at as extracted_at
    from source
)

select * from renamed
