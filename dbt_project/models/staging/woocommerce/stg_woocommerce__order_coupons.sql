{#- Coupons applied to the latest version of each order (the order's `coupon_lines`). -#}

with

source as (
    {{ latest_version(source('raw', 'woocommerce__orders'), 'date_modified_gmt') }}
),

renamed as (
    select
        source._source || ':' || {{ json_str('coupon_lines.value', 'id') }} as order_coupon_key,
        source._source as source_name,
        {{ json_int('coupon_lines.value', 'id') }} as coupon_line_id,
        {{ json_int('source._record', 'id') }} as order_id,
        source._source || ':' || source._pk as order_key,
        {{ json_str('coupon_lines.value', 'code') }} as discount_code,
        {{ json_num('coupon_lines.value', 'discount', 12, 2) }} as amount,
        {{ json_num('coupon_lines.value', 'discount_tax', 12, 2) }} as discount_tax,
        source._extracted_at as extracted_at
    from source
    cross join {{ json_array_elements('source._record', 'coupon_lines') }} as coupon_lines (value)
)

select * from renamed
