{#- Every row of a group (the rows sharing `group_by`) holds the same value of `column`, nulls
    included: one failing row per group that holds two values, or a value and a null. -#}
{% test same_within_group(model, column, group_by) %}

select
    {{ group_by }},
    min({{ column }}) as lowest_value,
    max({{ column }}) as highest_value,
    count(*) - count({{ column }}) as null_rows
from {{ model }}
group by {{ group_by }}
having
    min({{ column }}) <> max({{ column }})
    or (count({{ column }}) > 0 and count({{ column }}) < count(*))

{% endtest %}
