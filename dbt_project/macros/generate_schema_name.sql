{#
    Models build into schemas named exactly as configured (`staging`, `intermediate`, `marts`), without dbt's
    default `<target schema>_` prefix, plus the env var PULSE_SCHEMA_SUFFIX: write-audit-publish on Postgres
    builds into `marts_work` etc. (suffix `_work`) and publish swaps `marts` in. Empty by default.
    Nodes without a custom schema (unit-test fixtures, ad hoc tests) use the target's schema.
#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}{{ env_var('PULSE_SCHEMA_SUFFIX', '') | trim }}
    {%- endif -%}
{%- endmacro %}
