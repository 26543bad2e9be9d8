{{ config(materialized='table') }}
{#-
    A table, not a view: the billing email and phone are hashed here, and a view would keep the salt in its
    definition. Latest version per order by date_modified_gmt. Times are the `*_gmt` fields (UTC without an
    offset); the site-local ones are not used. Money arrives as strings or numbers: numeric(12,2) either way.
    Guest checkouts have customer_id 0: no customer, but the billing email hash. Names and addresses are dropped.
-#}

with

source as (
    {{ latest_version(source('raw', 'woocommerce__orders'), 'date_modified_gmt') }}
),

attribution as (
    {#- WooCommerce's order attribution (8.5+) stores the utm tags as order meta. #}
    select
        meta_item_rows._source,
        meta_item_rows._pk,
        max(
            case
                when {{ json_str('meta_item_rows.meta_item', 'key') }} = '_wc_order_attribution_utm_source'
                    then {{ json_str('meta_item_rows.meta_item', 'value') }}
            end
        ) as utm_source,
        max(
            case
                when {{ json_str('meta_item_rows.meta_item', 'key') }} = '_wc_order_attribution_utm_medium'
                    then {{ json_str('meta_item_rows.meta_item', 'value') }}
            end
        ) as utm_medium,
        max(
            case
                when {{ json_str('meta_item_rows.meta_item', 'key') }} = '_wc_order_attribution_utm_campaign'
                    then {{ json_str('meta_item_rows.meta_item', 'value') }}
            end
        ) as utm_campaign
    from {{ json_array_rows('source', '_record', 'meta_data', 'meta_item') }} as meta_item_rows
    group by meta_item_rows._source, meta_item_rows._pk
),

refunds as (
    select
        refund_rows._source,
        refund_rows._pk,
        count(*) as refund_count
    from {{ json_array_rows('source', '_record', 'refunds', 'refund') }} as refund_rows
    group by refund_rows._source, refund_rows._pk
),

renamed as (
    select
        source._source || ':' || source._pk as order_key,
        source._source as source_name,
        {{ json_int('source._record', 'id') }} as order_id,
        {{ json_str('source._record', 'number') }} as order_number,
        nullif({{ json_int('source._record', 'customer_id') }}, 0) as customer_id,
        case
            when {{ json_int('source._record', 'customer_id') }} > 0
                then source._source || ':' || {{ json_str('source._record', 'customer_id') }}
        end as customer_key,
        coalesce({{ json_int('source._record', 'customer_id') }}, 0) = 0 as is_guest,
        {{ hash_contact(normalize_email(json_str('source._record', 'billing.email'))) }} as email_hash,
        {{ hash_contact(normalize_phone(json_str('source._record', 'billing.phone'))) }} as phone_hash,
        {{ json_str('source._record', 'status') }} as order_status,
        case
            when {{ json_str('source._record', 'status') }} = 'refunded' then 'refunded'
            when {{ json_str('source._record', 'status') }} in ('cancelled', 'failed', 'trash') then 'voided'
            when refunds.refund_count > 0 then 'partially_refunded'
            when
                {{ json_str('source._record', 'status') }} in ('processing', 'completed')
                or {{ json_ts('source._record', 'date_paid_gmt') }} is not null
                then 'paid'
            else 'pending'
        end as financial_status,
        {{ json_str('source._record', 'currency') }} as currency,
        cast(
            {{ json_num('source._record', 'total', 12, 2) }}
            - coalesce({{ json_num('source._record', 'shipping_total', 12, 2) }}, 0)
            - coalesce({{ json_num('source._record', 'total_tax', 12, 2) }}, 0)
            as numeric(12, 2)
        ) as subtotal_price,
        {{ json_num('source._record', 'discount_total', 12, 2) }} as total_discounts,
        {{ json_num('source._record', 'shipping_total', 12, 2) }} as total_shipping,
        {{ json_num('source._record', 'total_tax', 12, 2) }} as total_tax,
        {{ json_num('source._record', 'total', 12, 2) }} as total_price,
        cast(coalesce(refunds.refund_count, 0) as integer) as refund_count,
        {{ json_str('source._record', 'coupon_lines.0.code') }} as discount_code,
        attribution.utm_source,
        attribution.utm_medium,
        attribution.utm_campaign,
        {{ json_str('source._record', 'created_via') }} as sales_channel,
        nullif({{ json_str('source._record', 'payment_method') }}, '') as payment_method,
        nullif({{ json_str('source._record', 'billing.country') }}, '') as country_code,
        false as is_test,
        coalesce({{ json_str('source._record', 'status') }} in ('cancelled', 'failed', 'trash'), false)
            as is_cancelled,
        {{ json_ts('source._record', 'date_created_gmt') }} as created_at,
        {{ json_ts('source._record', 'date_modified_gmt') }} as updated_at,
        {{ json_ts('source._record', 'date_paid_gmt') }} as paid_at,
        {{ json_ts('source._record', 'date_completed_gmt') }} as completed_at,
        source._extracted_at as extracted_at
    from source
    left join attribution
        on
            source._source = attribution._source
            and source._pk = attribution._pk
    left join refunds
        on
            source._source = refunds._source
            and source._pk = refunds._pk
)

select * from renamed
