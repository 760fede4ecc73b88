{{ config(**partition_replace_config('usage_date')) }}

{#- Grain: one row per account × day × module with any event. -#}
{{ daily_usage('account', 'module') }}
