{{ config(
    post_hook="{{ delete_erased_users('user_id') }}",
    **partition_replace_config('usage_date')
) }}

{#- Grain: one row per user × account × day × feature with any event (events with no known
    user are left out; account_id is the account the events were attributed to). -#}
{{ daily_usage('user', 'feature') }}
