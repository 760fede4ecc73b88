{#- One row per user whose personal data must be erased: the user of a privacy erasure
    request, named by user id or by email hash (resolved through the app database's users and
    Segment identify calls).
    erased_from_loaded_at is the first time the warehouse could know the user is erased (the
    request landed and, for a request by email, the record that links the email to the user):
    events loaded after it are suppressed, events loaded before it are kept anonymised
    (docs/decision_log.md, "Privacy erasure"). -#}

with requests as (
    select * from {{ ref('base_app_db__privacy_erasure_requests') }}
    where quarantine_reason is null
),

app_users as (
    select * from {{ ref('stg_app_db__users') }}
),

identifies as (
    select * from {{ ref('stg_segment__identifies') }}
),

known_emails as (
    select
        user_id,
        email_hash,
        loaded_at
    from app_users
    where email_hash is not null

    union all

    select
        user_id,
        email_hash,
        loaded_at
    from identifies
    where user_id is not null and email_hash is not null
),

requested_users as (
    select
        requests.user_id,
        requests.requested_at,
        requests.loaded_at
    from requests
    where requests.user_id is not null

    union all

    select
        known_emails.user_id,
        requests.requested_at,
        greatest(requests.loaded_at, known_emails.loaded_at) as loaded_at
    from requests
    inner join known_emails
        on requests.email_hash = known_emails.email_hash
),

final as (
    select
        user_id,
        min(requested_at) as erasure_requested_at,
        min(loaded_at) as erased_from_loaded_at
    from requested_users
    group by user_id
)

select * from final
