{{ config(materialized='table') }}
{#- A table, not a view: the salted hashes are computed here, and a view would keep the salt in its definition. -#}

with

source as (
    {{ latest_version(source('raw', 'shopify__customers'), 'updated_at') }}
),

renamed as (
    select
        source._source || ':' || source._pk as customer_key,
        source._source as source_name,
        {{ json_int('source._record', 'id') }} as customer_id,
        {{ hash_contact(normalize_email(json_str('source._record', 'email'))) }} as email_hash,
        {{ hash_contact(normalize_phone(json_str('source._record', 'phone'))) }} as phone_hash,
        {{ json_str('source._record', 'state') }} as customer_state,
        coalesce(
            {{ json_bool('source._record', 'accepts_marketing') }},
            {{ json_str('source._record', 'email_marketing_consent.state') }} = 'subscribed',
            false
        ) as accepts_marketing,
        coalesce({{ json_bool('source._record', 'verified_email') }}, false) as is_verified_email,
        coalesce({{ json_bool('source._record', 'tax_exempt') }}, false) as is_tax_exempt,
        {{ json_str('source._record', 'tags') }} as tags,
        cast({{ json_int('source._record', 'orders_count') }} as integer) as orders_count,
        {{ json_num('source._record', 'total_spent', 12, 2) }} as total_spent,
        {{ json_str('source._record', 'currency') }} as currency,
        {{ json_str('source._record', 'default_address.country_code') }} as country_code,
        {{ json_ts('source._record', 'created_at') }} as created_at,
        {{ json_ts('source._record', 'updated_at') }} as updated_at,
        source._extracted_at as extracted_at
    from source
)

select * from renamed
