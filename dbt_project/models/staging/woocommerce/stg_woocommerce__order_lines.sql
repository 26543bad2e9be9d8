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
        source._source || ':' || {{ json_str('line_items.value', 'id') }} as order_line_key,
        source._source as source_name,
        {{ json_int('line_items.value', 'id') }} as order_line_id,
        {{ json_int('source._record', 'id') }} as order_id,
        source._source || ':' || source._pk as order_key,
        {{ json_int('line_items.value', 'product_id') }} as product_id,
        nullif({{ json_int('line_items.value', 'variation_id') }}, 0) as variant_id,
        nullif({{ json_str('line_items.value', 'sku') }}, '') as sku,
        {{ json_str('line_items.value', 'name') }} as product_title,
        cast({{ json_int('line_items.value', 'quantity') }} as integer) as quantity,
        {{ json_num('line_items.value', 'price', 12, 2) }} as price,
        {{ json_num('line_items.value', 'subtotal', 12, 2) }} as subtotal,
        {{ json_num('line_items.value', 'total', 12, 2) }} as total,
        cast(
            coalesce({{ json_num('line_items.value', 'subtotal', 12, 2) }}, 0)
            - coalesce({{ json_num('line_items.value', 'total', 12, 2) }}, 0)
            as numeric(12, 2)
        ) as total_discount,
        {{ json_num('line_items.value', 'total_tax', 12, 2) }} as total_tax,
        source._extracted_at as extracted_at
    from source
    cross join {{ json_array_elements('source._record', 'line_items') }} as line_items (value)
)

select * from renamed
