{#- One row per integration_id: the newest version the app database replicated. -#}
{{ deduplicate_incrementally(
    'base_app_db__integrations',
    unique_key='integration_id',
    order_by='loaded_at desc',
) }}
