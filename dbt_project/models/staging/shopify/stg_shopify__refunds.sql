{#
    One row per refund of the latest version of each order. The refunded amount is the sum of the refund's
    successful `refund` transactions (Shopify's refund object has no amount of its own).
#}
with

source as (
    {{ latest_version(source('raw', 'shopify__orders'), 'updated_at') }}
),

refund_rows as (
    select
        source._source,
        source._pk,
        source._extracted_at,
        {{ json_array_elements('source._record', 'refunds') }} as refund
    from source
),

refund_transactions as (
    select
        refund_transaction_rows._source as source_name,
        refund_transaction_rows._pk as order_pk,
        {{ json_str('refund_transaction_rows.refund', 'id') }} as refund_pk,
        {{ json_str('refund_transaction_rows.refund_transaction', 'kind') }} as transaction_kind,
        {{ json_str('refund_transaction_rows.refund_transaction', 'status') }} as transaction_status,
        {{ json_num('refund_transaction_rows.refund_transaction', 'amount', 12, 2) }} as transaction_amount
    from {{ json_array_rows('refund_rows', 'refund', 'transactions', 'refund_transaction') }} as refund_transaction_rows
),

refunds as (
    select
        refund_rows._source as source_name,
        refund_rows._pk as order_pk,
        {{ json_int('refund_rows.refund', 'id') }} as refund_id,
        {{ json_str('refund_rows.refund', 'id') }} as refund_pk,
        {{ json_ts('refund_rows.refund', 'created_at') }} as created_at,
        {{ json_ts('refund_rows.refund', 'processed_at') }} as processed_at,
        refund_rows._extracted_at as extracted_at
    from refund_rows
),

renamed as (
    select
        refunds.source_name || ':' || refunds.refund_pk as refund_key,
        refunds.source_name,
        refunds.refund_id,
        cast(refunds.order_pk as bigint) as order_id,
        refunds.source_name || ':' || refunds.order_pk as order_key,
        cast(coalesce(sum(refund_transactions.transaction_amount), 0) as numeric(12, 2)) as amount,
        count(refund_transactions.transaction_amount) as transaction_count,
        refunds.created_at,
        refunds.processed_at,
        refunds.extracted_at
    from refunds
    left join refund_transactions
        on
            refunds.source_name = refund_transactions.source_name
            and refunds.order_pk = refund_transactions.order_pk
            and refunds.refund_pk = refund_transactions.refund_pk
            and refund_transactions.transaction_kind = 'refund'
            and coalesce(refund_transactions.transaction_status, 'success') = 'success'
    group by
        refunds.source_name,
        refunds.refund_id,
        refunds.refund_pk,
        refunds.order_pk,
        refunds.created_at,
        refunds.processed_at,
        refunds.extracted_at
)

select * from renamed
