{#
    Guild members (the users the member list gives: members who left are not listed), latest version per member.
    Display names and nicknames are not kept (often a person's name); the username is the public handle.
    `is_staff`: holds a staff role (stg_discord__member_roles) and is not a bot.
#}
with

source as (
    {{ latest_version(source('raw', 'discord__members')) }}
),

member_roles as (
    select * from {{ ref('stg_discord__member_roles') }}
),

roles_by_member as (
    select
        member_roles.member_key,
        string_agg(cast(member_roles.role_id as {{ dbt.type_string() }}), ' ' order by member_roles.role_id)
            as role_ids,
        count(*) as role_count,
        coalesce(max(case when member_roles.is_staff_role then 1 else 0 end) = 1, false) as has_staff_role
    from member_roles
    group by member_roles.member_key
),

renamed as (
    select
        source._source || ':' || source._pk as member_key,
        source._source as source_name,
        cast({{ json_str('source._record', 'user.id') }} as bigint) as user_id,
        {{ json_str('source._record', 'user.username') }} as username,
        {{ json_str('source._record', 'user.discriminator') }} as discriminator,
        {{ discord_is_bot('source._record', 'user') }} as is_bot,
        (
            coalesce(roles_by_member.has_staff_role, false)
            and not {{ discord_is_bot('source._record', 'user') }}
        ) as is_staff,
        roles_by_member.role_ids,
        cast(coalesce(roles_by_member.role_count, 0) as integer) as role_count,
        coalesce({{ json_bool('source._record', 'pending') }}, false) as is_pending,
        {{ json_ts('source._record', 'joined_at') }} as joined_at,
        {{ json_ts('source._record', 'premium_since') }} as premium_since,
        {{ json_ts('source._record', 'premium_since') }} is not null as is_boosting,
        {{ discord_snowflake_ts(json_str('source._record', 'user.id')) }} as account_created_at,
        source._extracted_at as extracted_at
    from source
    left join roles_by_member
        on source._source || ':' || source._pk = roles_by_member.member_key
)

select * from renamed
