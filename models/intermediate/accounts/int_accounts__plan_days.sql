{{ config(materialized='table') }}

{#- One row per account × UTC day, dense from the account's signup date to the as-of date: the
    plan and paid seats in force that day and whether the account is live.

    A subscription period (dim_account_plan_history) is in force on the days from its start
    date up to, not including, the date it ends: a period ending during a day no longer covers
    it, a period starting during a day covers it (a mid-day plan change counts from that day).
    Of the periods in force, the latest started wins. Without one, the account record's plan
    and seats apply. -#}

with accounts as (
    select * from {{ ref('dim_accounts') }}
),

plan_history as (
    select * from {{ ref('dim_account_plan_history') }}
),

dates as (
    select * from {{ ref('dim_dates') }}
),

spine as (
    select
        accounts.account_id,
        accounts.signup_date,
        cast(accounts.deleted_at as date) as deleted_date,
        accounts.plan as account_plan,
        accounts.seats as account_seats,
        dates.date_day,
        dates.month_start_date,
        dates.as_of_date
    from accounts
    inner join dates
        on accounts.signup_date <= dates.date_day
),

accounts_with_subscriptions as (
    select distinct account_id from plan_history
),

-- Periods started by the day: the one in force, else the latest started (whose end makes the
-- subscription ended).
periods_by_day as (
    select
        spine.account_id,
        spine.date_day,
        plan_history.plan,
        plan_history.seats,
        coalesce(cast(plan_history.valid_to as date) > spine.date_day, true) as is_in_force,
        row_number() over (
            partition by spine.account_id, spine.date_day
            order by
                coalesce(cast(plan_history.valid_to as date) > spine.date_day, true) desc nulls last,
                plan_history.valid_from desc nulls last,
                plan_history.subscription_id desc nulls last
        ) as period_rank
    from spine
    inner join plan_history
        on
            spine.account_id = plan_history.account_id
            and cast(plan_history.valid_from as date) <= spine.date_day
),

final as (
    select
        cast(spine.account_id as {{ dbt.type_string() }}) as account_id,
        cast(spine.date_day as date) as date_day,
        cast(spine.month_start_date as date) as month_start_date,
        cast(spine.signup_date as date) as signup_date,
        cast(spine.as_of_date as date) as as_of_date,
        cast(
            case when periods_by_day.is_in_force then periods_by_day.plan else spine.account_plan end
            as {{ dbt.type_string() }}
        ) as plan,
        cast(
            case when periods_by_day.is_in_force then periods_by_day.seats else spine.account_seats end
            as {{ dbt.type_int() }}
        ) as seats,
        accounts_with_subscriptions.account_id is not null as has_subscriptions,
        coalesce(periods_by_day.is_in_force, false) as has_subscription_in_force,
        coalesce(not periods_by_day.is_in_force, false) as is_subscription_ended,
        coalesce(periods_by_day.is_in_force, false)
        or accounts_with_subscriptions.account_id is null as has_plan_in_force,
        (spine.deleted_date is null or spine.date_day < spine.deleted_date)
        and (
            coalesce(periods_by_day.is_in_force, false)
            or accounts_with_subscriptions.account_id is null
        ) as is_account_live
    from spine
    left join accounts_with_subscriptions
        on spine.account_id = accounts_with_subscriptions.account_id
    left join periods_by_day
        on
            spine.account_id = periods_by_day.account_id
            and spine.date_day = periods_by_day.date_day
            and periods_by_day.period_rank = 1
)

select * from final
