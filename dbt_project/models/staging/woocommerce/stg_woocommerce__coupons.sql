{#-
    WooCommerce coupons, latest version per coupon by date_modified_gmt. Orders name the coupons they used by
    code (`stg_woocommerce__order_coupons.discount_code`; WooCommerce stores codes in lower case).
-#}

with

source as (
    {{ latest_version(source('raw', 'woocommerce__coupons'), 'date_modified_gmt') }}
),

renamed as (
    select
        source._source || ':' || source._pk as coupon_key,
        source._source as source_name,
        {{ json_int('source._record', 'id') }} as coupon_id,
        {{ json_str('source._record', 'code') }} as discount_code,
        {{ json_str('source._record', 'discount_type') }} as discount_type,
        {{ json_num('source._record', 'amount', 12, 2) }} as amount,
        nullif({{ json_str('source._record', 'description') }}, '') as description,
        {{ json_str('source._record', 'status') }} as coupon_status,
        cast({{ json_int('source._record', 'usage_count') }} as integer) as usage_count,
        cast({{ json_int('source._record', 'usage_limit') }} as integer) as usage_limit,
        cast({{ json_int('source._record', 'usage_limit_per_user') }} as integer) as usage_limit_per_user,
        coalesce({{ json_bool('source._record', 'free_shipping') }}, false) as is_free_shipping,
        coalesce({{ json_bool('source._record', 'individual_use') }}, false) as is_individual_use,
        {{ json_num('source._record', 'minimum_amount', 12, 2) }} as minimum_amount,
        {{ json_ts('source._record', 'date_created_gmt') }} as created_at,
        {{ json_ts('source._record', 'date_modified_gmt') }} as updated_at,
        {{ json_ts('source._record', 'date_expires_gmt') }} as expires_at,
        source._extracted_at as extracted_at
    from source
)

select * from renamed
