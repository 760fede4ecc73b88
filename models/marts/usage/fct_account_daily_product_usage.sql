{{ config(**partition_replace_config('usage_date')) }}

{#- Grain: one row per account × day × product with any event. -#}
{{ daily_usage('account', 'product') }}
