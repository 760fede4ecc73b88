{#- One row per settings_change_id: the newest version the app database replicated. -#}
{{ deduplicate_incrementally(
    'base_app_db__account_settings_changes',
    unique_key='settings_change_id',
    order_by='loaded_at desc',
) }}
