{#- json_str / json_int / json_num / json_bool / json_ts / json_array_elements / json_array_rows on the shapes the APIs send.
    Returns the wrong rows. -#}
{%- set json_type = 'jsonb' if target.type == 'postgres' else 'json' -%}

with

records as (
    select cast(records.record_text as {{ json_type }}) as record
    from (
        values
        ('{"s": "598.94", "n": 598.94, "i": 42, "t": true, "ts": "false", "f": false, "z": "2020-01-25T02:10:07.971Z", "o": "2008-01-10T11:00:00-05:00", "naive": "2026-03-01T10:00:00", "e": "", "nul": null, "a": [{"id": 1, "v": "x"}, {"id": 2, "v": "y"}], "deep": {"list": [{"user_id": 7}]}}')
    ) as records (record_text)
),

labelled as (
    select
        'r1' as row_id,
        records.record
    from records
),

checks as (
    select 'json_num string' as check_name, {{ json_num('records.record', 's', 12, 2) }} = 598.94 as ok from records
    union all
    select 'json_num number', {{ json_num('records.record', 'n', 12, 2) }} = 598.94 from records
    union all
    select 'json_num empty', {{ json_num('records.record', 'e') }} is null from records
    union all
    select 'json_int', {{ json_int('records.record', 'i') }} = 42 from records
    union all
    select 'json_int null', {{ json_int('records.record', 'nul') }} is null from records
    union all
    select 'json_int missing', {{ json_int('records.record', 'missing') }} is null from records
    union all
    select 'json_bool true', {{ json_bool('records.record', 't') }} = true from records
    union all
    select 'json_bool "false"', {{ json_bool('records.record', 'ts') }} = false from records
    union all
    select 'json_bool false', {{ json_bool('records.record', 'f') }} = false from records
    union all
    select 'json_bool null', {{ json_bool('records.record', 'nul') }} is null from records
    union all
    select 'json_str', {{ json_str('records.record', 'a.1.v') }} = 'y' from records
    union all
    select 'json_str nested index', {{ json_int('records.record', 'deep.list.0.user_id') }} = 7 from records
    union all
    select 'json_str null', {{ json_str('records.record', 'nul') }} is null from records
    union all
    select
        'json_ts Z',
        {{ json_ts('records.record', 'z') }} = cast('2020-01-25 02:10:07.971+00' as timestamptz)
    from records
    union all
    select
        'json_ts offset',
        {{ json_ts('records.record', 'o') }} = cast('2008-01-10 16:00:00+00' as timestamptz)
    from records
    union all
    select
        'json_ts naive is UTC',
        {{ json_ts('records.record', 'naive') }} = cast('2026-03-01 10:00:00+00' as timestamptz)
    from records
    union all
    select 'json_ts empty', {{ json_ts('records.record', 'e') }} is null from records
    union all
    select 'json_array_elements', sum({{ json_int('elements.element', 'id') }}) = 3
    from (select {{ json_array_elements('records.record', 'a') }} as element from records) as elements
    union all
    select 'json_array_elements null', count(*) = 0
    from (select {{ json_array_elements('records.record', 'nul') }} as element from records) as elements
    union all
    select 'json_array_elements missing', count(*) = 0
    from (select {{ json_array_elements('records.record', 'missing') }} as element from records) as elements
    union all
    select
        'json_array_rows keeps the row',
        max(elements.row_id) = 'r1' and count(*) = 2 and sum({{ json_int('elements.element', 'id') }}) = 3
    from {{ json_array_rows('labelled', 'record', 'a', 'element') }} as elements
    union all
    select 'json_array_rows null', count(*) = 0
    from {{ json_array_rows('labelled', 'record', 'nul', 'element') }} as elements
)

select * from checks
where not coalesce(checks.ok, false)
