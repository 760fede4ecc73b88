{#- Every raw landing table with the models that account for its rows: the base model
    that checks each row (quarantine_reason), the staging model that keeps the good rows
    once, and the key that identifies a row. Audit models iterate over this list, so a new
    raw table is accounted for by adding one entry. is_event_source: the table's staged rows
    are usage events (int_usage_events__unioned reads them; pytests/test_project_conventions.py
    checks the flag against the lineage). -#}
{% macro raw_table_registry() -%}
    {{ return([
        {'source': 'segment', 'table': 'tracks', 'base': 'base_segment__tracks', 'staging': 'stg_segment__tracks', 'key': 'message_id', 'detail': 'event_name', 'is_event_source': true},
        {'source': 'segment', 'table': 'pages', 'base': 'base_segment__pages', 'staging': 'stg_segment__pages', 'key': 'message_id', 'detail': 'event_name', 'is_event_source': true},
        {'source': 'segment', 'table': 'identifies', 'base': 'base_segment__identifies', 'staging': 'stg_segment__identifies', 'key': 'message_id', 'detail': none, 'is_event_source': false},
        {'source': 'segment', 'table': 'groups', 'base': 'base_segment__groups', 'staging': 'stg_segment__groups', 'key': 'message_id', 'detail': 'account_id', 'is_event_source': false},
        {'source': 'server_logs', 'table': 'log_lines', 'base': 'base_server_logs__log_lines', 'staging': 'stg_server_logs__log_events', 'key': 'log_line_id', 'detail': 'line_excerpt', 'is_event_source': true},
        {'source': 'app_db', 'table': 'accounts', 'base': 'base_app_db__accounts', 'staging': 'stg_app_db__accounts', 'key': 'account_id', 'detail': none, 'is_event_source': false},
        {'source': 'app_db', 'table': 'users', 'base': 'base_app_db__users', 'staging': 'stg_app_db__users', 'key': 'user_id', 'detail': none, 'is_event_source': false},
        {'source': 'app_db', 'table': 'subscriptions', 'base': 'base_app_db__subscriptions', 'staging': 'stg_app_db__subscriptions', 'key': 'subscription_id', 'detail': none, 'is_event_source': false},
        {'source': 'app_db', 'table': 'reports', 'base': 'base_app_db__reports', 'staging': 'stg_app_db__reports', 'key': 'report_id', 'detail': none, 'is_event_source': true},
        {'source': 'app_db', 'table': 'integrations', 'base': 'base_app_db__integrations', 'staging': 'stg_app_db__integrations', 'key': 'integration_id', 'detail': none, 'is_event_source': true},
        {'source': 'app_db', 'table': 'invitations', 'base': 'base_app_db__invitations', 'staging': 'stg_app_db__invitations', 'key': 'invitation_id', 'detail': none, 'is_event_source': true},
        {'source': 'app_db', 'table': 'data_imports', 'base': 'base_app_db__data_imports', 'staging': 'stg_app_db__data_imports', 'key': 'data_import_id', 'detail': none, 'is_event_source': true},
        {'source': 'app_db', 'table': 'automation_rules', 'base': 'base_app_db__automation_rules', 'staging': 'stg_app_db__automation_rules', 'key': 'automation_rule_id', 'detail': none, 'is_event_source': true},
        {'source': 'app_db', 'table': 'account_settings_changes', 'base': 'base_app_db__account_settings_changes', 'staging': 'stg_app_db__account_settings_changes', 'key': 'settings_change_id', 'detail': none, 'is_event_source': true},
        {'source': 'app_db', 'table': 'privacy_erasure_requests', 'base': 'base_app_db__privacy_erasure_requests', 'staging': 'stg_app_db__privacy_erasure_requests', 'key': 'erasure_request_id', 'detail': none, 'is_event_source': false},
    ]) }}
{%- endmacro %}


{#- The raw tables whose staged rows are usage events, as `<source>.<table>`. -#}
{% macro event_source_tables() -%}
    {%- set tables = [] -%}
    {%- for entry in raw_table_registry() if entry.is_event_source -%}
        {%- do tables.append(entry.source ~ '.' ~ entry.table) -%}
    {%- endfor -%}
    {{ return(tables) }}
{%- endmacro %}
