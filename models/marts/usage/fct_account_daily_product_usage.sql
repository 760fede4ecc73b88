{{ config(**partition_replace_config('usage_date')) }}

{#- Grain: one row per account × day × product with any event. -#}
{{ account_daily_usage('product') }}
