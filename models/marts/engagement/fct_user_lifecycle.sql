{#- Grain: one row per user × account × period type (week, month) × period, dense from the
    period of the user's first active day in the account to the period holding the as-of date.

    Status (macro lifecycle_status): new / returning / resurrected when active in the period;
    dormant / churned when not, churned once the last active day is more than
    var dormant_after_days before the period's reference date (its last day, or the as-of
    date for the running period). -#}

with user_active_days as (
    select * from {{ ref('int_engagement__user_active_days') }}
),

dates as (
    select * from {{ ref('dim_dates') }}
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
        user_id,
        account_id,
        'week' as period_type,
        week_start_date as period_start_date,
        count(*) as active_day_count,
        sum(active_event_count) as active_event_count,
        max(usage_date) as last_active_date
    from user_active_days
    where is_active
    group by
        user_id,
        account_id,
        week_start_date
    union all
    select
        user_id,
        account_id,
        'month' as period_type,
        month_start_date as period_start_date,
        count(*) as active_day_count,
        sum(active_event_count) as active_event_count,
        max(usage_date) as last_active_date
    from user_active_days
    where is_active
    group by
        user_id,
        account_id,
        month_start_date
),

first_periods as (
    select
        user_id,
        account_id,
        period_type,
        min(period_start_date) as first_active_period_start_date
    from period_activity
    group by
        user_id,
        account_id,
        period_type
),

user_periods as (
    select
        first_periods.user_id,
        first_periods.account_id,
        periods.period_type,
        periods.period_start_date,
        periods.period_end_date,
        periods.reference_date,
        periods.as_of_date,
        first_periods.first_active_period_start_date,
        period_activity.last_active_date as last_active_date_in_period,
        coalesce(period_activity.active_day_count, 0) as active_day_count,
        coalesce(period_activity.active_event_count, 0) as active_event_count
    from first_periods
    inner join periods
        on
            first_periods.period_type = periods.period_type
            and first_periods.first_active_period_start_date <= periods.period_start_date
    left join period_activity
        on
            first_periods.user_id = period_activity.user_id
            and first_periods.account_id = period_activity.account_id
            and periods.period_type = period_activity.period_type
            and periods.period_start_date = period_activity.period_start_date
),

sequenced as (
    select
        *,
        lag(active_day_count) over (
            partition by user_id, account_id, period_type
            order by period_start_date asc nulls last
        ) as previous_active_day_count,
        max(last_active_date_in_period) over (
            partition by user_id, account_id, period_type
            order by period_start_date asc nulls last
            rows between unbounded preceding and current row
        ) as last_active_date
    from user_periods
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
        ) }} as lifecycle_status
    from measured
),

final as (
    select
        user_id,
        account_id,
        cast(period_type as {{ dbt.type_string() }}) as period_type,
        period_start_date,
        period_end_date,
        reference_date,
        period_end_date <= as_of_date as is_complete_period,
        cast(lifecycle_status as {{ dbt.type_string() }}) as lifecycle_status,
        cast(
            lag(lifecycle_status) over (
                partition by user_id, account_id, period_type
                order by period_start_date asc nulls last
            ) as {{ dbt.type_string() }}
        ) as previous_lifecycle_status,
        active_day_count > 0 as is_active,
        cast(active_day_count as {{ dbt.type_int() }}) as active_day_count,
        cast(active_event_count as {{ dbt.type_bigint() }}) as active_event_count,
        first_active_period_start_date,
        last_active_date,
        cast(days_since_last_active as {{ dbt.type_int() }}) as days_since_last_active
    from classified
)

select * from final
