{#-
    The marketing calendar (file-drop streams of kind campaigns): one row per campaign id, the latest version (a
    campaign listed by two calendars, or edited and dropped again, keeps the row extracted last). Times without an
    offset are local times in the business time zone; the period is [start_at, end_at). Costs as typed
    (`¥20,306.00`) become numeric(14, 2); the holdout share is a fraction (0.20: a fifth of the audience).
-#}

with

source as (
    {{ file_stream_union('campaigns') }}
),

renamed as (
    select
        source._source || ':' || source._pk as campaign_key,
        source._source as source_name,
        source._stream as file_stream,
        trim({{ json_str('source._record', 'campaign_id') }}) as campaign_id,
        nullif(trim({{ json_str('source._record', 'name') }}), '') as campaign_name,
        nullif(lower(trim({{ json_str('source._record', 'community') }})), '') as community,
        nullif(lower(trim({{ json_str('source._record', 'channel') }})), '') as channel,
        nullif(trim({{ json_str('source._record', 'target_segment') }}), '') as target_segment,
        {{ file_ts('source._record', 'start_at') }} as start_at,
        {{ file_ts('source._record', 'end_at') }} as end_at,
        cast(
            nullif(regexp_replace({{ json_str('source._record', 'cost') }}, '[^0-9.-]', '', 'g'), '')
            as numeric(14, 2)
        ) as campaign_cost,
        nullif(trim({{ json_str('source._record', 'coupon_code') }}), '') as coupon_code,
        nullif(trim({{ json_str('source._record', 'utm_campaign') }}), '') as utm_campaign,
        nullif(trim({{ json_str('source._record', 'event_name') }}), '') as event_name,
        {{ json_num('source._record', 'holdout_share', 5, 4) }} as holdout_share,
        source._extracted_at as extracted_at
    from source
),

deduplicated as (
    select
        renamed.*,
        row_number() over (
            partition by renamed.campaign_id
            order by renamed.extracted_at desc, renamed.campaign_key desc
        ) as version_rank
    from renamed
)

select
    deduplicated.campaign_key,
    deduplicated.source_name,
    deduplicated.file_stream,
    deduplicated.campaign_id,
    deduplicated.campaign_name,
    deduplicated.community,
    deduplicated.channel,
    deduplicated.target_segment,
    deduplicated.start_at,
    deduplicated.end_at,
    deduplicated.campaign_cost,
    deduplicated.coupon_code,
    deduplicated.utm_campaign,
    deduplicated.event_name,
    deduplicated.holdout_share,
    deduplicated.extracted_at
from deduplicated
where deduplicated.version_rank = 1
