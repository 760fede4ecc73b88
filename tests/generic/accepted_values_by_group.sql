{#- Each row's column_name holds one of the values accepted for its group: `values` maps each
    value of group_column to its list (a group missing from the map accepts nothing). The
    failing rows are the (group, value) pairs found outside their list, with their row count;
    the failure count is the number of such rows. Nulls are not checked (not_null does that). -#}
{% test accepted_values_by_group(model, column_name, group_column, values) %}
{{ config(fail_calc='coalesce(sum(row_count), 0)') }}
{%- if not values -%}
    {{ exceptions.raise_compiler_error(
        "accepted_values_by_group on " ~ model ~ "." ~ column_name ~ " has no values: map each "
        ~ group_column ~ " to its accepted values under arguments.values."
    ) }}
{%- endif %}

with accepted as (
    {%- for group, group_values in values.items() %}
    {%- for value in group_values %}
    select
        '{{ group }}' as accepted_group,
        '{{ value }}' as accepted_value
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

found as (
    select
        {{ group_column }} as found_group,
        {{ column_name }} as found_value,
        count(*) as row_count
    from {{ model }}
    where {{ column_name }} is not null
    group by {{ group_column }}, {{ column_name }}
)

select
    found.found_group,
    found.found_value,
    found.row_count
from found
where
    not exists (
        select 1 from accepted
        where
            accepted.accepted_group = found.found_group
            and accepted.accepted_value = found.found_value
    )

{% endtest %}
