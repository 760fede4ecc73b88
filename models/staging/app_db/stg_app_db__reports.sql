{#- One row per report_id: the newest version the app database replicated. -#}
{{ deduplicate_incrementally(
    'base_app_db__reports',
    unique_key='report_id',
    order_by='loaded_at desc',
) }}
