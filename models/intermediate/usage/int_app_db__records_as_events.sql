{#- Records that users create in the app are usage in themselves: each becomes one usage
    event at the time it was created, so back-office and automated usage that never passes
    through the browser counts. -#}
{%- set string_type = dbt.type_string() -%}

with reports as (
    select * from {{ ref('stg_app_db__reports') }}
),

integrations as (
    select * from {{ ref('stg_app_db__integrations') }}
),

invitations as (
    select * from {{ ref('stg_app_db__invitations') }}
),

data_imports as (
    select * from {{ ref('stg_app_db__data_imports') }}
),

automation_rules as (
    select * from {{ ref('stg_app_db__automation_rules') }}
),

settings_changes as (
    select * from {{ ref('stg_app_db__account_settings_changes') }}
),

unioned as (
    select
        'reports' as source_table,
        report_id as source_record_id,
        'Report Created' as event_name,
        created_at as event_at,
        account_id,
        user_id,
        {{ json_object_text([('report_type', 'report_type')]) }} as properties,
        loaded_at
    from reports

    union all

    select
        'integrations' as source_table,
        integration_id as source_record_id,
        'Integration Connected' as event_name,
        connected_at as event_at,
        account_id,
        user_id,
        {{ json_object_text([('provider', 'provider')]) }} as properties,
        loaded_at
    from integrations

    union all

    select
        'invitations' as source_table,
        invitation_id as source_record_id,
        'User Invited' as event_name,
        created_at as event_at,
        account_id,
        user_id,
        {{ json_object_text([('invited_role', 'invited_role')]) }} as properties,
        loaded_at
    from invitations

    union all

    select
        'data_imports' as source_table,
        data_import_id as source_record_id,
        'Data Imported' as event_name,
        completed_at as event_at,
        account_id,
        user_id,
        {{ json_object_text([('source_type', 'source_type'), ('rows_imported', 'rows_imported')]) }} as properties,
        loaded_at
    from data_imports
    where import_status = 'completed' and completed_at is not null

    union all

    select
        'automation_rules' as source_table,
        automation_rule_id as source_record_id,
        'Automation Rule Created' as event_name,
        created_at as event_at,
        account_id,
        user_id,
        {{ json_object_text([('trigger_type', 'trigger_type')]) }} as properties,
        loaded_at
    from automation_rules

    union all

    select
        'account_settings_changes' as source_table,
        settings_change_id as source_record_id,
        'Setting Changed' as event_name,
        changed_at as event_at,
        account_id,
        user_id,
        {{ json_object_text([('setting_key', 'setting_key')]) }} as properties,
        loaded_at
    from settings_changes
),

final as (
    select
        {{ dbt.concat(["'app_db:'", "source_table", "':'", "source_record_id"]) }} as event_id,
        source_table,
        cast(source_record_id as {{ string_type }}) as source_record_id,
        cast(event_name as {{ string_type }}) as event_name,
        event_at,
        account_id,
        user_id,
        properties,
        loaded_at
    from unioned
)

select * from final
