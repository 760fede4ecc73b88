{{ config(
    pre_hook="{{ delete_affected_dates(
        ref('fct_user_daily_usage'), 'activity_date', 'usage_date',
        also_from=[ref('fct_account_daily_usage')], after_newest_of='activity_date'
    ) }}",
    post_hook=[
        "{{ delete_erased_users(\"case when entity_type = 'user' then entity_id end\") }}",
        "{{ delete_after_as_of('activity_date') }}",
    ],
    **partition_replace_config('activity_date')
) }}

{#- One row per entity (user or account) × feature × UTC day of active use, up to the as-of date,
    plus one row per entity × day with feature '(any)' for active use of any feature.

    Active use (docs/decision_log.md, "Active user, active day"): a user is active on a day with
    at least one is_active_use event attributed to them and to an account; an account when at
    least one of its users is (active_user_count > 0, so an account's events without a user do
    not count). For a feature: the same, restricted to that feature's events. A user active in
    two accounts is one user here (retention follows the person).

    Incremental: every day with a row of either daily usage fact loaded after the model's
    watermark is recomputed whole (partition replace on activity_date), and the days after the
    newest one it holds (the as-of date moved over them); the pre-hook deletes those days
    first, so that a day left without activity (its only active user erased) does not keep
    its old rows. -#}
{%- set user_daily_relation = ref('fct_user_daily_usage') -%}
{%- set account_daily_relation = ref('fct_account_daily_usage') -%}
{%- set affected_dates = affected_dates_filter(
    user_daily_relation, 'usage_date', also_from=[account_daily_relation], after_newest_of='activity_date'
) -%}

with user_daily_usage as (
    select * from {{ user_daily_relation }}
    where {{ affected_dates }}
),

account_daily_usage as (
    select * from {{ account_daily_relation }}
    where {{ affected_dates }}
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
        user_daily_usage.usage_date as activity_date,
        max(user_daily_usage.loaded_at) as loaded_at
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
        account_daily_usage.usage_date as activity_date,
        account_daily_usage.loaded_at
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
        activity_date,
        max(loaded_at) as loaded_at
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
        cast(activity_date as date) as activity_date,
        loaded_at
    from activity_days
)

select * from final
