with

source as (
    {{ latest_version(source('raw', 'shopify__orders'), 'updated_at') }}
),

renamed as (
    select
        source._source || ':' || {{ json_str('line_items.value', 'id') }} as order_line_key,
        source._source as source_name,
        {{ json_int('line_items.value', 'id') }} as order_line_id,
        {{ json_int('source._record', 'id') }} as order_id,
        source._source || ':' || source._pk as order_key,
        {{ json_int('line_items.value', 'product_id') }} as product_id,
        {{ json_int('line_items.value', 'variant_id') }} as variant_id,
        {{ json_str('line_items.value', 'sku') }} as sku,
        {{ json_str('line_items.value', 'title') }} as product_title,
        {{ json_str('line_items.value', 'variant_title') }} as variant_title,
        cast({{ json_int('line_items.value', 'quantity') }} as integer) as quantity,
        {{ json_num('line_items.value', 'price', 12, 2) }} as price,
        coalesce({{ json_num('line_items.value', 'total_discount', 12, 2) }}, 0) as total_discount,
        source._extracted_at as extracted_at
    from source
    cross join {{ json_array_elements('source._record', 'line_items') }} as line_items (value)
)

select * from renamed
