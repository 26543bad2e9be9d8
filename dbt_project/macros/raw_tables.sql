{#
    ensure_raw_tables(): on-run-start hook. Returns DDL creating, empty, the raw tables (docs/architecture.md, "Raw
    tables") that do not exist yet, with the loader's exact columns, so that staging builds before a stream's first
    batch and in projects without some source type. Existing tables are never touched.
#}

{% macro raw_stream_tables() -%}
    {{ return([
        'discourse__users', 'discourse__categories', 'discourse__topics', 'discourse__posts',
        'discourse__topic_posts', 'discourse__group_members',
        'shopify__customers', 'shopify__orders',
        'reddit__submissions', 'reddit__comments',
        'discord__members', 'discord__channels', 'discord__threads', 'discord__messages',
        'wecom_groups__group_chats', 'wecom_groups__group_chat_details', 'wecom_groups__external_contacts',
        'wechat_mp__followers', 'wechat_mp__user_info', 'wechat_mp__user_summary', 'wechat_mp__user_cumulate',
        'wechat_mp__article_summary',
        'woocommerce__customers', 'woocommerce__orders', 'woocommerce__coupons',
        'youzan__trades', 'youzan__customers', 'youzan__points',
    ]) }}
{%- endmacro %}


{% macro raw_table_ddl() -%}
    {%- set text = 'text' if target.type == 'postgres' else 'varchar' -%}
    {%- set json = 'jsonb' if target.type == 'postgres' else 'json' -%}
    {%- set ddl = {
        '_batches': '(batch_id ' ~ text ~ ' primary key, source ' ~ text ~ ', source_type ' ~ text ~ ', stream '
            ~ text ~ ', records bigint, quarantined bigint, extracted_at timestamptz, loaded_at timestamptz)',
        '_quarantine': '(batch_id ' ~ text ~ ', source ' ~ text ~ ', stream ' ~ text ~ ', line_no bigint, reason '
            ~ text ~ ', record ' ~ text ~ ', quarantined_at timestamptz)',
        '_channels': '(source ' ~ text ~ ', channel ' ~ text ~ ', community ' ~ text ~ ')',
    } -%}
    {%- for stream in raw_stream_tables() + file_stream_tables() -%}
        {%- do ddl.update({stream: '(_batch_id ' ~ text ~ ', _source ' ~ text ~ ', _extracted_at timestamptz, _pk '
            ~ text ~ ', _hash ' ~ text ~ ', _record ' ~ json ~ ')'}) -%}
    {%- endfor -%}
    {{ return(ddl) }}
{%- endmacro %}


{% macro ensure_raw_tables() -%}
    {%- if not execute -%}{{ return('') }}{%- endif -%}
    {%- set existing_query -%}
        select lower(table_name) as table_name
        from information_schema.tables
        where table_schema = 'raw'
        {%- if target.type == 'duckdb' %} and table_catalog = '{{ target.database }}'{% endif %}
    {%- endset -%}
    {%- set existing = run_query(existing_query).columns[0].values() | list -%}
    {%- set ddl = raw_table_ddl() -%}
    {%- set missing = ddl.keys() | sort | reject('in', existing) | list -%}
    {%- if missing | length == 0 -%}{{ return('') }}{%- endif -%}
    {{ log('creating empty raw tables (not loaded yet): raw.' ~ missing | join(', raw.'), info=true) }}
    {%- set statements = ['create schema if not exists raw'] -%}
    {%- for name in missing -%}
        {%- do statements.append('create table if not exists raw.' ~ name ~ ' ' ~ ddl[name]) -%}
    {%- endfor -%}
    {{ return(statements | join(';\n')) }}
{%- endmacro %}
