{{ config(materialized='table') }}
{#-
    Shop POS exports (file-drop streams of kind pos_orders): one row per order number, latest version. Amounts as
    typed (`¥1,280.00`) become numeric(12, 2); local times without an offset are in the business time zone. The
    phone is kept only as a salted hash (a table, so that no view holds the salt); the member card as printed.
-#}

with

source as (
    {{ file_stream_union('pos_orders') }}
),

renamed as (
    select
        source._source || ':' || source._pk as order_key,
        source._source as source_name,
        source._stream as file_stream,
        trim({{ json_str('source._record', 'order_no') }}) as order_no,
        nullif(trim({{ json_str('source._record', 'store') }}), '') as store_name,
        {{ file_ts('source._record', 'paid_at') }} as paid_at,
        cast(
            nullif(regexp_replace({{ json_str('source._record', 'amount') }}, '[^0-9.-]', '', 'g'), '')
            as numeric(12, 2)
        ) as amount,
        cast({{ json_str('source._record', 'items') }} as integer) as item_count,
        {{ hash_contact(normalize_phone(json_str('source._record', 'phone'))) }} as phone_hash,
        nullif(upper(trim({{ json_str('source._record', 'member_card') }})), '') as member_card,
        nullif(trim({{ json_str('source._record', 'payment_method') }}), '') as payment_method,
        source._extracted_at as extracted_at
    from source
)

select * from renamed
