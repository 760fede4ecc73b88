{{ assert_raw_contract('app_db', 'accounts') }}

with source as (
    select * from {{ source('app_db', 'accounts') }}
),

renamed as (
    select
        nullif(trim(id), '') as account_id,
        name as account_name,
        lower(trim(plan)) as plan,
        cast(seats as {{ dbt.type_int() }}) as seats,
        industry,
        country,
        cast(created_at as {{ dbt.type_timestamp() }}) as created_at,
        cast(updated_at as {{ dbt.type_timestamp() }}) as updated_at,
        cast(deleted_at as {{ dbt.type_timestamp() }}) as deleted_at,
        cast(_loaded_at as {{ dbt.type_timestamp() }}) as loaded_at
    from source
),

checked as (
    select
        *,
        {{ quarantine_reason([
        ("loaded_at is null", "missing_loaded_at"),
        ("account_id is null", "missing_id"),
        ("created_at is null", "missing_timestamp"),
        ]) }} as quarantine_reason
    from renamed
)

select * from checked
