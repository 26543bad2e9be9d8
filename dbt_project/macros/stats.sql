{#
    Statistics in plain SQL (DuckDB and Postgres: arithmetic, sqrt, exp, abs, floor), for campaign_performance
    and experiment_results. Arguments are SQL expressions; pass floats (cast(... as {{ type_double() }})) so
    that Postgres does not divide integers. Tested against known values in tests/macros/assert_stats_macros.sql.

        normal_two_sided_p(z)           2 * (1 - Phi(|z|)): erfc(|z| / sqrt 2) by Abramowitz & Stegun 7.1.26
                                        (absolute error < 1.5e-7; exp's argument is kept above -700, where
                                        Postgres would raise an underflow: |z| > 37 gives ~1e-305)
        normal_cdf(z)                   Phi(z), the standard normal CDF, from the same approximation
        t_quantile_975(df)              t(0.975, df), the 95% two-sided critical value of Student's t: a table of
                                        df 1..30 (a fractional df is floored: the larger, conservative value) and
                                        the Cornish-Fisher expansion in 1/df (three terms) above 30 (error < 1e-5);
                                        null for a null df or df < 1
        t_two_sided_p(t, df)            2 * P(T_df > |t|): t mapped to a normal deviate by Wallace's
                                        z = t (1 - 1/(4 df)) / sqrt(1 + t^2 / (2 df)) (error < 0.002 in p near
                                        0.05 for df >= 10; the callers ask for a sample large enough anyway)
        welch_se(var1, n1, var2, n2)    standard error of mean1 - mean2: sqrt(var1/n1 + var2/n2)
        welch_df(var1, n1, var2, n2)    the Welch-Satterthwaite degrees of freedom of that difference (null when
                                        both variances are 0 or a group has fewer than 2 members)
        round_to(x, places)             x rounded to a numeric(28, places) (Postgres rounds no double to places,
                                        and a fixed scale shows 0.5 as 0.5000 on both adapters)
#}

{% macro normal_two_sided_p(z) -%}
    {%- set x = '(abs(' ~ z ~ ') / 1.4142135623730951)' -%}
    {%- set t = '(1.0 / (1.0 + 0.3275911 * ' ~ x ~ '))' -%}
    ({{ t }} * (0.254829592 + {{ t }} * (-0.284496736 + {{ t }} * (1.421413741 + {{ t }} * (-1.453152027
        + {{ t }} * 1.061405429)))) * exp(-least({{ x }} * {{ x }}, 700.0)))
{%- endmacro %}


{% macro normal_cdf(z) -%}
    (case
        when ({{ z }}) >= 0 then 1.0 - 0.5 * {{ normal_two_sided_p(z) }}
        else 0.5 * {{ normal_two_sided_p(z) }}
    end)
{%- endmacro %}


{% macro t_quantile_975(df) -%}
    {#- scipy.stats.t.ppf(0.975, df), df = 1..30 -#}
    {%- set table = [12.7062, 4.3027, 3.1824, 2.7764, 2.5706, 2.4469, 2.3646, 2.3060, 2.2622, 2.2281,
                     2.2010, 2.1788, 2.1604, 2.1448, 2.1314, 2.1199, 2.1098, 2.1009, 2.0930, 2.0860,
                     2.0796, 2.0739, 2.0687, 2.0639, 2.0595, 2.0555, 2.0518, 2.0484, 2.0452, 2.0423] -%}
    {%- set z = 1.959963984540054 -%}
    {%- set c1 = (z ** 3 + z) / 4 -%}
    {%- set c2 = (5 * z ** 5 + 16 * z ** 3 + 3 * z) / 96 -%}
    {%- set c3 = (3 * z ** 7 + 19 * z ** 5 + 17 * z ** 3 - 15 * z) / 384 -%}
    (case
        when ({{ df }}) is null or ({{ df }}) < 1 then null
        {% for q in table -%}
        when ({{ df }}) < {{ loop.index + 1 }} then {{ q }}
        {% endfor -%}
        else {{ z }} + {{ c1 }} / ({{ df }}) + {{ c2 }} / (({{ df }}) * ({{ df }}))
            + {{ c3 }} / (({{ df }}) * ({{ df }}) * ({{ df }}))
    end)
{%- endmacro %}


{% macro t_two_sided_p(t, df) -%}
    {%- set z = '((' ~ t ~ ') * (1.0 - 1.0 / (4.0 * (' ~ df ~ '))) / sqrt(1.0 + (' ~ t ~ ') * (' ~ t
        ~ ') / (2.0 * (' ~ df ~ '))))' -%}
    (case when ({{ df }}) > 0 then {{ normal_two_sided_p(z) }} end)
{%- endmacro %}


{% macro welch_se(var1, n1, var2, n2) -%}
    sqrt(({{ var1 }}) / ({{ n1 }}) + ({{ var2 }}) / ({{ n2 }}))
{%- endmacro %}


{% macro welch_df(var1, n1, var2, n2) -%}
    {%- set a = '((' ~ var1 ~ ') / (' ~ n1 ~ '))' -%}
    {%- set b = '((' ~ var2 ~ ') / (' ~ n2 ~ '))' -%}
    (({{ a }} + {{ b }}) * ({{ a }} + {{ b }})
        / nullif({{ a }} * {{ a }} / nullif(({{ n1 }}) - 1, 0) + {{ b }} * {{ b }} / nullif(({{ n2 }}) - 1, 0), 0))
{%- endmacro %}


{% macro round_to(x, places) -%}
    cast(round(cast({{ x }} as numeric(38, 10)), {{ places }}) as numeric(28, {{ places }}))
{%- endmacro %}
