{#- One row per erasure_request_id: the newest version the app database replicated. -#}
{{ deduplicate_incrementally(
    'base_app_db__privacy_erasure_requests',
    unique_key='erasure_request_id',
    order_by='loaded_at desc',
) }}
