{{ assert_raw_contract('app_db', 'account_settings_changes') }}

with source as (
    select * from {{ source('app_db', 'account_settings_changes') }}
),

renamed as (
    select
        nullif(trim(id), '') as settings_change_id,
        nullif(trim(account_id), '') as account_id,
        nullif(trim(changed_by_user_id), '') as user_id,
        lower(trim(setting_key)) as setting_key,
        old_value,
        new_value,
        cast(changed_at as {{ dbt.type_timestamp() }}) as changed_at,
        cast(_loaded_at as {{ dbt.type_timestamp() }}) as loaded_at
    from source
),

checked as (
    select
        *,
        {{ quarantine_reason([
        ("loaded_at is null", "missing_loaded_at"),
        ("settings_change_id is null", "missing_id"),
        ("account_id is null", "missing_account_id"),
        ("changed_at is null", "missing_timestamp"),
        ]) }} as quarantine_reason
    from renamed
)

select * from checked
