{#- One row per user_id: the newest version the app database replicated. -#}
{{ deduplicate_incrementally(
    'base_app_db__users',
    unique_key='user_id',
    order_by='loaded_at desc',
) }}
