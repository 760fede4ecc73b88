{{ assert_raw_contract('app_db', 'privacy_erasure_requests') }}

with source as (
    select * from {{ source('app_db', 'privacy_erasure_requests') }}
),

renamed as (
    select
        nullif(trim(id), '') as erasure_request_id,
        nullif(trim(user_id), '') as user_id,
        {{ hash_pii('email') }} as email_hash,
        cast(requested_at as {{ dbt.type_timestamp() }}) as requested_at,
        cast(processed_at as {{ dbt.type_timestamp() }}) as processed_at,
        cast(_loaded_at as {{ dbt.type_timestamp() }}) as loaded_at
    from source
),

checked as (
    select
        *,
        {{ quarantine_reason([
        ("loaded_at is null", "missing_loaded_at"),
        ("erasure_request_id is null", "missing_id"),
        ("user_id is null and email_hash is null", "missing_identity"),
        ("requested_at is null", "missing_timestamp"),
        ]) }} as quarantine_reason
    from renamed
)

select * from checked
