{{ config(materialized='table') }}
{#- A table, not a view: the salted hashes are computed here, and a view would keep the salt in its definition. -#}
{#
    One row per external contact and staff member following it (the contact's `follow_user`), from the latest
    version of each contact. The phone numbers staff typed into the remark (`remark_mobiles`) are kept only as
    salted hashes; the remark itself and the description (names, notes) are not kept.
#}
with

source as (
    {{ latest_version(source('raw', 'wecom_groups__external_contacts')) }}
),

follows as (
    select
        follow_item_rows._source as source_name,
        follow_item_rows._pk as contact_pk,
        follow_item_rows._extracted_at,
        follow_item_rows.follow_item as follow_user
    from {{ json_array_rows('source', '_record', 'follow_user', 'follow_item') }} as follow_item_rows
),

tags as (
    select
        tag_item_rows.source_name,
        tag_item_rows.contact_pk,
        {{ json_str('tag_item_rows.follow_user', 'userid') }} as userid,
        {{ wecom_sorted_list(json_str('tag_item_rows.tag_item', 'tag_name')) }} as tags,
        {{ wecom_sorted_list(json_str('tag_item_rows.tag_item', 'tag_id')) }} as tag_ids
    from {{ json_array_rows('follows', 'follow_user', 'tags', 'tag_item') }} as tag_item_rows
    group by
        tag_item_rows.source_name,
        tag_item_rows.contact_pk,
        {{ json_str('tag_item_rows.follow_user', 'userid') }}
),

mobiles as (
    select
        mobile_item_rows.source_name,
        mobile_item_rows.contact_pk,
        {{ json_str('mobile_item_rows.follow_user', 'userid') }} as userid,
        count(*) as remark_mobile_count,
        {{ wecom_sorted_list(hash_contact(normalize_phone(wecom_json_text('mobile_item_rows.mobile_item')))) }}
            as phone_hashes
    from {{ json_array_rows('follows', 'follow_user', 'remark_mobiles', 'mobile_item') }} as mobile_item_rows
    group by
        mobile_item_rows.source_name,
        mobile_item_rows.contact_pk,
        {{ json_str('mobile_item_rows.follow_user', 'userid') }}
),

renamed as (
    select
        follows.source_name || ':' || follows.contact_pk || ':'
        || {{ json_str('follows.follow_user', 'userid') }} as contact_follower_key,
        follows.source_name,
        follows.source_name || ':' || follows.contact_pk as contact_key,
        follows.contact_pk as external_userid,
        {{ json_str('follows.follow_user', 'userid') }} as userid,
        {{ wecom_epoch_ts('follows.follow_user', 'createtime') }} as added_at,
        cast({{ json_int('follows.follow_user', 'add_way') }} as integer) as add_way,
        {{ json_str('follows.follow_user', 'oper_userid') }} as oper_userid,
        coalesce(
            {{ json_str('follows.follow_user', 'oper_userid') }} = follows.contact_pk, false
        ) as is_added_by_contact,
        {{ json_str('follows.follow_user', 'state') }} as contact_way_state,
        tags.tags,
        tags.tag_ids,
        {{ hash_contact(normalize_phone(json_str('follows.follow_user', 'remark_mobiles.0'))) }} as phone_hash,
        mobiles.phone_hashes,
        cast(coalesce(mobiles.remark_mobile_count, 0) as integer) as remark_mobile_count,
        follows._extracted_at as extracted_at
    from follows
    left join tags
        on
            follows.source_name = tags.source_name
            and follows.contact_pk = tags.contact_pk
            and {{ json_str('follows.follow_user', 'userid') }} = tags.userid
    left join mobiles
        on
            follows.source_name = mobiles.source_name
            and follows.contact_pk = mobiles.contact_pk
            and {{ json_str('follows.follow_user', 'userid') }} = mobiles.userid
)

select * from renamed
