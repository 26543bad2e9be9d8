{{ config(materialized='table') }}
{#-
    A table, not a view: email and phone are hashed here, and a view would keep the salt in its definition.
    Latest version per customer by date_modified_gmt. The stream asks for every role (`role=all`): staff
    (administrator, shop_manager) are kept and flagged. Names, username and addresses are dropped.
-#}

with

source as (
    {{ latest_version(source('raw', 'woocommerce__customers'), 'date_modified_gmt') }}
),

renamed as (
    select
        source._source || ':' || source._pk as customer_key,
        source._source as source_name,
        {{ json_int('source._record', 'id') }} as customer_id,
        {{ hash_contact(normalize_email(
            "coalesce(" ~ normalize_email(json_str('source._record', 'email')) ~ ", "
            ~ json_str('source._record', 'billing.email') ~ ")"
        )) }} as email_hash,
        {{ hash_contact(normalize_phone(json_str('source._record', 'billing.phone'))) }} as phone_hash,
        {{ json_str('source._record', 'role') }} as customer_role,
        coalesce({{ json_str('source._record', 'role') }} in ('administrator', 'shop_manager'), false) as is_staff,
        false as is_bot,
        coalesce({{ json_bool('source._record', 'is_paying_customer') }}, false) as is_paying_customer,
        nullif({{ json_str('source._record', 'billing.country') }}, '') as country_code,
        {{ json_ts('source._record', 'date_created_gmt') }} as created_at,
        {{ json_ts('source._record', 'date_modified_gmt') }} as updated_at,
        source._extracted_at as extracted_at
    from source
)

select * from renamed
