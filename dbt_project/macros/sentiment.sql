{#
    Lexicon sentiment for Chinese and English text, offline: the terms are the seed `sentiment_lexicon`
    (seeds/sentiment_lexicon.csv), read from the warehouse when a model compiles; nothing is downloaded.

    Tokens: a text is cut into lexicon tokens (sentiment terms, negators, intensifiers, neutral words) by two
    regular expressions built from the seed when the model runs, each a list of literal alternatives, longest first:
      `substring` - Chinese, emoji and emoticon terms match anywhere: Chinese has no word boundaries. Neutral words
                    mask the terms inside them (你好 is not 好, 快递 is not 快, 差不多 is not 差).
      `word`      - English terms match whole words (`word`) or word beginnings (`prefix`: disappoint ->
                    disappointed, disappointing): the expression takes the whole word that holds a term, and
                    sentiment_term_of() keeps the term the word starts with (chocolate holds late: no term).
    The two never match the same characters (substring terms hold no ASCII letter, digit, _ or space), so together
    they give the longest-first tokens of one alternation; split in two, Postgres's regex engine runs about four
    times faster than on their union. Splitting the text on the same expression gives the text between tokens:
    token offsets, and the gaps that negation and intensifiers look at. A few regex passes per text: O(text
    volume), never texts x lexicon. Literal alternatives longest first: DuckDB's RE2 (leftmost-first) and Postgres
    (leftmost-longest) find the same tokens.

        sentiment_lexicon()               the validated seed rows (a list of dicts; [] at parse time)
        sentiment_lexicon_relation()      the seed's table
        sentiment_token_parts()           the parts that have terms: a subset of ['substring', 'word']
        sentiment_normalize(text)         lower case, ’ -> ', runs of spaces -> one space (tokens are read from it)
        sentiment_tokens(text, part)      array of a part's tokens in a normalized text, in order
        sentiment_gaps(text, part)        array of the texts around them: gaps[i] precedes token i (1-based)
        sentiment_term_of(token)          the English lexicon term an English word starts with (null otherwise)
        sentiment_within(gap, reach)      a modifier reaches across gap: at most `reach` characters, no clause
                                          punctuation (sentiment_clause_break())

    The score (int_feedback_scored) is documented there and in _feedback__models.yml.
#}

{#- The seed's table, found in the graph rather than with ref(): unit tests replace ref() with fixture CTEs, which
    run_query cannot read. Unit tests have no graph either: there the table is looked for in the schema seeds are
    configured to (dbt_project.yml, `seeds: +schema: seeds`), which dbt build has filled before its unit tests. -#}
{% macro sentiment_lexicon_relation() -%}
    {%- for node in (graph.get('nodes') or {}).values() -%}
        {%- if node.resource_type == 'seed' and node.package_name == project_name
            and node.name == 'sentiment_lexicon' -%}
            {{ return(adapter.get_relation(database=node.database, schema=node.schema, identifier=node.alias)) }}
        {%- endif -%}
    {%- endfor -%}
    {{ return(adapter.get_relation(
        database=target.database, schema=generate_schema_name('seeds', none) | trim, identifier='sentiment_lexicon')) }}
{%- endmacro %}


{% macro sentiment_lexicon() -%}
    {%- if not execute -%}{{ return([]) }}{%- endif -%}
    {%- set relation = sentiment_lexicon_relation() -%}
    {%- if relation is none -%}
        {%- if target.name == 'lint' -%}
            {#- sqlfluff compiles against an empty in-memory database: any valid expression will do -#}
            {{ return([{'term': 'lint', 'language': 'en', 'kind': 'neutral', 'polarity': 0, 'weight': 0,
                'match_type': 'word', 'is_resolution': false}]) }}
        {%- endif -%}
        {{ exceptions.raise_compiler_error(
            "sentiment_lexicon: the seed table is not loaded; run `dbt seed --select sentiment_lexicon` "
            ~ "(dbt build loads it before the models that read it)") }}
    {%- endif -%}
    {%- set query -%}
        select term, language, kind, polarity, weight, match_type, is_resolution from {{ relation }}
    {%- endset -%}
    {%- set rows = [] -%}
    {%- for r in run_query(query).rows -%}
        {%- set row = {
            'term': r[0], 'language': r[1], 'kind': r[2], 'polarity': r[3], 'weight': r[4],
            'match_type': r[5], 'is_resolution': r[6]} -%}
        {%- do _sentiment_check_row(row, loop.index) -%}
        {%- do rows.append(row) -%}
    {%- endfor -%}
    {%- if rows | length == 0 -%}
        {{ exceptions.raise_compiler_error("sentiment_lexicon: the seed is empty; it needs at least one term") }}
    {%- endif -%}
    {{ return(rows) }}
{%- endmacro %}


{#- A fingerprint of the lexicon's rows: int_feedback_sentiment keeps it with each score and scores every text
    again when it changes. -#}
{% macro sentiment_lexicon_version() -%}
    {%- set parts = [] -%}
    {%- for r in sentiment_lexicon() -%}
        {%- do parts.append([r.term, r.language, r.kind, r.polarity, r.weight, r.match_type, r.is_resolution]
            | join('|')) -%}
    {%- endfor -%}
    {{ return(local_md5(parts | join('\n'))[:16]) }}
{%- endmacro %}


{% macro _sentiment_check_row(row, n) -%}
    {%- set where = "sentiment_lexicon row " ~ n ~ " (term " ~ (row.term | string) ~ "): " -%}
    {%- set term = row.term or '' -%}
    {%- if term == '' or term != term | lower | trim -%}
        {{ exceptions.raise_compiler_error(where ~ "term must be non-empty, lower case, without outer spaces") }}
    {%- endif -%}
    {%- if row.kind not in ('sentiment', 'negator', 'intensifier', 'neutral') -%}
        {{ exceptions.raise_compiler_error(where ~ "kind " ~ row.kind ~ ": expected sentiment, negator, intensifier or neutral") }}
    {%- endif -%}
    {%- if (row.kind == 'sentiment' and row.polarity not in (-1, 1)) or (row.kind != 'sentiment' and row.polarity != 0) -%}
        {{ exceptions.raise_compiler_error(where ~ "polarity " ~ row.polarity ~ ": expected -1 or 1 for a sentiment term, 0 otherwise") }}
    {%- endif -%}
    {%- if row.kind in ('sentiment', 'intensifier') and not (row.weight is not none and row.weight > 0) -%}
        {{ exceptions.raise_compiler_error(where ~ "weight " ~ row.weight ~ ": expected a positive number") }}
    {%- endif -%}
    {%- if row.language == 'en' -%}
        {%- if not modules.re.match("^[a-z0-9_']+( [a-z0-9_']+)*$", term) or row.match_type not in ('word', 'prefix') -%}
            {{ exceptions.raise_compiler_error(where ~ "an English term is words of a-z, 0-9, _ and ' between single spaces, with match_type word or prefix") }}
        {%- endif -%}
    {%- elif row.language in ('zh-CN', 'any') -%}
        {%- if row.match_type != 'substring' or modules.re.search("[a-z0-9_\\s]", term) -%}
            {{ exceptions.raise_compiler_error(where ~ "a zh-CN or any term has match_type substring and no ASCII letter, digit, _ or space (those make English words)") }}
        {%- endif -%}
    {%- else -%}
        {{ exceptions.raise_compiler_error(where ~ "language " ~ row.language ~ ": expected zh-CN, en or any") }}
    {%- endif -%}
{%- endmacro %}


{#- A term as a literal in both RE2 and Postgres regular expressions: punctuation escaped with a backslash. -#}
{% macro _sentiment_regex_literal(term) -%}
    {%- set out = [] -%}
    {%- for c in term -%}
        {%- do out.append('\\' ~ c if c in '\\.^$|?*+()[]{}' else c) -%}
    {%- endfor -%}
    {{ return(out | join('')) }}
{%- endmacro %}


{#- Alternatives longest first (then alphabetically, for a stable text): the first that matches is the longest. -#}
{% macro _sentiment_alternation(terms) -%}
    {%- set distinct = terms | unique | sort | list -%}
    {%- set longest = distinct | map('length') | max -%}
    {%- set literals = [] -%}
    {%- for n in range(longest, 0, -1) -%}
        {%- for t in distinct if t | length == n -%}
            {%- do literals.append(_sentiment_regex_literal(t)) -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(literals | join('|')) }}
{%- endmacro %}


{% macro _sentiment_word_terms() -%}
    {{ return(sentiment_lexicon() | selectattr('match_type', 'in', ['word', 'prefix']) | map(attribute='term') | list) }}
{%- endmacro %}


{% macro sentiment_token_parts() -%}
    {%- set types = sentiment_lexicon() | map(attribute='match_type') | list -%}
    {%- set parts = [] -%}
    {%- if 'substring' in types -%}{%- do parts.append('substring') -%}{%- endif -%}
    {%- if 'word' in types or 'prefix' in types -%}{%- do parts.append('word') -%}{%- endif -%}
    {{ return(parts) }}
{%- endmacro %}


{#- A part's token expression, as the content of a SQL string literal (single quotes doubled). -#}
{% macro _sentiment_token_pattern(part) -%}
    {%- if part == 'substring' -%}
        {%- set terms = sentiment_lexicon() | selectattr('match_type', 'equalto', 'substring') | map(attribute='term') | list -%}
        {%- set pattern = '(?:' ~ _sentiment_alternation(terms) ~ ')' -%}
    {%- elif part == 'word' -%}
        {%- set pattern = "[a-z0-9_']*(?:" ~ _sentiment_alternation(_sentiment_word_terms()) ~ ")[a-z0-9_']*" -%}
    {%- else -%}
        {{ exceptions.raise_compiler_error("sentiment token part " ~ part ~ ": expected substring or word") }}
    {%- endif -%}
    {{ return(dbt.escape_single_quotes(pattern)) }}
{%- endmacro %}


{% macro _sentiment_term_pattern() -%}
    {{ return(dbt.escape_single_quotes('^(?:' ~ _sentiment_alternation(_sentiment_word_terms()) ~ ')')) }}
{%- endmacro %}


{#- Spaces as users type them: ASCII, tab, no-break (U+00A0), ideographic (U+3000). Newlines are kept. -#}
{% macro sentiment_normalize(text) -%}
    regexp_replace(replace(lower({{ text }}), '’', ''''), '[ \t\r 　]+', ' ', 'g')
{%- endmacro %}


{% macro sentiment_clause_break() -%}
    [，。！？；：、,.!?;:\n…~～]
{%- endmacro %}


{% macro sentiment_tokens(text, part) -%}
    {{ return(adapter.dispatch('sentiment_tokens', 'community_pulse')(text, part)) }}
{%- endmacro %}

{% macro duckdb__sentiment_tokens(text, part) -%}
    regexp_extract_all({{ text }}, '{{ _sentiment_token_pattern(part) }}')
{%- endmacro %}

{% macro postgres__sentiment_tokens(text, part) -%}
    array(
        select found.token[1]
        from regexp_matches({{ text }}, '{{ _sentiment_token_pattern(part) }}', 'g') with ordinality as found (token, n)
        order by found.n
    )
{%- endmacro %}


{% macro sentiment_gaps(text, part) -%}
    {{ return(adapter.dispatch('sentiment_gaps', 'community_pulse')(text, part)) }}
{%- endmacro %}

{% macro duckdb__sentiment_gaps(text, part) -%}
    string_split_regex({{ text }}, '{{ _sentiment_token_pattern(part) }}')
{%- endmacro %}

{% macro postgres__sentiment_gaps(text, part) -%}
    regexp_split_to_array({{ text }}, '{{ _sentiment_token_pattern(part) }}')
{%- endmacro %}


{% macro sentiment_term_of(token) -%}
    {%- if _sentiment_word_terms() | length == 0 -%}{{ return('cast(null as ' ~ dbt.type_string() ~ ')') }}{%- endif -%}
    {{ return(adapter.dispatch('sentiment_term_of', 'community_pulse')(token)) }}
{%- endmacro %}

{% macro duckdb__sentiment_term_of(token) -%}
    nullif(regexp_extract({{ token }}, '{{ _sentiment_term_pattern() }}'), '')
{%- endmacro %}

{% macro postgres__sentiment_term_of(token) -%}
    (regexp_match({{ token }}, '{{ _sentiment_term_pattern() }}'))[1]
{%- endmacro %}


{#- Within a negator's or intensifier's reach: at most `reach` characters between them, no clause punctuation. -#}
{% macro sentiment_within(gap, reach) -%}
    (
        length({{ gap }}) <= {{ reach }}
        and length(regexp_replace({{ gap }}, '{{ sentiment_clause_break() }}', '', 'g')) = length({{ gap }})
    )
{%- endmacro %}


{#- expr contains a match of the regular expression `pattern` (a SQL string literal's content). -#}
{% macro feedback_regex_contains(expr, pattern) -%}
    {{ return(adapter.dispatch('feedback_regex_contains', 'community_pulse')(expr, pattern)) }}
{%- endmacro %}

{% macro duckdb__feedback_regex_contains(expr, pattern) -%}
    regexp_matches({{ expr }}, '{{ pattern }}')
{%- endmacro %}

{% macro postgres__feedback_regex_contains(expr, pattern) -%}
    ({{ expr }} ~ '{{ pattern }}')
{%- endmacro %}


{#- Hours from one timestamptz to another, rounded half up to 2 decimals, the same on both adapters: whole seconds
    by dbt.datediff on the UTC wall clock (no daylight-saving jumps), then exact integer arithmetic. -#}
{% macro feedback_hours_between(start_ts, end_ts) -%}
    {%- set seconds = dbt.datediff(
        "(" ~ start_ts ~ " at time zone 'UTC')", "(" ~ end_ts ~ " at time zone 'UTC')", 'second') -%}
    cast(cast(floor(({{ seconds }} * 100 + 1800) / 3600.0) as numeric(14, 0)) / 100 as numeric(12, 2))
{%- endmacro %}


{#- The score from the summed positive and negative contributions P and N: (P - N) / (P + N + 1), in (-1, 1),
    4 decimals. 0 without sentiment terms; one mild complaint (weight 1) -0.5; 很失望 (2 x 1.5) -0.75. -#}
{% macro sentiment_score(positive, negative) -%}
    cast(round(cast(
        ({{ positive }} - {{ negative }}) / ({{ positive }} + {{ negative }} + 1) as numeric(12, 6)
    ), 4) as numeric(5, 4))
{%- endmacro %}


{#- HTML (Discourse's cooked posts) as text: tags dropped, the common entities decoded (&amp; last). -#}
{% macro feedback_html_text(expr) -%}
    replace(replace(replace(replace(replace(
        regexp_replace({{ expr }}, '<[^>]*>', ' ', 'g'),
        '&lt;', '<'), '&gt;', '>'), '&quot;', '"'), '&#39;', ''''), '&amp;', '&')
{%- endmacro %}
