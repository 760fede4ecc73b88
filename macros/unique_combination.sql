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
