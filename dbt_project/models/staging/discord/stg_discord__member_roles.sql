{#
    Roles of the latest version of each guild member: one row per member and role. `is_staff_role`: the role is in
    the var `discord_staff_role_ids`; when that var is empty (the default), a role allowed to view a channel that
    @everyone may not view (the staff room: the API gives the bot no role names or permissions of its own).
#}
{%- set staff_ids = discord_staff_role_ids() %}
with

source as (
    {{ latest_version(source('raw', 'discord__members')) }}
),

overwrites as (
    select * from {{ ref('stg_discord__channel_permission_overwrites') }}
),

hidden_channels as (
    select distinct overwrites.channel_key
    from overwrites
    where
        overwrites.is_everyone
        and overwrites.denies_view_channel
),

staff_roles as (
    select distinct
        overwrites.source_name,
        overwrites.target_id as role_id
    from overwrites
    inner join hidden_channels
        on overwrites.channel_key = hidden_channels.channel_key
    where
        overwrites.target_type = 'role'
        and not overwrites.is_everyone
        and overwrites.allows_view_channel
),

member_roles as (
    select
        role_item_rows._source || ':' || role_item_rows._pk as member_key,
        role_item_rows._source as source_name,
        cast({{ json_str('role_item_rows._record', 'user.id') }} as bigint) as user_id,
        cast({{ discord_json_text('role_item_rows.role_item') }} as bigint) as role_id,
        role_item_rows._extracted_at as extracted_at
    from {{ json_array_rows('source', '_record', 'roles', 'role_item') }} as role_item_rows
),

renamed as (
    select
        member_roles.member_key,
        member_roles.source_name,
        member_roles.user_id,
        member_roles.role_id,
        {% if staff_ids | length > 0 -%}
            member_roles.role_id in ({{ staff_ids | join(', ') }}) as is_staff_role,
        {%- else -%}
            staff_roles.role_id is not null as is_staff_role,
        {%- endif %}
        member_roles.extracted_at
    from member_roles
    left join staff_roles
        on
            member_roles.source_name = staff_roles.source_name
            and member_roles.role_id = staff_roles.role_id
)

select * from renamed
