{{ assert_raw_contract('app_db', 'integrations') }}

with source as (
    select * from {{ source('app_db', 'integrations') }}
),

renamed as (
    select
        nullif(trim(id), '') as integration_id,
        nullif(trim(account_id), '') as account_id,
        nullif(trim(connected_by_user_id), '') as user_id,
        lower(trim(provider)) as provider,
        cast(connected_at as {{ dbt.type_timestamp() }}) as connected_at,
        cast(disconnected_at as {{ dbt.type_timestamp() }}) as disconnected_at,
        cast(_loaded_at as {{ dbt.type_timestamp() }}) as loaded_at
    from source
),

checked as (
    select
        *,
        {{ quarantine_reason([
        ("loaded_at is null", "missing_loaded_at"),
        ("integration_id is null", "missing_id"),
        ("account_id is null", "missing_account_id"),
        ("connected_at is null", "missing_timestamp"),
        ]) }} as quarantine_reason
    from renamed
)

select * from checked
