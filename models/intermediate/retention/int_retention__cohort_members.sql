{#- One row per entity (user or account) × cohort it belongs to: cohort_type 'signup' (cohort
    feature '(any)') and 'feature_first_use' for each feature of var retention_cohort_features,
    with the person's own cohort date, on or before the as-of date.

    signup: the signup date of dim_users (users the app database does not know have none and are
    in no signup cohort) or dim_accounts; members without any activity are members all the same.
    feature_first_use: the first day of active use of the feature (int_retention__activity_days),
    whenever it was, before or after signup. activity_feature is the feature whose active use
    retains the member: '(any)' for signup cohorts, the cohort's own feature otherwise. -#}

with users as (
    select * from {{ ref('dim_users') }}
),

accounts as (
    select * from {{ ref('dim_accounts') }}
),

activity_days as (
    select * from {{ ref('int_retention__activity_days') }}
),

cohort_features as (
    select * from {{ ref('int_retention__cohort_features') }}
),

dates as (
    select * from {{ ref('dim_dates') }}
),

as_of as (
    select max(as_of_date) as as_of_date
    from dates
),

signups as (
    select
        'user' as entity_type,
        user_id as entity_id,
        signup_date
    from users
    where signup_date is not null
    union all
    select
        'account' as entity_type,
        account_id as entity_id,
        signup_date
    from accounts
    where signup_date is not null
),

signup_members as (
    select
        signups.entity_type,
        signups.entity_id,
        'signup' as cohort_type,
        '(any)' as cohort_feature,
        signups.signup_date as cohort_date
    from signups
    cross join as_of
    where signups.signup_date <= as_of.as_of_date
),

feature_first_use_members as (
    select
        activity_days.entity_type,
        activity_days.entity_id,
        'feature_first_use' as cohort_type,
        activity_days.feature as cohort_feature,
        min(activity_days.activity_date) as cohort_date
    from activity_days
    inner join cohort_features
        on activity_days.feature = cohort_features.feature
    group by
        activity_days.entity_type,
        activity_days.entity_id,
        activity_days.feature
),

members as (
    select * from signup_members
    union all
    select * from feature_first_use_members
),

final as (
    select
        cast(entity_type as {{ dbt.type_string() }}) as entity_type,
        cast(entity_id as {{ dbt.type_string() }}) as entity_id,
        cast(cohort_type as {{ dbt.type_string() }}) as cohort_type,
        cast(cohort_feature as {{ dbt.type_string() }}) as cohort_feature,
        cast(cohort_date as date) as cohort_date
    from members
)

select * from final
