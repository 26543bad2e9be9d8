{#-
    Points changes (积分变动), one row per change log id; changes are never edited, so the latest extraction wins.
    A shopping reward names its trade in `extra_info` (JSON in a string: `{"tid": ...}`) and in `biz_value`
    ("null" otherwise).
-#}

with

source as (
    {{ latest_version(source('raw', 'youzan__points')) }}
),

parsed as (
    select
        source.*,
        {{ youzan_json_in_string('source._record', 'extra_info') }} as extra_info
    from source
),

with_trade as (
    select
        parsed.*,
        coalesce(
            {{ youzan_str('parsed.extra_info', 'tid') }},
            case
                when {{ youzan_str('parsed._record', 'biz_value') }} like 'E%'
                    then {{ youzan_str('parsed._record', 'biz_value') }}
            end
        ) as tid
    from parsed
),

renamed as (
    select
        with_trade._source || ':' || with_trade._pk as points_change_key,
        with_trade._source as source_name,
        {{ youzan_int('with_trade._record', 'id') }} as points_change_id,
        {{ youzan_str('with_trade._record', 'yz_open_id') }} as yz_open_id,
        with_trade._source || ':' || {{ youzan_str('with_trade._record', 'yz_open_id') }} as customer_key,
        {{ youzan_int('with_trade._record', 'amount') }} as amount,
        {{ youzan_int('with_trade._record', 'total') }} as balance_after,
        {{ youzan_str('with_trade._record', 'event_type') }} as event_type,
        {{ youzan_str('with_trade._record', 'description') }} as reason,
        coalesce({{ youzan_int('with_trade._record', 'amount') }} > 0, false) as is_earned,
        with_trade.tid,
        with_trade._source || ':' || with_trade.tid as order_key,
        {{ youzan_ts('with_trade._record', 'create_time') }} as created_at,
        with_trade._extracted_at as extracted_at
    from with_trade
)

select * from renamed
