{#
    Identity resolution helpers (models/intermediate/identity).

    identity_account_sources() -> the staging models that hold platform accounts, each with the columns of
        int_identity__accounts. A platform joins identity resolution by adding its accounts model here.

    identity_bindable_platforms() -> the platforms whose accounts a membership center binding can name, by the
        platform's own user id (Reddit: the username, lowercased): `<platform>:<id>` is the `account` identifier.

    identity_excluded_hashes() -> SQL list of the hashed identifiers that must never merge people: the
        `identity_exclusions` var (clear emails and phones from pulse.yml: noreply addresses, shared shop phones,
        test accounts), hashed here exactly as staging hashes contacts, so the clear values never reach a table.
#}

{% macro identity_account_sources() -%}
    {{ return([
        'int_identity__discourse_accounts', 'int_identity__shopify_accounts', 'int_identity__woocommerce_accounts',
        'int_identity__youzan_accounts', 'int_identity__wecom_groups_accounts', 'int_identity__wechat_mp_accounts',
        'int_identity__discord_accounts', 'int_identity__reddit_accounts', 'int_identity__membership_accounts',
    ]) }}
{%- endmacro %}


{% macro identity_bindable_platforms() -%}
    {{ return(['discourse', 'discord', 'reddit']) }}
{%- endmacro %}


{% macro identity_excluded_hashes() -%}
    {%- set values = var('identity_exclusions', []) -%}
    {%- if values is string -%}{%- set values = values.split(',') -%}{%- endif -%}
    {%- set values = values | map('string') | map('trim') | reject('equalto', '') | list -%}
    {%- if values | length == 0 -%}
        (select cast(null as {{ dbt.type_string() }}) as id_value where 1 = 0)
    {%- else -%}
        (
            {%- for v in values %}
            {%- set literal = "'" ~ dbt.escape_single_quotes(v) ~ "'" %}
            select {{ hash_contact(normalize_email(literal) if '@' in v else normalize_phone(literal)) }} as id_value
            {{ 'union all' if not loop.last }}
            {%- endfor %}
        )
    {%- endif -%}
{%- endmacro %}
