{{ assert_raw_contract('app_db', 'data_imports') }}

with source as (
    select * from {{ source('app_db', 'data_imports') }}
),

renamed as (
    select
        nullif(trim(id), '') as data_import_id,
        nullif(trim(account_id), '') as account_id,
        nullif(trim(user_id), '') as user_id,
        lower(trim(source_type)) as source_type,
        lower(trim(status)) as import_status,
        cast(rows_imported as {{ dbt.type_bigint() }}) as rows_imported,
        cast(started_at as {{ dbt.type_timestamp() }}) as started_at,
        cast(completed_at as {{ dbt.type_timestamp() }}) as completed_at,
        cast(_loaded_at as {{ dbt.type_timestamp() }}) as loaded_at
    from source
),

checked as (
    select
        *,
        {{ quarantine_reason([
        ("loaded_at is null", "missing_loaded_at"),
        ("data_import_id is null", "missing_id"),
        ("account_id is null", "missing_account_id"),
        ("started_at is null", "missing_timestamp"),
        ]) }} as quarantine_reason
    from renamed
)

select * from checked
