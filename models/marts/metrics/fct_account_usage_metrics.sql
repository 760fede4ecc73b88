{#- Grain: one row per account (dim_accounts) × metric (seed metric_definitions), zeros where
    the account has no matching event.

    Windows end on the as-of date (dim_dates) inclusive: window N covers days_before_as_of
    0 .. N-1 (value_1d is the as-of day alone), its previous period N .. 2N-1. Events after the
    as-of date are left out of every column. Distinct users are counted over the whole window
    from user-level rows (int_metrics__account_user_daily), other aggregations summed from
    daily values (int_metrics__account_daily). -#}
{%- set grain = ['account_id'] -%}

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

as_of as (
    select as_of_date
    from dates
    where is_as_of_date
),

daily_to_date as (
    {{ metric_rows_to_date('account_daily', grain, 'metric_value', summed_only=true) }}
),

user_days_to_date as (
    {{ metric_rows_to_date('account_user_daily', grain, 'user_id') }}
),

{# Summed metrics from daily values, distinct users from user-level rows (macros/metrics.sql). #}
window_values as (
    {{ metric_window_values(grain) }}
),

final as (
    select
        cast(accounts.account_id as {{ dbt.type_string() }}) as account_id,
        cast(definitions.metric_key as {{ dbt.type_string() }}) as metric_key,
        cast(definitions.metric_name as {{ dbt.type_string() }}) as metric_name,
        cast(definitions.aggregation as {{ dbt.type_string() }}) as aggregation,
        cast(as_of.as_of_date as date) as as_of_date,
        {{- metric_window_columns('window_values') }}
        cast(coalesce(window_values.value_all_time, 0) as {{ dbt.type_numeric() }}) as value_all_time,
        cast(window_values.first_event_date as date) as first_event_date,
        cast(window_values.last_event_date as date) as last_event_date
    from accounts
    cross join definitions
    cross join as_of
    left join window_values
        on
            accounts.account_id = window_values.account_id
            and definitions.metric_key = window_values.metric_key
)

select * from final
