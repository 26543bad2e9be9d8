{{ config(materialized='table') }}
{#-
    A table, not a view: the buyer's mobile is hashed here, and a view would keep the salt in its definition.
    One row per trade (`full_order_info`), latest version by update_time. Youzan writes local times (Asia/Shanghai)
    without an offset, strings "null"/"true" and JSON inside strings (`order_extra`): read with the youzan_* macros.
    The trade's discount is not listed: it is total_fee + post_fee - payment.
-#}

with

source as (
    {{ latest_version(source('raw', 'youzan__trades'), 'full_order_info.order_info.update_time') }}
),

parsed as (
    select
        source._source,
        source._pk,
        source._extracted_at,
        {{ json_array('source._record', 'full_order_info.order_info') }} as order_info,
        {{ json_array('source._record', 'full_order_info.buyer_info') }} as buyer_info,
        {{ json_array('source._record', 'full_order_info.pay_info') }} as pay_info,
        {{ json_array('source._record', 'full_order_info.source_info') }} as source_info,
        {{ youzan_json_in_string('source._record', 'full_order_info.order_info.order_extra') }} as order_extra
    from source
),

items as (
    select
        item_rows._source,
        item_rows._pk,
        count(*) as item_count,
        cast(sum({{ youzan_int('item_rows.item', 'num') }}) as bigint) as quantity,
        cast(sum(
            coalesce({{ youzan_int('item_rows.item', 'points_price') }}, 0)
            * coalesce({{ youzan_int('item_rows.item', 'num') }}, 1)
        ) as bigint) as points_used
    from {{ json_array_rows('source', '_record', 'full_order_info.orders', 'item') }} as item_rows
    group by item_rows._source, item_rows._pk
),

renamed as (
    select
        parsed._source || ':' || parsed._pk as order_key,
        parsed._source as source_name,
        {{ youzan_str('parsed.order_info', 'tid') }} as tid,
        {{ youzan_str('parsed.buyer_info', 'yz_open_id') }} as yz_open_id,
        parsed._source || ':' || {{ youzan_str('parsed.buyer_info', 'yz_open_id') }} as customer_key,
        {{ youzan_int('parsed.buyer_info', 'buyer_id') }} as buyer_id,
        nullif({{ youzan_int('parsed.buyer_info', 'fans_id') }}, 0) as fans_id,
        cast({{ youzan_int('parsed.buyer_info', 'fans_type') }} as integer) as fans_type,
        {{ hash_contact(normalize_phone(youzan_str('parsed.buyer_info', 'buyer_phone'))) }} as phone_hash,
        {{ youzan_str('parsed.order_info', 'status') }} as trade_status,
        case
            when {{ youzan_int('parsed.order_info', 'refund_state') }} = 2 then 'refunded'
            when {{ youzan_int('parsed.order_info', 'refund_state') }} = 1 then 'partially_refunded'
            when {{ youzan_ts('parsed.order_info', 'pay_time') }} is not null then 'paid'
            when {{ youzan_str('parsed.order_info', 'status') }} = 'TRADE_CLOSE' then 'voided'
            else 'pending'
        end as financial_status,
        cast({{ youzan_int('parsed.order_info', 'refund_state') }} as integer) as refund_state,
        cast({{ youzan_int('parsed.order_info', 'close_type') }} as integer) as close_type,
        cast({{ youzan_int('parsed.order_info', 'type') }} as integer) as trade_type,
        'CNY' as currency,
        {{ youzan_num('parsed.pay_info', 'total_fee', 12, 2) }} as total_fee,
        {{ youzan_num('parsed.pay_info', 'post_fee', 12, 2) }} as total_shipping,
        cast(
            {{ youzan_num('parsed.pay_info', 'total_fee', 12, 2) }}
            + coalesce({{ youzan_num('parsed.pay_info', 'post_fee', 12, 2) }}, 0)
            - {{ youzan_num('parsed.pay_info', 'payment', 12, 2) }}
            as numeric(12, 2)
        ) as total_discounts,
        cast(
            {{ youzan_num('parsed.pay_info', 'payment', 12, 2) }}
            - coalesce({{ youzan_num('parsed.pay_info', 'post_fee', 12, 2) }}, 0)
            as numeric(12, 2)
        ) as subtotal_price,
        {{ youzan_num('parsed.pay_info', 'payment', 12, 2) }} as total_price,
        {{ youzan_num('parsed.pay_info', 'real_payment', 12, 2) }} as real_payment,
        {{ youzan_num('parsed.pay_info', 'deduction_pay', 12, 2) }} as deduction_pay,
        coalesce(items.points_used, 0) as points_used,
        coalesce({{ youzan_bool('parsed.order_extra', 'is_points_order') }}, false) as is_points_order,
        {{ youzan_str('parsed.order_extra', 'coupon_code') }} as discount_code,
        coalesce({{ youzan_bool('parsed.order_extra', 'is_from_cart') }}, false) as is_from_cart,
        coalesce({{ youzan_bool('parsed.order_info', 'order_tags.is_member') }}, false) as is_member,
        {{ youzan_str('parsed.source_info', 'source.platform') }} as sales_channel,
        cast({{ youzan_int('parsed.order_info', 'pay_type') }} as integer) as pay_type,
        cast(coalesce(items.item_count, 0) as integer) as item_count,
        coalesce(items.quantity, 0) as quantity,
        false as is_test,
        (
            {{ youzan_str('parsed.order_info', 'status') }} = 'TRADE_CLOSE'
            and {{ youzan_ts('parsed.order_info', 'pay_time') }} is null
        ) as is_cancelled,
        {{ youzan_ts('parsed.order_info', 'created') }} as created_at,
        {{ youzan_ts('parsed.order_info', 'update_time') }} as updated_at,
        {{ youzan_ts('parsed.order_info', 'pay_time') }} as paid_at,
        {{ youzan_ts('parsed.order_info', 'consign_time') }} as consigned_at,
        {{ youzan_ts('parsed.order_info', 'success_time') }} as completed_at,
        parsed._extracted_at as extracted_at
    from parsed
    left join items
        on
            parsed._source = items._source
            and parsed._pk = items._pk
)

select * from renamed
