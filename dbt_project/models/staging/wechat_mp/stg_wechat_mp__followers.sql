{#
    One row per follower of the Official Account: the openids of `user/get` (stream followers) with the profile
    `user/info/batchget` gave for each (stream user_info), latest version of each. The nickname and avatar are not
    served by WeChat any more and the account's remark on the user is not kept.

    Both streams are snapshots, and a version identical to the one stored is not stored again: someone who
    unfollowed keeps their last stored state here unless a lookup answered subscribe = 0. The datacube's
    cancel_user (stg_wechat_mp__user_summary) counts unfollows per day.
#}
with

listed as (
    {{ latest_version(source('raw', 'wechat_mp__followers')) }}
),

profiles as (
    {{ latest_version(source('raw', 'wechat_mp__user_info')) }}
),

tag_lists as (
    select
        tag_item_rows._source as source_name,
        tag_item_rows._pk as openid,
        count(*) as tag_count,
        string_agg(
            {{ wechat_json_text('tag_item_rows.tag_item') }}, ','
            order by cast({{ wechat_json_text('tag_item_rows.tag_item') }} as bigint)
        ) as tag_ids
    from {{ json_array_rows('profiles', '_record', 'tagid_list', 'tag_item') }} as tag_item_rows
    group by tag_item_rows._source, tag_item_rows._pk
),

renamed as (
    select
        coalesce(profiles._source, listed._source) || ':' || coalesce(profiles._pk, listed._pk) as follower_key,
        coalesce(profiles._source, listed._source) as source_name,
        coalesce(profiles._pk, listed._pk) as openid,
        {{ json_str('profiles._record', 'unionid') }} as unionid,
        coalesce({{ json_int('profiles._record', 'subscribe') }} = 1, listed._pk is not null) as is_subscribed,
        {{ wechat_epoch_ts('profiles._record', 'subscribe_time') }} as subscribed_at,
        {{ json_str('profiles._record', 'subscribe_scene') }} as subscribe_scene,
        cast({{ json_int('profiles._record', 'qr_scene') }} as bigint) as qr_scene,
        nullif({{ json_str('profiles._record', 'qr_scene_str') }}, '') as qr_scene_str,
        {{ json_str('profiles._record', 'language') }} as user_language,
        tag_lists.tag_ids,
        cast(coalesce(tag_lists.tag_count, 0) as integer) as tag_count,
        listed._pk is not null as is_listed,
        profiles._pk is not null as has_profile,
        listed._extracted_at as listed_at,
        profiles._extracted_at as extracted_at
    from listed
    full outer join profiles
        on
            listed._source = profiles._source
            and listed._pk = profiles._pk
    left join tag_lists
        on
            profiles._source = tag_lists.source_name
            and profiles._pk = tag_lists.openid
)

select * from renamed
