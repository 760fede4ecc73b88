{#- One row per subscription_id: the newest version the app database replicated. -#}
{{ deduplicate_incrementally(
    'base_app_db__subscriptions',
    unique_key='subscription_id',
    order_by='loaded_at desc',
) }}
