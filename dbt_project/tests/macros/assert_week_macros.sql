{#- week_start / iso_week_label / iso_week_of_date at the edges of the business day and of ISO years.
    The expectations are for Asia/Shanghai; with another business_timezone the test is disabled.
    Returns the wrong rows. -#}
{{ config(enabled=(var('business_timezone', 'Asia/Shanghai') == 'Asia/Shanghai')) }}

with

cases as (
    select
        cases.ts_text,
        cast(cases.expected_week_start as date) as expected_week_start,
        cases.expected_label
    from (
        values
        ('2026-03-01T15:30:00Z', '2026-02-23', '2026-W09'),
        ('2026-03-01T15:59:59Z', '2026-02-23', '2026-W09'),
        ('2026-03-01T16:00:00Z', '2026-03-02', '2026-W10'),
        ('2026-03-02T00:00:00+08:00', '2026-03-02', '2026-W10'),
        ('2026-03-01T23:30:00+08:00', '2026-02-23', '2026-W09'),
        ('2026-03-01T10:30:00-05:00', '2026-02-23', '2026-W09'),
        ('2026-03-01T11:30:00-05:00', '2026-03-02', '2026-W10'),
        ('2026-12-31T16:30:00Z', '2026-12-28', '2026-W53'),
        ('2027-01-03T15:59:59Z', '2026-12-28', '2026-W53'),
        ('2027-01-03T16:00:00Z', '2027-01-04', '2027-W01'),
        ('2024-12-29T15:59:59Z', '2024-12-23', '2024-W52'),
        ('2024-12-29T16:00:00Z', '2024-12-30', '2025-W01'),
        ('2021-01-03T15:59:59Z', '2020-12-28', '2020-W53'),
        ('2021-01-03T16:00:00Z', '2021-01-04', '2021-W01'),
        ('2016-01-01T00:00:00Z', '2015-12-28', '2015-W53'),
        ('2019-12-30T00:00:00Z', '2019-12-30', '2020-W01')
    ) as cases (ts_text, expected_week_start, expected_label)
),

computed as (
    select
        cases.ts_text,
        cases.expected_week_start,
        cases.expected_label,
        {{ week_start(text_to_timestamptz('cases.ts_text')) }} as got_week_start,
        {{ iso_week_label(text_to_timestamptz('cases.ts_text')) }} as got_label,
        {{ iso_week_of_date('cases.expected_week_start') }} as got_label_of_date
    from cases
)

select * from computed
where
    got_week_start <> expected_week_start
    or got_label <> expected_label
    or got_label_of_date <> expected_label
    or got_week_start is null
    or got_label is null
