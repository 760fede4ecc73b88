{#- Grain: one row per account × period type (week, month) × period, dense from the period of
    the account's signup (or of its first active day, when earlier) to the period holding the
    as-of date.

    An account is active on a day when any of its users is. Status: 'churned' (reason
    subscription_ended) when the account's subscription has ended by the period's reference
    date (its last day, or the as-of date for the running period) and none is in force;
    otherwise the activity states of macro lifecycle_status, with 'churned' (reason inactive)
    after more than var dormant_after_days without an active user, and 'not_activated' for
    the periods before its first active day. -#}

with user_active_days as (
    select * from {{ ref('int_engagement__user_active_days') }}
),

dates as (
    select * from {{ ref('dim_dates') }}
),

accounts as (
    select * from {{ ref('dim_accounts') }}
),

engagement_daily as (
    select * from {{ ref('fct_account_engagement_daily') }}
),

periods as (
    select
        'week' as period_type,
        week_start_date as period_start_date,
        cast({{ dbt.dateadd('day', 6, 'week_start_date') }} as date) as period_end_date,
        max(date_day) as reference_date,
        max(as_of_date) as as_of_date
    from dates
    group by week_start_date
    union all
    select
        'month' as period_type,
        month_start_date as period_start_date,
        cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 1, 'month_start_date')) }} as date) as period_end_date,
        max(date_day) as reference_date,
        max(as_of_date) as as_of_date
    from dates
    group by month_start_date
),

period_activity as (
    select
        account_id,
        'week' as period_type,
        week_start_date as period_start_date,
        count(distinct usage_date) as active_day_count,
        count(distinct user_id) as active_user_count,
        max(usage_date) as last_active_date
    from user_active_days
    where is_active
    group by
        account_id,
        week_start_date
    union all
    select
        account_id,
        'month' as period_type,
        month_start_date as period_start_date,
        count(distinct usage_date) as active_day_count,
        count(distinct user_id) as active_user_count,
        max(usage_date) as last_active_date
    from user_active_days
    where is_active
    group by
        account_id,
        month_start_date
),

first_active_periods as (
    select
        account_id,
        period_type,
        min(period_start_date) as first_active_period_start_date
    from period_activity
    group by
        account_id,
        period_type
),

account_starts as (
    select
        accounts.account_id,
        'week' as period_type,
        cast({{ dbt.date_trunc('week', 'accounts.signup_date') }} as date) as signup_period_start_date
    from accounts
    union all
    select
        accounts.account_id,
        'month' as period_type,
        cast({{ dbt.date_trunc('month', 'accounts.signup_date') }} as date) as signup_period_start_date
    from accounts
),

account_first_periods as (
    select
        account_starts.account_id,
        account_starts.period_type,
        first_active_periods.first_active_period_start_date,
        case
            when first_active_periods.first_active_period_start_date < account_starts.signup_period_start_date
                then first_active_periods.first_active_period_start_date
            else account_starts.signup_period_start_date
        end as first_period_start_date
    from account_starts
    left join first_active_periods
        on
            account_starts.account_id = first_active_periods.account_id
            and account_starts.period_type = first_active_periods.period_type
),

account_periods as (
    select
        account_first_periods.account_id,
        periods.period_type,
        periods.period_start_date,
        periods.period_end_date,
        periods.reference_date,
        periods.as_of_date,
        account_first_periods.first_active_period_start_date,
        period_activity.last_active_date as last_active_date_in_period,
        coalesce(period_activity.active_day_count, 0) as active_day_count,
        coalesce(period_activity.active_user_count, 0) as active_user_count,
        coalesce(engagement_daily.is_subscription_ended, false) as is_subscription_ended
    from account_first_periods
    inner join periods
        on
            account_first_periods.period_type = periods.period_type
            and account_first_periods.first_period_start_date <= periods.period_start_date
    left join period_activity
        on
            account_first_periods.account_id = period_activity.account_id
            and periods.period_type = period_activity.period_type
            and periods.period_start_date = period_activity.period_start_date
    left join engagement_daily
        on
            account_first_periods.account_id = engagement_daily.account_id
            and periods.reference_date = engagement_daily.date_day
),

sequenced as (
    select
        *,
        lag(active_day_count) over (
            partition by account_id, period_type
            order by period_start_date asc nulls last
        ) as previous_active_day_count,
        max(last_active_date_in_period) over (
            partition by account_id, period_type
            order by period_start_date asc nulls last
            rows between unbounded preceding and current row
        ) as last_active_date
    from account_periods
),

measured as (
    select
        *,
        {{ days_between('last_active_date', 'reference_date') }} as days_since_last_active
    from sequenced
),

classified as (
    select
        *,
        {{ lifecycle_status(
            'active_day_count',
            'period_start_date',
            'first_active_period_start_date',
            'previous_active_day_count',
            'days_since_last_active'
        ) }} as activity_status
    from measured
),

statuses as (
    select
        *,
        case when is_subscription_ended then 'churned' else activity_status end as lifecycle_status,
        case
            when is_subscription_ended then 'subscription_ended'
            when activity_status = 'churned' then 'inactive'
        end as churn_reason
    from classified
),

final as (
    select
        account_id,
        cast(period_type as {{ dbt.type_string() }}) as period_type,
        period_start_date,
        period_end_date,
        reference_date,
        period_end_date <= as_of_date as is_complete_period,
        cast(lifecycle_status as {{ dbt.type_string() }}) as lifecycle_status,
        cast(churn_reason as {{ dbt.type_string() }}) as churn_reason,
        cast(activity_status as {{ dbt.type_string() }}) as activity_status,
        cast(
            lag(lifecycle_status) over (
                partition by account_id, period_type
                order by period_start_date asc nulls last
            ) as {{ dbt.type_string() }}
        ) as previous_lifecycle_status,
        is_subscription_ended,
        active_day_count > 0 as is_active,
        cast(active_day_count as {{ dbt.type_int() }}) as active_day_count,
        cast(active_user_count as {{ dbt.type_bigint() }}) as active_user_count,
        first_active_period_start_date,
        last_active_date,
        cast(days_since_last_active as {{ dbt.type_int() }}) as days_since_last_active
    from statuses
)

select * from final
