{#
    WeCom external contacts (customers added by staff), latest version per contact. The record is the whole
    `externalcontact/get` answer: `external_contact` plus `follow_user` (every page merged by the connector). The
    staff who follow a contact are the child model stg_wecom_groups__contact_followers. Name and avatar are not
    kept; unionid is (the WeChat identity shared with the Official Account and group members).
#}
with

source as (
    {{ latest_version(source('raw', 'wecom_groups__external_contacts')) }}
),

follows as (
    select
        follow_item_rows._source as source_name,
        follow_item_rows._pk as contact_pk,
        count(*) as follower_count,
        min({{ wecom_epoch_ts('follow_item_rows.follow_item', 'createtime') }}) as first_added_at,
        max({{ wecom_epoch_ts('follow_item_rows.follow_item', 'createtime') }}) as last_added_at
    from {{ json_array_rows('source', '_record', 'follow_user', 'follow_item') }} as follow_item_rows
    group by follow_item_rows._source, follow_item_rows._pk
),

renamed as (
    select
        source._source || ':' || source._pk as contact_key,
        source._source as source_name,
        {{ json_str('source._record', 'external_contact.external_userid') }} as external_userid,
        {{ json_str('source._record', 'external_contact.unionid') }} as unionid,
        cast({{ json_int('source._record', 'external_contact.type') }} as integer) as contact_type,
        cast({{ json_int('source._record', 'external_contact.gender') }} as integer) as gender,
        {{ json_str('source._record', 'external_contact.corp_name') }} as corp_name,
        {{ json_str('source._record', 'external_contact.corp_full_name') }} as corp_full_name,
        cast(coalesce(follows.follower_count, 0) as integer) as follower_count,
        follows.first_added_at,
        follows.last_added_at,
        false as is_staff,
        false as is_bot,
        source._extracted_at as extracted_at
    from source
    left join follows
        on
            source._source = follows.source_name
            and source._pk = follows.contact_pk
)

select * from renamed
