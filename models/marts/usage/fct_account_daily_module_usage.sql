{{ config(**partition_replace_config('usage_date')) }}

{#- Grain: one row per account × day × module with any event. -#}
{{ account_daily_usage('module') }}
