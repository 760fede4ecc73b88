{{ assert_raw_contract('app_db', 'users') }}

with source as (
    select * from {{ source('app_db', 'users') }}
),

renamed as (
    select
        nullif(trim(id), '') as user_id,
        nullif(trim(account_id), '') as account_id,
        {{ hash_pii('email') }} as email_hash,
        lower(trim(role)) as user_role,
        cast(created_at as {{ dbt.type_timestamp() }}) as created_at,
        cast(updated_at as {{ dbt.type_timestamp() }}) as updated_at,
        cast(deactivated_at as {{ dbt.type_timestamp() }}) as deactivated_at,
        cast(_loaded_at as {{ dbt.type_timestamp() }}) as loaded_at
    from source
),

checked as (
    select
        *,
        {{ quarantine_reason([
        ("loaded_at is null", "missing_loaded_at"),
        ("user_id is null", "missing_id"),
        ("account_id is null", "missing_account_id"),
        ("created_at is null", "missing_timestamp"),
        ]) }} as quarantine_reason
    from renamed
)

select * from checked
