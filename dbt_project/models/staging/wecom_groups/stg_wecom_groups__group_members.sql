{#
    One row per membership spell: a member (`userid`) of a group with one `join_time`, from EVERY stored version of
    the group's details, not only the latest. WeCom never says who left: a detail record is the group's members at
    its extraction, and an unchanged group stores no new version, so each stored version is a change.

    The rule (versions of the same chat_id ordered by _extracted_at, then _batch_id, then _hash):
      - first_seen_at: extraction of the first version listing the spell;
      - last_seen_at: extraction of the last version listing it;
      - left: a later version of the same group lacks the spell. left_detected_at is that version's extraction:
        the member left after the previous extraction of the group and at or before this one.
      - someone who rejoins comes back with a new join_time: a new spell, a new row.
    A group's absence from a batch says nothing (a run stopped by the quota lands only some groups); a spell of a
    group that later stops appearing at all stays current. Attributes come from the last version listing the spell.
#}
with

versions as (
    select
        raw_rows._source as source_name,
        raw_rows._pk as chat_id,
        raw_rows._extracted_at as extracted_at,
        raw_rows._record,
        row_number() over (
            partition by raw_rows._source, raw_rows._pk
            order by raw_rows._extracted_at, raw_rows._batch_id, raw_rows._hash
        ) as version_number
    from {{ source('raw', 'wecom_groups__group_chat_details') }} as raw_rows
),

version_members as (
    select
        member_item_rows.source_name,
        member_item_rows.chat_id,
        member_item_rows.version_number,
        member_item_rows.extracted_at,
        {{ json_str('member_item_rows._record', 'owner') }} as owner_userid,
        {{ json_str('member_item_rows.member_item', 'userid') }} as userid,
        {{ json_str('member_item_rows.member_item', 'join_time') }} as join_time_text,
        cast({{ json_int('member_item_rows.member_item', 'type') }} as integer) as member_type,
        {{ json_str('member_item_rows.member_item', 'unionid') }} as unionid,
        {{ wecom_epoch_ts('member_item_rows.member_item', 'join_time') }} as joined_at,
        cast({{ json_int('member_item_rows.member_item', 'join_scene') }} as integer) as join_scene,
        {{ json_str('member_item_rows.member_item', 'invitor.userid') }} as invitor_userid
    from {{ json_array_rows('versions', '_record', 'member_list', 'member_item') }} as member_item_rows
),

version_admins as (
    select distinct
        admin_item_rows.source_name,
        admin_item_rows.chat_id,
        admin_item_rows.version_number,
        {{ json_str('admin_item_rows.admin_item', 'userid') }} as userid
    from {{ json_array_rows('versions', '_record', 'admin_list', 'admin_item') }} as admin_item_rows
),

spells as (
    select
        version_members.*,
        min(version_members.extracted_at) over (
            partition by
                version_members.source_name, version_members.chat_id, version_members.userid,
                version_members.join_time_text
        ) as first_seen_at,
        row_number() over (
            partition by
                version_members.source_name, version_members.chat_id, version_members.userid,
                version_members.join_time_text
            order by version_members.version_number desc
        ) as recency
    from version_members
),

renamed as (
    select
        spells.source_name || ':' || spells.chat_id || ':' || spells.userid || ':'
        || coalesce(spells.join_time_text, '') as membership_key,
        spells.source_name,
        spells.source_name || ':' || spells.chat_id as chat_key,
        spells.chat_id,
        spells.userid,
        spells.member_type,
        case when spells.member_type = 2 then spells.source_name || ':' || spells.userid end as contact_key,
        case when spells.member_type = 2 then spells.unionid end as unionid,
        spells.joined_at,
        spells.join_scene,
        spells.invitor_userid,
        coalesce(spells.member_type = 1, false) as is_staff,
        coalesce(spells.userid = spells.owner_userid, false) as is_owner,
        version_admins.userid is not null as is_admin,
        spells.first_seen_at,
        spells.extracted_at as last_seen_at,
        next_version.version_number is not null as has_left,
        next_version.extracted_at as left_detected_at
    from spells
    left join version_admins
        on
            spells.source_name = version_admins.source_name
            and spells.chat_id = version_admins.chat_id
            and spells.version_number = version_admins.version_number
            and spells.userid = version_admins.userid
    left join versions as next_version
        on
            spells.source_name = next_version.source_name
            and spells.chat_id = next_version.chat_id
            and spells.version_number + 1 = next_version.version_number
    where spells.recency = 1
)

select * from renamed
