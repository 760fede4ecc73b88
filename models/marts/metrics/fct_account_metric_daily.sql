{#- Grain: one row per account × metric × UTC day, dense (zeros on days without usage), for
    every account × metric with a matching event up to the as-of date; days from the account's
    signup date (or its first matching event, when earlier) to the as-of date, at most the last
    var metric_daily_history_days days.

    Beside each day: the trailing-7-day value (the 7 days ending on that day; distinct users
    counted over the 7 days from user-level rows) and the same values 7 and 28 days earlier, so
    a chart can draw this period against the last. Earlier values are null before the spine's
    first day (the account did not exist yet). -#}
{%- set history_days = metric_daily_history_days() -%}
{%- set spine_days = metric_daily_spine_days() -%}
{%- set grain = ['account_id'] -%}

with accounts as (
    select * from {{ ref('dim_accounts') }}
),

dates as (
    select * from {{ ref('dim_dates') }}
),

account_daily as (
    select * from {{ ref('int_metrics__account_daily') }}
),

account_user_daily as (
    select * from {{ ref('int_metrics__account_user_daily') }}
),

as_of as (
    select as_of_date
    from dates
    where is_as_of_date
),

account_metrics as (
    select
        account_daily.account_id,
        account_daily.metric_key,
        account_daily.aggregation,
        min(account_daily.metric_date) as first_event_date
    from account_daily
    cross join as_of
    where account_daily.metric_date <= as_of.as_of_date
    group by
        account_daily.account_id,
        account_daily.metric_key,
        account_daily.aggregation
),

spine_bounds as (
    select
        account_metrics.account_id,
        account_metrics.metric_key,
        account_metrics.aggregation,
        least(accounts.signup_date, account_metrics.first_event_date) as spine_start_date
    from account_metrics
    inner join accounts
        on account_metrics.account_id = accounts.account_id
),

spine as (
    select
        spine_bounds.account_id,
        spine_bounds.metric_key,
        spine_bounds.aggregation,
        dates.date_day as metric_date,
        dates.days_before_as_of
    from spine_bounds
    inner join dates
        on spine_bounds.spine_start_date <= dates.date_day
    where dates.days_before_as_of < {{ spine_days }}
),

{{ metric_rows_in_window_ctes('account_daily', 'account_user_daily', spine_days) }}

trailing_users as (
    {{ metric_trailing_user_changes(grain, user_relation='user_days_in_window') }}
),

{# Distinct users over 7 days are counted from user-level rows; other metrics sum 7 daily values. #}
trailing_values as (
    {{ metric_daily_trailing_values(grain, daily_values='daily_in_window') }}
),

compared as (
    {{ metric_daily_comparisons(grain) }}
),

final as (
    select
        cast(account_id as {{ dbt.type_string() }}) as account_id,
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
