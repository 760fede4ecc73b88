{#- Grain: one row per account in the app database (deleted accounts included, flagged).
    Plan, seats and MRR come from the account's current subscription: the latest one
    started, or the account record's own plan and seats when it has none. -#}

with accounts as (
    select * from {{ ref('stg_app_db__accounts') }}
),

subscriptions as (
    select * from {{ ref('stg_app_db__subscriptions') }}
),

plans as (
    select * from {{ ref('stg_config__plans') }}
),

users as (
    select * from {{ ref('stg_app_db__users') }}
),

events as (
    select * from {{ ref('fct_usage_events') }}
),

latest_subscription as (
    select
        *,
        row_number() over (
            partition by account_id
            order by started_at desc, subscription_id desc
        ) as recency_rank
    from subscriptions
),

first_subscription as (
    select
        account_id,
        min(started_at) as first_subscribed_at
    from subscriptions
    group by account_id
),

user_counts as (
    select
        account_id,
        count(*) as user_count,
        sum(case when deactivated_at is null then 1 else 0 end) as active_seat_user_count
    from users
    group by account_id
),

activity as (
    select
        account_id,
        min(event_at) as first_event_at,
        max(event_at) as last_event_at
    from events
    where account_id is not null
    group by account_id
),

final as (
    select
        accounts.account_id,
        accounts.account_name,
        accounts.industry,
        accounts.country,
        accounts.created_at,
        cast(accounts.created_at as date) as signup_date,
        accounts.deleted_at,
        accounts.deleted_at is not null as is_deleted,
        coalesce(latest_subscription.plan, accounts.plan) as plan,
        plans.plan_name,
        plans.plan_tier,
        coalesce(plans.is_paid, false) as is_paid_plan,
        latest_subscription.subscription_id,
        coalesce(latest_subscription.subscription_status, 'none') as subscription_status,
        latest_subscription.started_at as subscription_started_at,
        latest_subscription.ended_at as subscription_ended_at,
        first_subscription.first_subscribed_at,
        coalesce(latest_subscription.seats, accounts.seats) as seats,
        cast(coalesce(latest_subscription.mrr_amount, 0) as {{ dbt.type_numeric() }}) as mrr_amount,
        latest_subscription.currency,
        coalesce(
            latest_subscription.subscription_status in ('active', 'past_due')
            and latest_subscription.ended_at is null
            and latest_subscription.mrr_amount > 0,
            false
        ) as is_paying,
        coalesce(
            latest_subscription.subscription_status = 'canceled' or latest_subscription.ended_at is not null,
            false
        ) as is_churned,
        cast(coalesce(user_counts.user_count, 0) as {{ dbt.type_bigint() }}) as user_count,
        cast(coalesce(user_counts.active_seat_user_count, 0) as {{ dbt.type_bigint() }}) as active_seat_user_count,
        activity.first_event_at,
        activity.last_event_at
    from accounts
    left join latest_subscription
        on
            accounts.account_id = latest_subscription.account_id
            and latest_subscription.recency_rank = 1
    left join first_subscription
        on accounts.account_id = first_subscription.account_id
    left join plans
        on coalesce(latest_subscription.plan, accounts.plan) = plans.plan
    left join user_counts
        on accounts.account_id = user_counts.account_id
    left join activity
        on accounts.account_id = activity.account_id
)

select * from final
