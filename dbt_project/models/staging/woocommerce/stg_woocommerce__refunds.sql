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
        refund_rows._source || ':' || {{ json_str('refund_rows.refund', 'id') }} as refund_key,
        refund_rows._source as source_name,
        {{ json_int('refund_rows.refund', 'id') }} as refund_id,
        {{ json_int('refund_rows._record', 'id') }} as order_id,
        refund_rows._source || ':' || refund_rows._pk as order_key,
        cast(abs({{ json_num('refund_rows.refund', 'total', 12, 2) }}) as numeric(12, 2)) as amount,
        nullif({{ json_str('refund_rows.refund', 'reason') }}, '') as reason,
        {{ json_ts('refund_rows._record', 'date_modified_gmt') }} as order_updated_at,
        refund_rows._extracted_at as extracted_at
    from {{ json_array_rows('source', '_record', 'refunds', 'refund') }} as refund_rows
)

select * from renamed
