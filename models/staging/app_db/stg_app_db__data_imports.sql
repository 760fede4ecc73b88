{#- One row per data_import_id: the newest version the app database replicated. -#}
{{ deduplicate_incrementally(
    'base_app_db__data_imports',
    unique_key='data_import_id',
    order_by='loaded_at desc',
) }}
