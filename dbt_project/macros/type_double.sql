{#
    type_double(): the SQL type of an 8-byte float on every adapter. dbt's type_float() renders `float`, which is a
    double on Postgres but a 4-byte REAL on DuckDB: ratios and statistics computed in it differed between the two
    warehouses in the 7th digit (tests/dbt/test_parity.py found it). `double precision` is the double on both.
#}
{% macro type_double() -%}
    double precision
{%- endmacro %}
