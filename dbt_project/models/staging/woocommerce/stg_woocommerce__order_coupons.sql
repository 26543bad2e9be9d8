{#- Coupons applied to the latest version of each order (the order's `coupon_lines`). -#}

with

source as (
    {{ latest_version(source('raw', 'woocommerce__orders'), 'date_modified_gmt') }}
),

renamed as (
    select
        coupon_line_rows._source || ':' || {{ json_str('coupon_line_rows.coupon_line', 'id') }} as order_coupon_key,
        coupon_line_rows._source as source_name,
        {{ json_int('coupon_line_rows.coupon_line', 'id') }} as coupon_line_id,
        {{ json_int('coupon_line_rows._record', 'id') }} as order_id,
        coupon_line_rows._source || ':' || coupon_line_rows._pk as order_key,
        {{ json_str('coupon_line_rows.coupon_line', 'code') }} as discount_code,
        {{ json_num('coupon_line_rows.coupon_line', 'discount', 12, 2) }} as amount,
        {{ json_num('coupon_line_rows.coupon_line', 'discount_tax', 12, 2) }} as discount_tax,
        coupon_line_rows._extracted_at as extracted_at
    from {{ json_array_rows('source', '_record', 'coupon_lines', 'coupon_line') }} as coupon_line_rows
)

select * from renamed
