{#- One row per user × account × load time: every good version of a user's account
    membership that the app database replicated (stg_app_db__users keeps only the newest).
    int_identity__user_accounts reads the history to know since when a user has been in
    their current account. -#}
with user_versions as (
    select * from {{ ref('base_app_db__users') }}
),

final as (
    select distinct
        user_id,
        account_id,
        loaded_at
    from user_versions
    where quarantine_reason is null
)

select * from final
