{#
    Contact data never leaves staging in clear: only salted hashes of the normalized value.

    hash_contact(expr)  -> lower-case hex sha256 of the UTF-8 bytes of  <salt> || ':' || <expr>;  null for null.
                           Same hex on DuckDB and Postgres; in Python:
                           hashlib.sha256(f"{salt}:{value}".encode()).hexdigest()
    normalize_email(expr) -> every whitespace character removed (also no-break and ideographic spaces), lower
                           case; null when nothing is left.
    normalize_phone(expr) -> see the macro's comment for the rule.

    The salt is the var `hash_salt` (the caller passes PULSE_HASH_SALT), else the env var PULSE_HASH_SALT itself.
    An empty salt fails the run: hashes without it could be reversed by hashing a list of known addresses.
#}

{% macro hash_salt() -%}
    {%- set salt = var('hash_salt', env_var('PULSE_HASH_SALT', '')) | string -%}
    {%- if execute and salt | trim == '' -%}
        {{ exceptions.raise_compiler_error(
            "hash_salt is empty: pass --vars '{hash_salt: ...}' (pulse passes the env var PULSE_HASH_SALT) "
            ~ "or set PULSE_HASH_SALT; contact data is only stored as salted hashes") }}
    {%- endif -%}
    {{ return(salt) }}
{%- endmacro %}


{% macro hash_contact(expr) -%}
    {{ return(adapter.dispatch('hash_contact', 'community_pulse')(expr)) }}
{%- endmacro %}

{% macro duckdb__hash_contact(expr) -%}
    sha256('{{ dbt.escape_single_quotes(hash_salt() ~ ":") }}' || ({{ expr }}))
{%- endmacro %}

{% macro postgres__hash_contact(expr) -%}
    encode(sha256(convert_to('{{ dbt.escape_single_quotes(hash_salt() ~ ":") }}' || ({{ expr }}), 'UTF8')), 'hex')
{%- endmacro %}


{#- Whitespace as users type it: ASCII whitespace, no-break space (U+00A0), ideographic space (U+3000). -#}
{% macro _whitespace_class() -%}
    [[:space:] 　]
{%- endmacro %}


{#
    normalize_email(expr): whitespace (also ideographic and no-break spaces) removed, lowercased, and a `+tag`
    sub-address dropped ('Taoma681+Shop@126.com' -> 'taoma681@126.com'): people sign up to a shop with
    `name+shop@` and to the forum with `name@`, and every large mail provider delivers both to the same inbox.
#}
{% macro normalize_email(expr) -%}
    nullif(
        regexp_replace(lower(regexp_replace({{ expr }}, '{{ _whitespace_class() }}', '', 'g')), '[+][^@]*@', '@'),
        ''
    )
{%- endmacro %}


{#
    normalize_phone(expr): E.164 where the written form says the country, or a national format does unambiguously.
      1. keep the digits only; none left -> null
      2. written with a leading '+' (after whitespace)   -> '+' || digits        '+86 138 0013 8000' -> '+8613800138000'
                                                                                '+1 (415) 555-0101' -> '+14155550101'
      3. leading '00' (international prefix)            -> '+' || the rest      '0086...' -> '+86...'
      4. 11 digits 1[3-9]xxxxxxxxx (mainland China mobile) -> '+86' || digits   '13800138000' -> '+8613800138000'
      5. 13 digits 861[3-9]... (mobile with country code, no '+') -> '+' || digits
      6. 10 digits [2-9]xx[2-9]xxxxxx (North American NXX-NXX-XXXX; no Chinese number is written so: mobiles
         have 11 digits, landlines start with the 0 of their area code) -> '+1' || digits
                                                                                '(206) 200-0068' -> '+12062000068'
      7. 11 digits 07xxxxxxxxx (UK mobile, national format; a Chinese 07xx area code has 11-12 digits after
         the 0 only with an 8-digit number, i.e. 12 digits) -> '+44' || digits without the 0
                                                                                '07100 003498' -> '+447100003498'
      8. anything else: the digits as they are, no country code is guessed
#}
{% macro normalize_phone(expr) -%}
    {%- set compact = "regexp_replace(" ~ expr ~ ", '" ~ _whitespace_class() ~ "', '', 'g')" -%}
    {%- set digits = "regexp_replace(" ~ expr ~ ", '[^0-9]', '', 'g')" -%}
    case
        when nullif({{ digits }}, '') is null then null
        when {{ compact }} like '+%' then '+' || {{ digits }}
        when {{ digits }} like '00%' and length({{ digits }}) > 4 then '+' || substr({{ digits }}, 3)
        when length({{ digits }}) = 11 and {{ digits }} like '1%' and substr({{ digits }}, 2, 1) between '3' and '9'
            then '+86' || {{ digits }}
        when length({{ digits }}) = 13 and {{ digits }} like '861%' and substr({{ digits }}, 4, 1) between '3' and '9'
            then '+' || {{ digits }}
        when length({{ digits }}) = 10 and substr({{ digits }}, 1, 1) between '2' and '9'
            and substr({{ digits }}, 4, 1) between '2' and '9'
            then '+1' || {{ digits }}
        when length({{ digits }}) = 11 and {{ digits }} like '07%' then '+44' || substr({{ digits }}, 2)
        else {{ digits }}
    end
{%- endmacro %}


{#
    redact_contacts(expr): free text (posts, messages, comments) with contact data replaced: email addresses ->
    '[email]'; numbers written with a leading + and mainland China mobiles (1[3-9] and 9 more digits, spaces or
    dashes allowed as 3-4-4) -> '[phone]', unless glued to a letter, digit or a markup character (@ # & : / = _ . -:
    mentions <@id>, emojis <:name:id>, URLs). Same text on DuckDB (RE2) and Postgres.
#}
{% macro redact_contacts(expr) -%}
    {%- set email = "'[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+([.][A-Za-z0-9-]+)*[.][A-Za-z]{2,}'" -%}
    {%- set phone = "'(^|[^0-9A-Za-z@#&:/=_.-])([+][0-9][0-9 ()-]{5,18}[0-9]|1[3-9][0-9]([ -]?[0-9]{4}){2})([^0-9]|$)'" -%}
    {%- set once = "regexp_replace(regexp_replace(" ~ expr ~ ", " ~ email ~ ", '[email]', 'g'), "
        ~ phone ~ ", '\\1[phone]\\4', 'g')" -%}
    {#- twice: a number right after a redacted one (one separator between them) is caught by the second pass -#}
    regexp_replace({{ once }}, {{ phone }}, '\1[phone]\4', 'g')
{%- endmacro %}
