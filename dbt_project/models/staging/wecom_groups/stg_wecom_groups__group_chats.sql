{#
    One row per customer group: the latest version of the group list (`status`) joined with the latest version of
    its details (name, owner, create time, notice, members). A group can be in one stream and not yet in the other
    (a run stopped by the quota lands the list before every detail): both sides are kept.
#}
with

listed as (
    {{ latest_version(source('raw', 'wecom_groups__group_chats')) }}
),

details as (
    {{ latest_version(source('raw', 'wecom_groups__group_chat_details')) }}
),

members as (
    select
        member_item_rows._source as source_name,
        member_item_rows._pk as chat_pk,
        count(*) as member_count,
        count(case when {{ json_int('member_item_rows.member_item', 'type') }} = 1 then 1 end) as staff_member_count,
        count(case when {{ json_int('member_item_rows.member_item', 'type') }} = 2 then 1 end) as external_member_count
    from {{ json_array_rows('details', '_record', 'member_list', 'member_item') }} as member_item_rows
    group by member_item_rows._source, member_item_rows._pk
),

renamed as (
    select
        coalesce(details._source, listed._source) || ':' || coalesce(details._pk, listed._pk) as chat_key,
        coalesce(details._source, listed._source) as source_name,
        coalesce(details._pk, listed._pk) as chat_id,
        {{ json_str('details._record', 'name') }} as chat_name,
        {{ json_str('details._record', 'owner') }} as owner_userid,
        {{ wecom_epoch_ts('details._record', 'create_time') }} as created_at,
        cast({{ json_int('listed._record', 'status') }} as integer) as chat_status,
        nullif({{ json_str('details._record', 'notice') }}, '') as notice,
        cast(coalesce(members.member_count, 0) as integer) as member_count,
        cast(coalesce(members.staff_member_count, 0) as integer) as staff_member_count,
        cast(coalesce(members.external_member_count, 0) as integer) as external_member_count,
        {{ json_str('details._record', 'member_version') }} as member_version,
        details._pk is not null as has_details,
        listed._extracted_at as listed_at,
        details._extracted_at as extracted_at
    from listed
    full outer join details
        on
            listed._source = details._source
            and listed._pk = details._pk
    left join members
        on
            details._source = members.source_name
            and details._pk = members.chat_pk
)

select * from renamed
