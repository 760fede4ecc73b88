{{ assert_raw_contract('app_db', 'invitations') }}

with source as (
    select * from {{ source('app_db', 'invitations') }}
),

renamed as (
    select
        nullif(trim(id), '') as invitation_id,
        nullif(trim(account_id), '') as account_id,
        nullif(trim(invited_by_user_id), '') as user_id,
        {{ hash_pii('invitee_email') }} as invitee_email_hash,
        lower(trim(role)) as invited_role,
        cast(created_at as {{ dbt.type_timestamp() }}) as created_at,
        cast(accepted_at as {{ dbt.type_timestamp() }}) as accepted_at,
        cast(_loaded_at as {{ dbt.type_timestamp() }}) as loaded_at
    from source
),

checked as (
    select
        *,
        {{ quarantine_reason([
        ("loaded_at is null", "missing_loaded_at"),
        ("invitation_id is null", "missing_id"),
        ("account_id is null", "missing_account_id"),
        ("created_at is null", "missing_timestamp"),
        ]) }} as quarantine_reason
    from renamed
)

select * from checked
