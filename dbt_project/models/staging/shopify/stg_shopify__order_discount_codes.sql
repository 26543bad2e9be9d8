with

source as (
    {{ latest_version(source('raw', 'shopify__orders'), 'updated_at') }}
),

renamed as (
    select
        discount_item_rows._source || ':' || discount_item_rows._pk as order_key,
        discount_item_rows._source as source_name,
        {{ json_int('discount_item_rows._record', 'id') }} as order_id,
        {{ json_str('discount_item_rows.discount_item', 'code') }} as discount_code,
        {{ json_str('discount_item_rows.discount_item', 'type') }} as discount_type,
        {{ json_num('discount_item_rows.discount_item', 'amount', 12, 2) }} as amount,
        discount_item_rows._extracted_at as extracted_at
    from {{ json_array_rows('source', '_record', 'discount_codes', 'discount_item') }} as discount_item_rows
)

select * from renamed
