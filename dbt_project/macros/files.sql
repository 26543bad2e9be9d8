{#
    File-drop streams (the `files` source type) by kind. A files stream lands in raw.files__<stream> under the name
    its pulse.yml gives it, so staging cannot name its tables: pulse passes them in the `file_streams` var,
    {kind: [table, ...]} (ingestion.files.tables_by_kind).

    Kinds: member_bindings, pos_orders, event_checkins, campaigns, campaign_audience (ingestion.files.KINDS).

    file_stream_tables(kind=none) -> the raw table names (without schema) of one kind, or of every kind.
    file_stream_union(kind) -> SQL: the latest version of every record of the kind's streams, one select per
        table (raw columns plus `_stream`), or no rows (with the raw columns) when the project has none.
#}

{% macro file_stream_tables(kind=none) -%}
    {%- set streams = var('file_streams', {}) or {} -%}
    {%- set out = [] -%}
    {%- for k, tables in streams.items() | sort -%}
        {%- if kind is none or k == kind -%}
            {%- for t in tables -%}
                {%- if t not in out -%}{%- do out.append(t) -%}{%- endif -%}
            {%- endfor -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(out) }}
{%- endmacro %}


{% macro file_stream_union(kind) -%}
    {%- set tables = file_stream_tables(kind) -%}
    {%- if tables | length == 0 -%}
        select
            cast(null as {{ dbt.type_string() }}) as _batch_id,
            cast(null as {{ dbt.type_string() }}) as _source,
            cast(null as {{ dbt.type_timestamp() }}) as _extracted_at,
            cast(null as {{ dbt.type_string() }}) as _pk,
            cast(null as {{ dbt.type_string() }}) as _hash,
            cast(null as {{ 'jsonb' if target.type == 'postgres' else 'json' }}) as _record,
            cast(null as {{ dbt.type_string() }}) as _stream
        where 1 = 0
    {%- else -%}
        {%- for t in tables %}
        select
            latest._batch_id,
            latest._source,
            latest._extracted_at,
            latest._pk,
            latest._hash,
            latest._record,
            '{{ t }}' as _stream
        from ({{ latest_version(api.Relation.create(database=target.database, schema='raw', identifier=t)) }}) as latest
        {{ 'union all' if not loop.last }}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}


{#- A file's date-time text as timestamptz: with an offset as written; without one, as local time in the business
    time zone (exports from Chinese tools carry none). Accepts 2025-10-13 10:22[:00] and 2025/10/13 10:22. -#}
{% macro file_ts(column, path) -%}
    {{ youzan_local_to_timestamptz("replace(" ~ json_str(column, path) ~ ", '/', '-')", business_timezone()) }}
{%- endmacro %}
