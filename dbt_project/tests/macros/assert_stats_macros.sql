{#- normal_cdf / normal_two_sided_p / t_quantile_975 / t_two_sided_p / welch_df (macros/stats.sql) against values
    from scipy.stats (norm.cdf, 2 * norm.sf, t.ppf(0.975, floor(df)) to df 30, t.ppf above, 2 * t.sf), each
    within its tolerance. Returns the wrong rows. -#}
{%- set float = type_double() -%}
{%- set cdf_cases = [(-3, 0.0013499), (-1.96, 0.0249979), (-1, 0.1586553), (0, 0.5), (0.5, 0.6914625),
                     (1.644854, 0.95), (2.326348, 0.99), (4, 0.9999683)] -%}
{%- set p_cases = [(1.959964, 0.05), (-2.575829, 0.01), (0, 1.0), (5, 0.0000005733), (40, 0.0)] -%}
{%- set quantile_cases = [(1, 12.7062), (4.96, 2.7764), (30, 2.0423), (30.5, 2.0423), (31, 2.03951), (60, 2.0003),
                          (1000, 1.96234)] -%}
{%- set t_p_cases = [(2.228, 10, 0.05001, 0.002), (-1.984, 99, 0.05002, 0.0005), (3.0, 200, 0.00304, 0.0002),
                     (0, 50, 1.0, 0.000001)] %}

with

cases as (
    {% for z, expected in cdf_cases -%}
    select
        'normal_cdf({{ z }})' as case_name,
        {{ normal_cdf('cast(' ~ z ~ ' as ' ~ float ~ ')') }} as got,
        {{ expected }} as expected,
        0.000001 as tolerance
    union all
    {% endfor -%}
    {% for z, expected in p_cases -%}
    select
        'normal_two_sided_p({{ z }})' as case_name,
        {{ normal_two_sided_p('cast(' ~ z ~ ' as ' ~ float ~ ')') }} as got,
        {{ expected }} as expected,
        0.0000002 as tolerance
    union all
    {% endfor -%}
    {% for df, expected in quantile_cases -%}
    select
        't_quantile_975({{ df }})' as case_name,
        {{ t_quantile_975('cast(' ~ df ~ ' as ' ~ float ~ ')') }} as got,
        {{ expected }} as expected,
        0.00001 as tolerance
    union all
    {% endfor -%}
    {% for t, df, expected, tolerance in t_p_cases -%}
    select
        't_two_sided_p({{ t }}, {{ df }})' as case_name,
        {{ t_two_sided_p('cast(' ~ t ~ ' as ' ~ float ~ ')', 'cast(' ~ df ~ ' as ' ~ float ~ ')') }} as got,
        {{ expected }} as expected,
        {{ tolerance }} as tolerance
    union all
    {% endfor -%}
    select
        'welch_df(166.667, 4, 100, 3)' as case_name,
        {{ welch_df('cast(500.0 / 3 as ' ~ float ~ ')', '4', 'cast(100 as ' ~ float ~ ')', '3') }} as got,
        4.95918 as expected,
        0.00001 as tolerance
),

nulls as (
    select
        't_quantile_975(0.5)' as case_name,
        {{ t_quantile_975('cast(0.5 as ' ~ float ~ ')') }} as got
    union all
    select
        'welch_df with both variances 0' as case_name,
        {{ welch_df('cast(0 as ' ~ float ~ ')', '5', 'cast(0 as ' ~ float ~ ')', '5') }} as got
    union all
    select
        'welch_df with a group of 1' as case_name,
        {{ welch_df('cast(2 as ' ~ float ~ ')', '1', 'cast(3 as ' ~ float ~ ')', '4') }} as got
),

wrong as (
    select
        cases.case_name,
        cases.got
    from cases
    where cases.got is null or abs(cases.got - cases.expected) > cases.tolerance
    union all
    select
        nulls.case_name,
        nulls.got
    from nulls
    where nulls.got is not null
)

select * from wrong
