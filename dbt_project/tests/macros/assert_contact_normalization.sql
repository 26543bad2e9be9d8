{#- normalize_email / normalize_phone on the formats users type (see macros/privacy.sql). Returns the wrong rows. -#}
with

cases as (
    select
        cases.kind,
        cases.raw_value,
        cases.expected
    from (
        values
        ('email', ' Alice@Example.COM ', 'alice@example.com'),
        ('email', '　Bob@Example.com ', 'bob@example.com'),
        ('email', 'ÄNNE@Example.de', 'änne@example.de'),
        ('email', 'Taoma681+Shop@126.com', 'taoma681@126.com'),
        ('email', 'a+b+c@x.io', 'a@x.io'),
        ('email', '   ', null),
        ('email', '', null),
        ('phone', '+86 138 0013 8000', '+8613800138000'),
        ('phone', '13800138000', '+8613800138000'),
        ('phone', '138-0013-8000', '+8613800138000'),
        ('phone', '8613800138000', '+8613800138000'),
        ('phone', '0086 138 0013 8000', '+8613800138000'),
        ('phone', '+1 (415) 555-0101', '+14155550101'),
        ('phone', '(415) 555-0101', '+14155550101'),
        ('phone', '206.200.0068', '+12062000068'),
        ('phone', '07100 003498', '+447100003498'),
        ('phone', '021-5555-0000', '02155550000'),
        ('phone', '+557734881234', '+557734881234'),
        ('phone', '555-625-1199', '+15556251199'),
        ('phone', '155-625-1199', '1556251199'),
        ('phone', '12345678901', '12345678901'),
        ('phone', ' - ', null),
        ('phone', '', null)
    ) as cases (kind, raw_value, expected)
),

computed as (
    select
        cases.kind,
        cases.raw_value,
        cases.expected,
        case
            when cases.kind = 'email' then {{ normalize_email('cases.raw_value') }}
            else {{ normalize_phone('cases.raw_value') }}
        end as got
    from cases
)

select * from computed
where
    coalesce(got, '<null>') <> coalesce(expected, '<null>')
