{{ config(**partition_replace_config('usage_date')) }}

{#- Grain: one row per account × day × feature with any event. -#}
{{ account_daily_usage('feature') }}
