{#-
    Line items of the latest version of each order (the order's `line_items`). `price` is the unit price before
    discounts (WooCommerce sends it as a JSON number); subtotal is before and total after the line's discounts.
-#}

with

source as (
    {{ latest_version(source('raw', 'woocommerce__orders'), 'date_modified_gmt') }}
),

renamed as (
    select
        line_item_rows._source || ':' || {{ json_str('line_item_rows.line_item', 'id') }} as order_line_key,
        line_item_rows._source as source_name,
        {{ json_int('line_item_rows.line_item', 'id') }} as order_line_id,
        {{ json_int('line_item_rows._record', 'id') }} as order_id,
        line_item_rows._source || ':' || line_item_rows._pk as order_key,
        {{ json_int('line_item_rows.line_item', 'product_id') }} as product_id,
        nullif({{ json_int('line_item_rows.line_item', 'variation_id') }}, 0) as variant_id,
        nullif({{ json_str('line_item_rows.line_item', 'sku') }}, '') as sku,
        {{ json_str('line_item_rows.line_item', 'name') }} as product_title,
        cast({{ json_int('line_item_rows.line_item', 'quantity') }} as integer) as quantity,
        {{ json_num('line_item_rows.line_item', 'price', 12, 2) }} as price,
        {{ json_num('line_item_rows.line_item', 'subtotal', 12, 2) }} as subtotal,
        {{ json_num('line_item_rows.line_item', 'total', 12, 2) }} as total,
        cast(
            coalesce({{ json_num('line_item_rows.line_item', 'subtotal', 12, 2) }}, 0)
            - coalesce({{ json_num('line_item_rows.line_item', 'total', 12, 2) }}, 0)
            as numeric(12, 2)
        ) as total_discount,
        {{ json_num('line_item_rows.line_item', 'total_tax', 12, 2) }} as total_tax,
        line_item_rows._extracted_at as extracted_at
    from {{ json_array_rows('source', '_record', 'line_items', 'line_item') }} as line_item_rows
)

select * from renamed
