{#- One row per account_id: the newest version the app database replicated. -#}
{{ deduplicate_incrementally(
    'base_app_db__accounts',
    unique_key='account_id',
    order_by='loaded_at desc',
) }}
