{#- None of `columns` holds a null: one test per model in place of a `not_null` test per column
    (docs/decision_log.md, "One not-null test per model"). One scan counts the nulls of every
    column; the failing rows name each column that has nulls, with their number, and the test's
    failure count is the number of null values found. -#}
{% test not_null_columns(model, columns) %}
{{ config(fail_calc='coalesce(sum(null_rows), 0)') }}
{%- if not columns -%}
    {{ exceptions.raise_compiler_error(
        "not_null_columns on " ~ model ~ " has no columns: list them under arguments.columns, or remove the test."
    ) }}
{%- endif %}

with null_counts as (

    select
        {%- for column in columns %}
        count(*) - count({{ column }}) as nulls_{{ loop.index }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ model }}

),

per_column as (
    {%- for column in columns %}

    select
        '{{ column }}' as column_name,
        nulls_{{ loop.index }} as null_rows
    from null_counts
    {%- if not loop.last %}

    union all
    {%- endif %}
    {%- endfor %}

)

select
    column_name,
    null_rows
from per_column
where null_rows > 0

{% endtest %}
