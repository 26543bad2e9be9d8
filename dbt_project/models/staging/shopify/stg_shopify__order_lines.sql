with

source as (
    {{ latest_version(source('raw', 'shopify__orders'), 'updated_at') }}
),

renamed as (
    select
        line_item_rows._source || ':' || {{ json_str('line_item_rows.line_item', 'id') }} as order_line_key,
        line_item_rows._source as source_name,
        {{ json_int('line_item_rows.line_item', 'id') }} as order_line_id,
        {{ json_int('line_item_rows._record', 'id') }} as order_id,
        line_item_rows._source || ':' || line_item_rows._pk as order_key,
        {{ json_int('line_item_rows.line_item', 'product_id') }} as product_id,
        {{ json_int('line_item_rows.line_item', 'variant_id') }} as variant_id,
        {{ json_str('line_item_rows.line_item', 'sku') }} as sku,
        {{ json_str('line_item_rows.line_item', 'title') }} as product_title,
        {{ json_str('line_item_rows.line_item', 'variant_title') }} as variant_title,
        cast({{ json_int('line_item_rows.line_item', 'quantity') }} as integer) as quantity,
        {{ json_num('line_item_rows.line_item', 'price', 12, 2) }} as price,
        coalesce({{ json_num('line_item_rows.line_item', 'total_discount', 12, 2) }}, 0) as total_discount,
        line_item_rows._extracted_at as extracted_at
    from {{ json_array_rows('source', '_record', 'line_items', 'line_item') }} as line_item_rows
)

select * from renamed
