{#- The failing rows of the unique_combination generic test (tests/generic). -#}

{#- The combinations that occur more than once, with their count. -#}
{% macro default__unique_combination_failures(model, columns) -%}
select
    {{ columns | join(', ') }},
    count(*) as row_count
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
{%- endmacro %}


{#- DuckDB: group on a 64-bit hash of the combination first (a grouping of text keys over tens
    of millions of rows of a view ran out of memory), then compare the real values of the
    rows whose hash repeats, so a hash collision cannot fail the test. -#}
{% macro duckdb__unique_combination_failures(model, columns) -%}
{%- set key_hash = 'hash(' ~ (columns | join(', ')) ~ ')' -%}
select
    {{ columns | join(', ') }},
    count(*) as row_count
from {{ model }}
where {{ key_hash }} in (
    select {{ key_hash }} from {{ model }}
    group by {{ key_hash }}
    having count(*) > 1
)
group by {{ columns | join(', ') }}
having count(*) > 1
{%- endmacro %}


{#- dbt's built-in `unique` test on DuckDB: unique_combination's failures for the one column,
    over the rows where it is not null (dbt's `unique` ignores nulls), so the key is grouped on
    its 64-bit hash first (text ids of up to 15.5M rows: fct_usage_events.event_id). Same
    failing rows and columns as dbt's: unique_field, n_records. -#}
{% macro duckdb__test_unique(model, column_name) -%}
{%- set keyed_rows -%}
    (select {{ column_name }} from {{ model }} where {{ column_name }} is not null)
{%- endset -%}
select
    {{ column_name }} as unique_field,
    row_count as n_records
from ({{ duckdb__unique_combination_failures(keyed_rows, [column_name]) }}) as repeated_keys
{%- endmacro %}
