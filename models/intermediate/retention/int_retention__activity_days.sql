{{ config(materialized='table') }}

{#- One row per entity (user or account) × feature × UTC day of active use, up to the as-of date,
    plus one row per entity × day with feature '(any)' for active use of any feature.

    Active use (docs/decision_log.md, "Active user, active day"): a user is active on a day with
    at least one is_active_use event attributed to them and to an account; an account when at
    least one of its users is (active_user_count > 0, so an account's events without a user do
    not count). For a feature: the same, restricted to that feature's events. A user active in
    two accounts is one user here (retention follows the person). -#}

with user_daily_usage as (
    select * from {{ ref('fct_user_daily_usage') }}
),

account_daily_usage as (
    select * from {{ ref('fct_account_daily_usage') }}
),

dates as (
    select * from {{ ref('dim_dates') }}
),

as_of as (
    select max(as_of_date) as as_of_date
    from dates
),

user_feature_days as (
    select
        'user' as entity_type,
        user_daily_usage.user_id as entity_id,
        user_daily_usage.feature,
        user_daily_usage.usage_date as activity_date
    from user_daily_usage
    cross join as_of
    where
        user_daily_usage.account_id is not null
        and user_daily_usage.active_event_count > 0
        and user_daily_usage.usage_date <= as_of.as_of_date
    group by
        user_daily_usage.user_id,
        user_daily_usage.feature,
        user_daily_usage.usage_date
),

account_feature_days as (
    select
        'account' as entity_type,
        account_daily_usage.account_id as entity_id,
        account_daily_usage.feature,
        account_daily_usage.usage_date as activity_date
    from account_daily_usage
    cross join as_of
    where
        account_daily_usage.active_user_count > 0
        and account_daily_usage.usage_date <= as_of.as_of_date
),

feature_days as (
    select * from user_feature_days
    union all
    select * from account_feature_days
),

any_feature_days as (
    select
        entity_type,
        entity_id,
        '(any)' as feature,
        activity_date
    from feature_days
    group by
        entity_type,
        entity_id,
        activity_date
),

activity_days as (
    select * from feature_days
    union all
    select * from any_feature_days
),

final as (
    select
        cast(entity_type as {{ dbt.type_string() }}) as entity_type,
        cast(entity_id as {{ dbt.type_string() }}) as entity_id,
        cast(feature as {{ dbt.type_string() }}) as feature,
        cast(activity_date as date) as activity_date
    from activity_days
)

select * from final
