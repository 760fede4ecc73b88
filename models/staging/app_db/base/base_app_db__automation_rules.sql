{{ assert_raw_contract('app_db', 'automation_rules') }}

with source as (
    select * from {{ source('app_db', 'automation_rules') }}
),

renamed as (
    select
        nullif(trim(id), '') as automation_rule_id,
        nullif(trim(account_id), '') as account_id,
        nullif(trim(created_by_user_id), '') as user_id,
        lower(trim(trigger_type)) as trigger_type,
        cast(is_enabled as {{ dbt.type_boolean() }}) as is_enabled,
        cast(created_at as {{ dbt.type_timestamp() }}) as created_at,
        cast(updated_at as {{ dbt.type_timestamp() }}) as updated_at,
        cast(_loaded_at as {{ dbt.type_timestamp() }}) as loaded_at
    from source
),

checked as (
    select
        *,
        {{ quarantine_reason([
        ("loaded_at is null", "missing_loaded_at"),
        ("automation_rule_id is null", "missing_id"),
        ("account_id is null", "missing_account_id"),
        ("created_at is null", "missing_timestamp"),
        ]) }} as quarantine_reason
    from renamed
)

select * from checked
