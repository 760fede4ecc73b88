{#- Grain: one row per user: every user of the app database, plus users seen only in
    Segment (is_in_app_database false). email_hash is the salted hash of the email;
    raw emails never reach a mart. Users with a privacy erasure request
    (stg_app_db__erased_users) are left out. -#}

with app_users as (
    select * from {{ ref('stg_app_db__users') }}
),

user_accounts as (
    select * from {{ ref('int_identity__user_accounts') }}
),

events as (
    select * from {{ ref('fct_usage_events') }}
),

erased_users as (
    select * from {{ ref('stg_app_db__erased_users') }}
),

activity as (
    select
        user_id,
        min(event_at) as first_event_at,
        max(event_at) as last_event_at,
        min(case when is_active_use then event_at end) as first_active_at,
        max(case when is_active_use then event_at end) as last_active_at
    from events
    where user_id is not null
    group by user_id
),

all_users as (
    select user_id from app_users
    union
    select user_id from activity
    union
    select user_id from user_accounts
),

final as (
    select
        all_users.user_id,
        app_users.email_hash,
        app_users.user_role,
        app_users.created_at,
        cast(app_users.created_at as date) as signup_date,
        app_users.deactivated_at,
        activity.first_event_at,
        activity.last_event_at,
        activity.first_active_at,
        activity.last_active_at,
        coalesce(app_users.account_id, user_accounts.account_id) as account_id,
        coalesce(user_accounts.account_source, 'none') as account_source,
        app_users.user_id is not null as is_in_app_database,
        coalesce(app_users.deactivated_at is not null, false) as is_deactivated
    from all_users
    left join app_users
        on all_users.user_id = app_users.user_id
    left join user_accounts
        on all_users.user_id = user_accounts.user_id
    left join activity
        on all_users.user_id = activity.user_id
    where all_users.user_id not in (select erased_users.user_id from erased_users)
)

select * from final
