{#-
    Portable building blocks. Every construct whose SQL differs between DuckDB,
    PostgreSQL and Spark lives here, dispatched per adapter; models call only these
    and dbt's own cross-database macros.
-#}

{#- Text value at a top-level key of a JSON text column; null when missing.
    `key` is a literal key name, or a SQL expression when key_is_sql is true. -#}
{% macro json_extract_text(json_expr, key, key_is_sql=false) -%}
    {{ return(adapter.dispatch('json_extract_text', 'usage_warehouse')(json_expr, key, key_is_sql)) }}
{%- endmacro %}

{% macro default__json_extract_text(json_expr, key, key_is_sql) -%}
    {%- if key_is_sql -%}
    json_extract_string({{ json_expr }}, '$."' || {{ key }} || '"')
    {%- else -%}
    json_extract_string({{ json_expr }}, '$."{{ key }}"')
    {%- endif -%}
{%- endmacro %}

{% macro postgres__json_extract_text(json_expr, key, key_is_sql) -%}
    (cast({{ json_expr }} as jsonb) ->> {% if key_is_sql %}{{ key }}{% else %}'{{ key }}'{% endif %})
{%- endmacro %}

{% macro spark__json_extract_text(json_expr, key, key_is_sql) -%}
    {%- if key_is_sql -%}
    get_json_object({{ json_expr }}, concat('$.', {{ key }}))
    {%- else -%}
    get_json_object({{ json_expr }}, '$.{{ key }}')
    {%- endif -%}
{%- endmacro %}


{#- True when the text is a JSON object. -#}
{% macro is_json_object(expr) -%}
    {{ return(adapter.dispatch('is_json_object', 'usage_warehouse')(expr)) }}
{%- endmacro %}

{% macro default__is_json_object(expr) -%}
    coalesce(json_type(try_cast({{ expr }} as json)) = 'OBJECT', false)
{%- endmacro %}

{% macro postgres__is_json_object(expr) -%}
    coalesce({{ target.schema }}_udf.is_json_object({{ expr }}), false)
{%- endmacro %}

{% macro spark__is_json_object(expr) -%}
    coalesce(left(ltrim({{ expr }}), 1) = '{' and get_json_object({{ expr }}, '$') is not null, false)
{%- endmacro %}


{#- Parse an ISO-8601 text timestamp that may carry an offset into a UTC timestamp
    without time zone; null when the text is not a timestamp. -#}
{% macro parse_utc_timestamp(expr) -%}
    {{ return(adapter.dispatch('parse_utc_timestamp', 'usage_warehouse')(expr)) }}
{%- endmacro %}

{% macro default__parse_utc_timestamp(expr) -%}
    timezone('UTC', try_cast({{ expr }} as timestamptz))
{%- endmacro %}

{% macro postgres__parse_utc_timestamp(expr) -%}
    {{ target.schema }}_udf.try_parse_utc_timestamp({{ expr }})
{%- endmacro %}

{% macro spark__parse_utc_timestamp(expr) -%}
    cast({{ expr }} as timestamp)
{%- endmacro %}


{#- An 8-byte floating-point type (dbt.type_float() is 4 bytes on DuckDB and Spark). -#}
{% macro type_double() -%}
    {{ return(adapter.dispatch('type_double', 'usage_warehouse')()) }}
{%- endmacro %}

{% macro default__type_double() -%}
    double precision
{%- endmacro %}

{% macro spark__type_double() -%}
    double
{%- endmacro %}


{#- Cast text to a number; null when the text is not a number. -#}
{% macro try_cast_number(expr) -%}
    {{ return(adapter.dispatch('try_cast_number', 'usage_warehouse')(expr)) }}
{%- endmacro %}

{% macro default__try_cast_number(expr) -%}
    try_cast({{ expr }} as {{ type_double() }})
{%- endmacro %}

{% macro postgres__try_cast_number(expr) -%}
    case when {{ expr }} ~ '^\s*-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?\s*$' then cast({{ expr }} as {{ type_double() }}) end
{%- endmacro %}

{% macro spark__try_cast_number(expr) -%}
    cast({{ expr }} as double)
{%- endmacro %}


{#- Cast text to a whole number (bigint); null when it is not a number or out of range. -#}
{% macro try_cast_integer(expr) -%}
    {{ return(adapter.dispatch('try_cast_integer', 'usage_warehouse')(expr)) }}
{%- endmacro %}

{% macro default__try_cast_integer(expr) -%}
    try_cast({{ try_cast_number(expr) }} as {{ dbt.type_bigint() }})
{%- endmacro %}

{% macro postgres__try_cast_integer(expr) -%}
    case
        when abs({{ try_cast_number(expr) }}) < 9.2e18 then cast({{ try_cast_number(expr) }} as {{ dbt.type_bigint() }})
    end
{%- endmacro %}

{% macro spark__try_cast_integer(expr) -%}
    cast(cast({{ expr }} as double) as bigint)
{%- endmacro %}


{#- Replace every match of a regular expression. -#}
{% macro regexp_replace_all(expr, pattern, replacement) -%}
    {{ return(adapter.dispatch('regexp_replace_all', 'usage_warehouse')(expr, pattern, replacement)) }}
{%- endmacro %}

{% macro default__regexp_replace_all(expr, pattern, replacement) -%}
    regexp_replace({{ expr }}, '{{ pattern }}', '{{ replacement }}', 'g')
{%- endmacro %}

{#- Spark string literals treat a backslash as an escape: the pattern's are doubled. -#}
{% macro spark__regexp_replace_all(expr, pattern, replacement) -%}
    regexp_replace({{ expr }}, '{{ pattern | replace('\\', '\\\\') }}', '{{ replacement }}')
{%- endmacro %}


{#- Seconds elapsed from start_ts to end_ts (fractional, negative when end is earlier). -#}
{% macro seconds_between(start_ts, end_ts) -%}
    {{ return(adapter.dispatch('seconds_between', 'usage_warehouse')(start_ts, end_ts)) }}
{%- endmacro %}

{% macro default__seconds_between(start_ts, end_ts) -%}
    (epoch({{ end_ts }}) - epoch({{ start_ts }}))
{%- endmacro %}

{% macro postgres__seconds_between(start_ts, end_ts) -%}
    extract(epoch from ({{ end_ts }} - {{ start_ts }}))
{%- endmacro %}

{% macro spark__seconds_between(start_ts, end_ts) -%}
    ((unix_micros({{ end_ts }}) - unix_micros({{ start_ts }})) / 1000000.0)
{%- endmacro %}


{#- base_ts shifted by the elapsed time from from_ts to to_ts: base + (to - from). -#}
{% macro shift_timestamp(base_ts, from_ts, to_ts) -%}
    {{ return(adapter.dispatch('shift_timestamp', 'usage_warehouse')(base_ts, from_ts, to_ts)) }}
{%- endmacro %}

{% macro default__shift_timestamp(base_ts, from_ts, to_ts) -%}
    ({{ base_ts }} + ({{ to_ts }} - {{ from_ts }}))
{%- endmacro %}

{% macro spark__shift_timestamp(base_ts, from_ts, to_ts) -%}
    timestamp_micros(unix_micros({{ base_ts }}) + unix_micros({{ to_ts }}) - unix_micros({{ from_ts }}))
{%- endmacro %}


{#- A JSON object as text from (key, SQL expression) pairs. -#}
{% macro json_object_text(pairs) -%}
    {{ return(adapter.dispatch('json_object_text', 'usage_warehouse')(pairs)) }}
{%- endmacro %}

{% macro default__json_object_text(pairs) -%}
    cast(json_object({% for key, value in pairs %}'{{ key }}', {{ value }}{% if not loop.last %}, {% endif %}{% endfor %}) as {{ dbt.type_string() }})
{%- endmacro %}

{#- Postgres's json_build_object writes `{"a" : 1.0}` as `{"a" : 1}`: the object is assembled
    here in the compact form DuckDB and Spark write (`{"a":1.0}`), so the text is the same everywhere. -#}
{% macro postgres__json_object_text(pairs) -%}
    ('{'{% for key, value in pairs %} || '{{ '"' ~ key ~ '":' }}' || {{ target.schema }}_udf.json_value_text({{ value }}){% if not loop.last %} || ','{% endif %}{% endfor %} || '}')
{%- endmacro %}

{#- Null values are written (`"key":null`), as on DuckDB and PostgreSQL. -#}
{% macro spark__json_object_text(pairs) -%}
    to_json(named_struct({% for key, value in pairs %}'{{ key }}', {{ value }}{% if not loop.last %}, {% endif %}{% endfor %}), map('ignoreNullFields', 'false'))
{%- endmacro %}


{#- The text parsed as JSON, or null when it is not valid JSON. Extract from the result
    with json_extract_text, or several keys with json_text_fields. -#}
{% macro try_parse_json(expr) -%}
    {{ return(adapter.dispatch('try_parse_json', 'usage_warehouse')(expr)) }}
{%- endmacro %}

{% macro default__try_parse_json(expr) -%}
    try_cast({{ expr }} as json)
{%- endmacro %}

{% macro postgres__try_parse_json(expr) -%}
    {{ target.schema }}_udf.try_parse_jsonb({{ expr }})
{%- endmacro %}

{% macro spark__try_parse_json(expr) -%}
    case when get_json_object({{ expr }}, '$') is not null then {{ expr }} end
{%- endmacro %}


{#- Several top-level keys of one JSON value, read in one pass. json_text_fields(json_expr, keys)
    is a value that holds them all: select it as a column, once; json_text_field(fields, keys,
    key) then reads one key's text from that column in a later CTE (null when missing), as
    json_extract_text does.
    DuckDB's JSON type is text that each extraction parses again, so one extraction of the list
    of paths replaces one parse per key (at 3.9M log lines, 11 keys: 2.4 s instead of 5.0 s);
    PostgreSQL (jsonb) and Spark read each key from the value itself. -#}
{% macro json_text_fields(json_expr, keys) -%}
    {{ return(adapter.dispatch('json_text_fields', 'usage_warehouse')(json_expr, keys)) }}
{%- endmacro %}

{% macro default__json_text_fields(json_expr, keys) -%}
    json_extract_string({{ json_expr }}, [{% for key in keys %}'$."{{ key }}"'{% if not loop.last %}, {% endif %}{% endfor %}])
{%- endmacro %}

{% macro postgres__json_text_fields(json_expr, keys) -%}
    {{ json_expr }}
{%- endmacro %}

{% macro spark__json_text_fields(json_expr, keys) -%}
    {{ json_expr }}
{%- endmacro %}

{% macro json_text_field(fields_expr, keys, key) -%}
    {%- if key not in keys -%}
    {{ exceptions.raise_compiler_error("json_text_field: key '" ~ key ~ "' is not among the keys read by json_text_fields (" ~ keys | join(', ') ~ "): add it to that list") }}
    {%- endif -%}
    {{ return(adapter.dispatch('json_text_field', 'usage_warehouse')(fields_expr, keys, key)) }}
{%- endmacro %}

{% macro default__json_text_field(fields_expr, keys, key) -%}
    {{ fields_expr }}[{{ keys.index(key) + 1 }}]
{%- endmacro %}

{% macro postgres__json_text_field(fields_expr, keys, key) -%}
    {{ json_extract_text(fields_expr, key) }}
{%- endmacro %}

{% macro spark__json_text_field(fields_expr, keys, key) -%}
    {{ json_extract_text(fields_expr, key) }}
{%- endmacro %}


{#- json_extract_text that yields null, instead of failing, when the text is not valid JSON. -#}
{% macro safe_json_extract_text(json_expr, key, key_is_sql=false) -%}
    {{ json_extract_text(try_parse_json(json_expr), key, key_is_sql) }}
{%- endmacro %}


{#- Day of the week of a date: 0 = Sunday ... 6 = Saturday. -#}
{% macro day_of_week(date_expr) -%}
    {{ return(adapter.dispatch('day_of_week', 'usage_warehouse')(date_expr)) }}
{%- endmacro %}

{% macro default__day_of_week(date_expr) -%}
    cast(extract(dow from {{ date_expr }}) as {{ dbt.type_int() }})
{%- endmacro %}

{% macro spark__day_of_week(date_expr) -%}
    (dayofweek({{ date_expr }}) - 1)
{%- endmacro %}


{#- Median of a numeric expression, as an aggregate (nulls ignored; interpolated between the
    two middle values for an even count). Spark's `percentile` interpolates the same way. -#}
{% macro median(expr) -%}
    {{ return(adapter.dispatch('median', 'usage_warehouse')(expr)) }}
{%- endmacro %}

{% macro default__median(expr) -%}
    percentile_cont(0.5) within group (order by {{ expr }})
{%- endmacro %}

{% macro spark__median(expr) -%}
    percentile({{ expr }}, 0.5)
{%- endmacro %}


{#- Written between `<name> as` and the CTE's body: tells the engine to inline a CTE that is
    read more than once instead of computing it whole first, so that the readers' filters
    reach the tables under it (DuckDB materializes such CTEs by default; PostgreSQL 12+
    accepts the same words). Nothing where the engine has no such hint. -#}
{% macro not_materialized() -%}
    {{ return(adapter.dispatch('not_materialized', 'usage_warehouse')()) }}
{%- endmacro %}

{% macro default__not_materialized() -%}
{%- endmacro %}

{% macro duckdb__not_materialized() -%}
    not materialized
{%- endmacro %}

{% macro postgres__not_materialized() -%}
    not materialized
{%- endmacro %}


{#- A column that tells apart the rows of one table within a query and costs less to join on
    than a text key: DuckDB's rowid (a 64-bit integer), or none on engines without one that a
    join can use (the caller then joins on its key). Valid only between reads of the same
    table in the same query. -#}
{% macro table_row_locator() -%}
    {{ return(adapter.dispatch('table_row_locator', 'usage_warehouse')()) }}
{%- endmacro %}

{% macro default__table_row_locator() -%}
    {{ return(none) }}
{%- endmacro %}

{% macro duckdb__table_row_locator() -%}
    {{ return('rowid') }}
{%- endmacro %}


{#- The opposite hint: compute the CTE once, whole, before its readers. On DuckDB 2.0 the
    daily app metrics (fct_app_metric_daily) failed on the test fixture with an internal error
    ("dict-surviving cache: global dictionary column 1 changed identity after being seeded")
    on several threads, not on one; with its daily values materialized the query runs. -#}
{% macro materialized_cte() -%}
    {{ return(adapter.dispatch('materialized_cte', 'usage_warehouse')()) }}
{%- endmacro %}

{% macro default__materialized_cte() -%}
{%- endmacro %}

{% macro duckdb__materialized_cte() -%}
    materialized
{%- endmacro %}

{% macro postgres__materialized_cte() -%}
    materialized
{%- endmacro %}


{#- Null-safe equality: true when both sides are equal or both are null (standard SQL, on
    every engine here). -#}
{% macro null_safe_equal(left, right) -%}
    {{ left }} is not distinct from {{ right }}
{%- endmacro %}
