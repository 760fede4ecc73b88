{#- One row per automation_rule_id: the newest version the app database replicated. -#}
{{ deduplicate_incrementally(
    'base_app_db__automation_rules',
    unique_key='automation_rule_id',
    order_by='loaded_at desc',
) }}
