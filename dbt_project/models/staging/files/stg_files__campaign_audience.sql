{#-
    The CRM's campaign audience export (file-drop streams of kind campaign_audience): one row per entry, latest
    version: a member (by member number, as the POS card prints it) and the group the CRM put them in for the
    campaign, `treatment` (sent the campaign) or `holdout` (kept out of it, the comparison group), lowercased.
-#}

with

source as (
    {{ file_stream_union('campaign_audience') }}
),

renamed as (
    select
        source._source || ':' || source._pk as audience_key,
        source._source as source_name,
        source._stream as file_stream,
        trim({{ json_str('source._record', 'campaign_id') }}) as campaign_id,
        nullif(upper(trim({{ json_str('source._record', 'member_no') }})), '') as member_no,
        nullif(lower(trim({{ json_str('source._record', 'group') }})), '') as audience_group,
        source._extracted_at as extracted_at
    from source
)

select * from renamed
