{#- The model has no rows (used with severity warn to flag lists that should stay empty). -#}
{% test is_empty(model) %}

select *
from {{ model }}

{% endtest %}
