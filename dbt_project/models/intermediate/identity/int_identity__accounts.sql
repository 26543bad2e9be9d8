{#
    Every platform account, one row each, with the identifiers identity resolution matches on. The platforms are
    listed in identity_account_sources() (macros/identity.sql).
#}
{%- set relations = identity_account_sources() %}
{%- for name in relations %}
    select
        account_key,
        platform,
        source_name,
        account_id,
        created_at,
        is_staff,
        is_bot,
        email_hash,
        phone_hash,
        unionid
    from {{ ref(name) }}
    {{ 'union all' if not loop.last }}
{%- endfor %}
