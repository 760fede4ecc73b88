{{ config(materialized='table') }}

{#- One row per user × account × UTC day with any event attributed to both, up to the
    as-of date. is_active: the user had at least one active-use event that day (the
    definition of "active" for every engagement mart). -#}

with user_daily_usage as (
    select * from {{ ref('fct_user_daily_usage') }}
),

dates as (
    select * from {{ ref('dim_dates') }}
),

user_days as (
    select
        user_id,
        account_id,
        usage_date,
        sum(event_count) as event_count,
        sum(active_event_count) as active_event_count,
        sum(value_event_count) as value_event_count
    from user_daily_usage
    where account_id is not null
    group by
        user_id,
        account_id,
        usage_date
),

final as (
    select
        user_days.user_id,
        user_days.account_id,
        user_days.usage_date,
        dates.week_start_date,
        dates.month_start_date,
        user_days.active_event_count > 0 as is_active,
        cast(user_days.event_count as {{ dbt.type_bigint() }}) as event_count,
        cast(user_days.active_event_count as {{ dbt.type_bigint() }}) as active_event_count,
        cast(user_days.value_event_count as {{ dbt.type_bigint() }}) as value_event_count
    from user_days
    inner join dates
        on user_days.usage_date = dates.date_day
)

select * from final
