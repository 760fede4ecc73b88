{#- No two rows share the same values in all of `columns` (macros/unique_combination.sql). -#}
{% test unique_combination(model, columns) %}
{{ adapter.dispatch('unique_combination_failures', 'usage_warehouse')(model, columns) }}
{% endtest %}
