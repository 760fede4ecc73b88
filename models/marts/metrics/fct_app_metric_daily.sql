{#- Grain: one row per metric × UTC day for the whole app (every event with a known account),
    dense (zeros on days without usage), from the app's first day (the earliest account signup
    or matching event) to the as-of date, at most the last var metric_daily_history_days days.

    Beside each day: the trailing-7-day value and the same values 7 and 28 days earlier.
    Distinct users are counted across the app from user-level rows, over the day and over the
    7 days: a user active in two accounts, or on several days, counts once. -#}
{%- set history_days = metric_daily_history_days() -%}
{%- set spine_days = metric_daily_spine_days() -%}
{%- set grain = [] -%}

with accounts as (
    select * from {{ ref('dim_accounts') }}
),

dates as (
    select * from {{ ref('dim_dates') }}
),

definitions as (
    select * from {{ ref('int_metrics__definitions') }}
),

account_daily as (
    select * from {{ ref('int_metrics__account_daily') }}
),

account_user_daily as (
    select * from {{ ref('int_metrics__account_user_daily') }}
),

start_candidates as (
    select min(signup_date) as start_date from accounts
    union all
    select min(metric_date) as start_date from account_daily
),

app_start as (
    select min(start_date) as app_start_date
    from start_candidates
),

spine as (
    select
        definitions.metric_key,
        definitions.aggregation,
        dates.date_day as metric_date,
        dates.days_before_as_of
    from definitions
    cross join app_start
    inner join dates
        on app_start.app_start_date <= dates.date_day
    where dates.days_before_as_of < {{ spine_days }}
),

{{ metric_rows_in_window_ctes('account_daily', 'account_user_daily', spine_days) }}

{# The day's value across the app: summed metrics add up the accounts' daily values, distinct
    users are counted from user-level rows (a user active in two accounts counts once). #}
daily_values as (
    select
        metric_key,
        metric_date,
        sum(metric_value) as metric_value
    from daily_in_window
    where aggregation <> 'distinct_users'
    group by
        metric_key,
        metric_date

    union all

    select
        metric_key,
        metric_date,
        count(distinct user_id) as metric_value
    from user_days_in_window
    group by
        metric_key,
        metric_date
),

trailing_users as (
    {{ metric_trailing_user_changes(grain, user_relation='user_days_in_window') }}
),

{# Distinct users over 7 days are counted from user-level rows; other metrics sum 7 daily values. #}
trailing_values as (
    {{ metric_daily_trailing_values(grain) }}
),

compared as (
    {{ metric_daily_comparisons(grain) }}
),

final as (
    select
        cast(metric_key as {{ dbt.type_string() }}) as metric_key,
        cast(metric_date as date) as metric_date,
        cast(metric_value as {{ dbt.type_numeric() }}) as metric_value,
        cast(trailing_7d_value as {{ dbt.type_numeric() }}) as trailing_7d_value,
        cast(metric_value_7_days_earlier as {{ dbt.type_numeric() }}) as metric_value_7_days_earlier,
        cast(metric_value_28_days_earlier as {{ dbt.type_numeric() }}) as metric_value_28_days_earlier,
        cast(trailing_7d_value_7_days_earlier as {{ dbt.type_numeric() }}) as trailing_7d_value_7_days_earlier,
        cast(trailing_7d_value_28_days_earlier as {{ dbt.type_numeric() }}) as trailing_7d_value_28_days_earlier
    from compared
    where days_before_as_of < {{ history_days }}
)

select * from final
