{{ config(**partition_replace_config('usage_date')) }}

{#- Grain: one row per account × day × feature with any event. -#}
{{ daily_usage('account', 'feature') }}
