{#-
    Items of the latest version of each trade (the trade's `orders`: Youzan calls a trade's lines orders, `oid`).
    `sku_properties_name` is JSON inside a string: the variant is its first property's value.
-#}

with

source as (
    {{ latest_version(source('raw', 'youzan__trades'), 'full_order_info.order_info.update_time') }}
),

items as (
    select
        trade_item_rows._source,
        trade_item_rows._pk,
        trade_item_rows._extracted_at,
        trade_item_rows.trade_item as item,
        {{ youzan_json_in_string('trade_item_rows.trade_item', 'sku_properties_name') }} as sku_properties
    from {{ json_array_rows('source', '_record', 'full_order_info.orders', 'trade_item') }} as trade_item_rows
),

renamed as (
    select
        items._source || ':' || {{ youzan_str('items.item', 'oid') }} as order_line_key,
        items._source as source_name,
        {{ youzan_int('items.item', 'oid') }} as oid,
        items._pk as tid,
        items._source || ':' || items._pk as order_key,
        {{ youzan_int('items.item', 'item_id') }} as item_id,
        {{ youzan_int('items.item', 'sku_id') }} as sku_id,
        {{ youzan_str('items.item', 'outer_sku_id') }} as sku,
        {{ youzan_str('items.item', 'outer_item_id') }} as outer_item_id,
        {{ youzan_str('items.item', 'title') }} as product_title,
        {{ youzan_str('items.sku_properties', '0.v') }} as variant_title,
        cast({{ youzan_int('items.item', 'item_type') }} as integer) as item_type,
        cast({{ youzan_int('items.item', 'num') }} as integer) as quantity,
        {{ youzan_num('items.item', 'price', 12, 2) }} as price,
        {{ youzan_num('items.item', 'discount_price', 12, 2) }} as discount_price,
        {{ youzan_num('items.item', 'total_fee', 12, 2) }} as total_fee,
        {{ youzan_num('items.item', 'payment', 12, 2) }} as payment,
        cast(
            {{ youzan_num('items.item', 'price', 12, 2) }} * {{ youzan_int('items.item', 'num') }}
            - {{ youzan_num('items.item', 'payment', 12, 2) }}
            as numeric(12, 2)
        ) as total_discount,
        coalesce({{ youzan_int('items.item', 'points_price') }}, 0) as points_price,
        coalesce({{ youzan_bool('items.item', 'is_present') }}, false) as is_present,
        items._extracted_at as extracted_at
    from items
)

select * from renamed
