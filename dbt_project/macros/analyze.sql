{#
    analyze_after_build(): on Postgres, `analyze` a table the moment it is built. Autovacuum analyzes new tables
    only after a delay, so the models built next in the same run planned their joins without statistics (the
    campaign models took 30-50 s on the demo world). DuckDB keeps its statistics as it writes: nothing to do there,
    and an empty hook is skipped. A project-wide post-hook (dbt_project.yml).
#}
{% macro analyze_after_build() -%}
    {%- if target.type == 'postgres' and config.get('materialized') in ('table', 'incremental') -%}
        analyze {{ this }}
    {%- endif -%}
{%- endmacro %}
