{{ assert_raw_contract('app_db', 'subscriptions') }}

with source as (
    select * from {{ source('app_db', 'subscriptions') }}
),

renamed as (
    select
        nullif(trim(id), '') as subscription_id,
        nullif(trim(account_id), '') as account_id,
        lower(trim(plan)) as plan,
        lower(trim(status)) as subscription_status,
        cast(seats as {{ dbt.type_int() }}) as seats,
        cast(mrr_amount as {{ dbt.type_numeric() }}) as mrr_amount,
        upper(trim(currency)) as currency,
        cast(started_at as {{ dbt.type_timestamp() }}) as started_at,
        cast(ended_at as {{ dbt.type_timestamp() }}) as ended_at,
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
        ("subscription_id is null", "missing_id"),
        ("account_id is null", "missing_account_id"),
        ("started_at is null", "missing_timestamp"),
        ]) }} as quarantine_reason
    from renamed
)

select * from checked
