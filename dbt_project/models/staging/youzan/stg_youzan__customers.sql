{{ config(materialized='table') }}
{#-
    A table, not a view: the mobile is hashed here, and a view would keep the salt in its definition.
    Latest version per customer (yz_open_id) by updated_at (local Asia/Shanghai text; the order is the same).
    Names (name, show_name) are not kept; union_id ("null" when absent) is, as a WeChat identifier.
-#}

with

source as (
    {{ latest_version(source('raw', 'youzan__customers'), 'updated_at') }}
),

parsed as (
    select
        source.*,
        {{ youzan_json_in_string('source._record', 'ext_info') }} as ext_info
    from source
),

renamed as (
    select
        parsed._source || ':' || parsed._pk as customer_key,
        parsed._source as source_name,
        {{ youzan_str('parsed._record', 'yz_open_id') }} as yz_open_id,
        {{ hash_contact(normalize_phone(youzan_str('parsed._record', 'mobile'))) }} as phone_hash,
        {{ youzan_str('parsed._record', 'union_id') }} as wechat_unionid,
        {{ youzan_str('parsed._record', 'card_no') }} as member_card_no,
        coalesce({{ youzan_bool('parsed._record', 'is_member') }}, false) as is_member,
        cast({{ youzan_int('parsed._record', 'member_level') }} as integer) as member_level,
        {{ youzan_int('parsed._record', 'points') }} as points,
        cast({{ youzan_int('parsed._record', 'gender') }} as integer) as gender,
        coalesce(
            {{ youzan_str('parsed._record', 'source') }}, {{ youzan_str('parsed.ext_info', 'channel') }}
        ) as signup_channel,
        false as is_staff,
        false as is_bot,
        {{ youzan_ts('parsed._record', 'created_at') }} as created_at,
        {{ youzan_ts('parsed._record', 'updated_at') }} as updated_at,
        parsed._extracted_at as extracted_at
    from parsed
)

select * from renamed
