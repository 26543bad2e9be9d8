{#-
    Refunds of the latest version of each order (the order's `refunds`: `{id, reason, total}`, total negative).
    The order listing gives no refund date: a refund is known to have happened by the order's updated_at.
-#}

with

source as (
    {{ latest_version(source('raw', 'woocommerce__orders'), 'date_modified_gmt') }}
),

renamed as (
    select
        source._source || ':' || {{ json_str('refund_items.value', 'id') }} as refund_key,
        source._source as source_name,
        {{ json_int('refund_items.value', 'id') }} as refund_id,
        {{ json_int('source._record', 'id') }} as order_id,
        source._source || ':' || source._pk as order_key,
        cast(abs({{ json_num('refund_items.value', 'total', 12, 2) }}) as numeric(12, 2)) as amount,
        nullif({{ json_str('refund_items.value', 'reason') }}, '') as reason,
        {{ json_ts('source._record', 'date_modified_gmt') }} as order_updated_at,
        source._extracted_at as extracted_at
    from source
    cross join {{ json_array_elements('source._record', 'refunds') }} as refund_items (value)
)

select * from renamed
