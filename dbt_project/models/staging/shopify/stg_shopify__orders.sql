{{ config(materialized='table') }}
{#- A table, not a view: the salted hashes are computed here, and a view would keep the salt in its definition. -#}

with

source as (
    {{ latest_version(source('raw', 'shopify__orders'), 'updated_at') }}
),

renamed as (
    select
        source._source || ':' || source._pk as order_key,
        source._source as source_name,
        {{ json_int('source._record', 'id') }} as order_id,
        {{ json_int('source._record', 'order_number') }} as order_number,
        {{ json_str('source._record', 'name') }} as order_name,
        {{ json_int('source._record', 'customer.id') }} as customer_id,
        source._source || ':' || {{ json_str('source._record', 'customer.id') }} as customer_key,
        {# guest checkouts have no customer but keep the order's email #}
        {{ hash_contact(normalize_email(
            "coalesce(" ~ json_str('source._record', 'email') ~ ", "
            ~ json_str('source._record', 'contact_email') ~ ", "
            ~ json_str('source._record', 'customer.email') ~ ")"
        )) }} as email_hash,
        {{ hash_contact(normalize_phone(
            "coalesce(" ~ json_str('source._record', 'phone') ~ ", "
            ~ json_str('source._record', 'customer.phone') ~ ")"
        )) }} as phone_hash,
        {{ json_str('source._record', 'financial_status') }} as financial_status,
        {{ json_str('source._record', 'fulfillment_status') }} as fulfillment_status,
        {{ json_str('source._record', 'currency') }} as currency,
        {{ json_num('source._record', 'subtotal_price', 12, 2) }} as subtotal_price,
        {{ json_num('source._record', 'total_discounts', 12, 2) }} as total_discounts,
        {{ json_num('source._record', 'total_tax', 12, 2) }} as total_tax,
        {{ json_num('source._record', 'total_price', 12, 2) }} as total_price,
        {{ json_str('source._record', 'discount_codes.0.code') }} as discount_code,
        {# the landing URL itself is not kept (query strings can carry personal data), only its utm tags #}
        {{ url_query_param(json_str('source._record', 'landing_site'), 'utm_source') }} as utm_source,
        {{ url_query_param(json_str('source._record', 'landing_site'), 'utm_medium') }} as utm_medium,
        {{ url_query_param(json_str('source._record', 'landing_site'), 'utm_campaign') }} as utm_campaign,
        {{ json_str('source._record', 'source_name') }} as sales_channel,
        coalesce({{ json_bool('source._record', 'test') }}, false) as is_test,
        {{ json_ts('source._record', 'cancelled_at') }} is not null as is_cancelled,
        {{ json_ts('source._record', 'created_at') }} as created_at,
        {{ json_ts('source._record', 'updated_at') }} as updated_at,
        {{ json_ts('source._record', 'processed_at') }} as processed_at,
        {{ json_ts('source._record', 'cancelled_at') }} as cancelled_at,
        {{ json_ts('source._record', 'closed_at') }} as closed_at,
        source._extracted_at as extracted_at
    from source
)

select * from renamed
