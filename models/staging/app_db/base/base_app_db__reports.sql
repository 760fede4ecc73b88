{{ assert_raw_contract('app_db', 'reports') }}

with source as (
    select * from {{ source('app_db', 'reports') }}
),

renamed as (
    select
        nullif(trim(id), '') as report_id,
        nullif(trim(account_id), '') as account_id,
        nullif(trim(created_by_user_id), '') as user_id,
        report_type,
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
        ("report_id is null", "missing_id"),
        ("account_id is null", "missing_account_id"),
        ("created_at is null", "missing_timestamp"),
        ]) }} as quarantine_reason
    from renamed
)

select * from checked
