with

source as (
    {{ latest_version(source('raw', 'shopify__orders'), 'updated_at') }}
),

renamed as (
    select
        source._source || ':' || source._pk as order_key,
        source._source as source_name,
        {{ json_int('source._record', 'id') }} as order_id,
        {{ json_str('discount_items.value', 'code') }} as discount_code,
        {{ json_str('discount_items.value', 'type') }} as discount_type,
        {{ json_num('discount_items.value', 'amount', 12, 2) }} as amount,
        source._extracted_at as extracted_at
    from source
    cross join {{ json_array_elements('source._record', 'discount_codes') }} as discount_items (value)
)

select * from renamed
