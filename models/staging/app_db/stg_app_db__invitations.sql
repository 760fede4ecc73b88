{#- One row per invitation_id: the newest version the app database replicated. -#}
{{ deduplicate_incrementally(
    'base_app_db__invitations',
    unique_key='invitation_id',
    order_by='loaded_at desc',
) }}
