{#- Generic test: no two rows share the same values in `combination_of_columns` (nulls compare equal). -#}
{% test unique_combination_of_columns(model, combination_of_columns) %}

with

grouped as (
    select
        {% for column in combination_of_columns -%}
        {{ column }},
        {% endfor -%}
        count(*) as row_count
    from {{ model }}
    group by {% for column in combination_of_columns %}{{ column }}{{ ", " if not loop.last }}{% endfor %}
)

select * from grouped
where row_count > 1

{% endtest %}
