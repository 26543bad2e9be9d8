{#
    Reading the raw `_record` column (json on DuckDB, jsonb on Postgres).

    `path` is dotted: 'customer.id', 'posters.0.user_id' (a numeric segment is an array index).
    JSON null, a missing key and (for the typed readers) an empty string all give SQL null.

        json_str(column, path)                   -> text
        json_int(column, path)                   -> bigint
        json_num(column, path, precision, scale) -> numeric(precision, scale); "598.94" and 598.94 alike
        json_bool(column, path)                  -> boolean; true/false and "true"/"false" (also 1/0)
        json_ts(column, path)                    -> timestamptz; ISO 8601 with Z or an offset (without: UTC)
        json_array(column, path)                 -> the JSON array itself (json / jsonb)
        json_array_rows(relation, column, path, element)
                                                 -> a derived table: one row per element of the array, the
          relation's columns repeated and the element as `element`:
            from {{ json_array_rows('orders', '_record', 'line_items', 'line_item') }} as line_item_rows
          then read the element with the same macros: {{ json_int('line_item_rows.line_item', 'id') }}.
          Null, missing or non-array values give no rows.
        json_array_elements(column, path)        -> the elements, in a select list (what json_array_rows does).
#}

{% macro _json_path_duckdb(path) -%}
    {%- set parts = [] -%}
    {%- for part in path.split('.') -%}
        {%- if part is number or part.isdigit() -%}
            {%- do parts.append('[' ~ part ~ ']') -%}
        {%- else -%}
            {%- do parts.append('.' ~ part) -%}
        {%- endif -%}
    {%- endfor -%}
    $ {{- parts | join('') -}}
{%- endmacro %}

{% macro _json_path_postgres(path) -%}
    { {{- path.split('.') | join(',') -}} }
{%- endmacro %}


{% macro json_str(column, path) -%}
    {{ return(adapter.dispatch('json_str', 'community_pulse')(column, path)) }}
{%- endmacro %}

{% macro default__json_str(column, path) -%}
    {{ exceptions.raise_compiler_error("json_str: no implementation for adapter " ~ target.type) }}
{%- endmacro %}

{#-
    DuckDB keeps json as text and parses the whole document again for every json_extract_string: a staging model
    reading 25 fields of a record parsed it 25 times. Given a list of paths, json_extract_string parses once and
    returns them all, and DuckDB computes an expression that a select repeats only once per row. So each read of
    `column` takes its element of one list: every path the model reads from that same column with the json_*,
    youzan_* and *_ts readers (found in the model's own code, sorted, so every read writes the same list). A path
    the model builds at run time is not in the list and is read alone. Same values, one parse: a 1.37 M-message
    Discord stream, 15 fields, 9.9 s -> 1.8 s.
-#}
{% macro duckdb__json_str(column, path) -%}
    {{ _duckdb_json_read('json_extract_string', column, path, 'str') }}
{%- endmacro %}

{#- `function`(column, path) as one element of `function` over every path of `kind` the model reads from `column`
    (the path alone when the model reads no other). -#}
{% macro _duckdb_json_read(function, column, path, kind) -%}
    {%- set paths = _json_paths_read(column, kind) -%}
    {%- if path in paths and paths | length > 1 -%}
        {{ function }}({{ column }}, {{ _json_path_list(paths) }})[{{ paths.index(path) + 1 }}]
    {%- else -%}
        {{ function }}({{ column }}, '{{ _json_path_duckdb(path) }}')
    {%- endif -%}
{%- endmacro %}

{#- The paths the current model reads from `column` (a literal such as 'source._record' in its code) with a text
    reader (`kind` 'str') or as json (`kind` 'json': json_array), sorted; [] outside a model. Readers that build
    their paths (discord_is_bot(column, 'author') reads author.bot, author.system and author.username) are listed
    with the fields they add: a path missing here is still read correctly, alone, at the cost of one more parse of
    the record per row (two of Discord messages' fields and its three array lengths were). -#}
{% macro _json_paths_read(column, kind) -%}
    {%- set code = model.get('raw_code', '') if model is defined and model is mapping else '' -%}
    {%- if not code or column not in code -%}{{ return([]) }}{%- endif -%}
    {%- if kind == 'json' -%}
        {%- set readers = {'json_array|discord_json_array_length': ['']} -%}
    {%- else -%}
        {%- set readers = {
            '(?:json|youzan)_(?:str|int|num|bool|ts)|youzan_json_in_string|file_ts|wechat_epoch_ts|wecom_epoch_ts': [''],
            'discord_is_bot': ['.bot', '.system', '.username'],
        } -%}
    {%- endif -%}
    {%- set paths = [] -%}
    {%- for names, fields in readers.items() -%}
        {%- set pattern = '\\b(?:' ~ names ~ ')\\(\\s*[\'"]' ~ modules.re.escape(column) ~ '[\'"]\\s*,\\s*[\'"]([^\'"]+)[\'"]' -%}
        {%- for found in modules.re.findall(pattern, code) -%}
            {%- for field in fields -%}{%- do paths.append(found ~ field) -%}{%- endfor -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(paths | unique | sort | list) }}
{%- endmacro %}

{% macro _json_path_list(paths) -%}
    [{%- for p in paths -%}'{{ _json_path_duckdb(p) }}'{{ ', ' if not loop.last }}{%- endfor -%}]
{%- endmacro %}

{% macro postgres__json_str(column, path) -%}
    ({{ column }} #>> '{{ _json_path_postgres(path) }}')
{%- endmacro %}


{% macro json_int(column, path) -%}
    cast(nullif(trim({{ json_str(column, path) }}), '') as bigint)
{%- endmacro %}


{% macro json_num(column, path, precision=18, scale=2) -%}
    cast(nullif(trim({{ json_str(column, path) }}), '') as numeric({{ precision }}, {{ scale }}))
{%- endmacro %}


{% macro json_bool(column, path) -%}
    {{ text_to_bool(json_str(column, path)) }}
{%- endmacro %}

{% macro text_to_bool(expr) -%}
    case lower(trim({{ expr }}))
        when 'true' then true
        when 'false' then false
        when '1' then true
        when '0' then false
    end
{%- endmacro %}


{% macro json_ts(column, path) -%}
    {{ text_to_timestamptz(json_str(column, path)) }}
{%- endmacro %}

{#- ISO 8601 text to timestamptz: with `Z` or an offset as written, without one as UTC (never the session zone). -#}
{% macro text_to_timestamptz(expr) -%}
    {{ return(adapter.dispatch('text_to_timestamptz', 'community_pulse')(expr)) }}
{%- endmacro %}

{% macro duckdb__text_to_timestamptz(expr) -%}
    case
        when nullif(trim({{ expr }}), '') is null then null
        when regexp_matches(trim({{ expr }}), '[T ][0-9:.]+([Zz]|[+-][0-9]{2}(:?[0-9]{2})?)$')
            then cast(trim({{ expr }}) as timestamptz)
        else cast(trim({{ expr }}) as timestamp) at time zone 'UTC'
    end
{%- endmacro %}

{% macro postgres__text_to_timestamptz(expr) -%}
    case
        when nullif(trim({{ expr }}), '') is null then null
        when trim({{ expr }}) ~ '[T ][0-9:.]+([Zz]|[+-][0-9]{2}(:?[0-9]{2})?)$'
            then cast(trim({{ expr }}) as timestamptz)
        else cast(trim({{ expr }}) as timestamp) at time zone 'UTC'
    end
{%- endmacro %}


{% macro json_array(column, path) -%}
    {{ return(adapter.dispatch('json_array', 'community_pulse')(column, path)) }}
{%- endmacro %}

{#- As duckdb__json_str: the json_array reads of one column share one parse. -#}
{% macro duckdb__json_array(column, path) -%}
    {{ _duckdb_json_read('json_extract', column, path, 'json') }}
{%- endmacro %}

{% macro postgres__json_array(column, path) -%}
    ({{ column }} #> '{{ _json_path_postgres(path) }}')
{%- endmacro %}


{#- The elements in a select list, not a lateral `cross join ... as x (value)`: DuckDB decorrelates that into a
    distinct of every parent record and a hash join on the record itself (hashing and comparing each record's
    text), which took twice the CPU for Shopify order lines (docs/benchmarks.md). Postgres runs the same
    set-returning function in the select list. -#}
{% macro json_array_rows(relation, column, path, element) -%}
    (
        select
            {{ relation }}.*,
            {{ json_array_elements(relation ~ '.' ~ column, path) }} as {{ element }}
        from {{ relation }}
    )
{%- endmacro %}

{% macro json_array_elements(column, path) -%}
    {{ return(adapter.dispatch('json_array_elements', 'community_pulse')(column, path)) }}
{%- endmacro %}

{% macro duckdb__json_array_elements(column, path) -%}
    unnest(json_extract({{ column }}, '{{ _json_path_duckdb(path) }}[*]'))
{%- endmacro %}

{% macro postgres__json_array_elements(column, path) -%}
    jsonb_array_elements(
        case
            when jsonb_typeof({{ column }} #> '{{ _json_path_postgres(path) }}') = 'array'
                then {{ column }} #> '{{ _json_path_postgres(path) }}'
            else cast('[]' as jsonb)
        end
    )
{%- endmacro %}


{#- Value of one query parameter in a URL (as written, not percent-decoded); null when absent or empty. -#}
{% macro url_query_param(expr, name) -%}
    {{ return(adapter.dispatch('url_query_param', 'community_pulse')(expr, name)) }}
{%- endmacro %}

{% macro duckdb__url_query_param(expr, name) -%}
    nullif(regexp_extract({{ expr }}, '[?&]{{ name }}=([^&#]*)', 1), '')
{%- endmacro %}

{% macro postgres__url_query_param(expr, name) -%}
    nullif(substring({{ expr }} from '[?&]{{ name }}=([^&#]*)'), '')
{%- endmacro %}
