{#- Grain: one row per metric (seed metric_definitions) for the whole app: every event with a
    known account, all accounts together.

    Windows as in fct_account_usage_metrics (window N: the N days ending on the as-of date
    inclusive; previous period: the N days before). Distinct users are counted across the app
    from user-level rows: a user active in two accounts, or on several days, counts once. -#}
{%- set grain = [] -%}

with dates as (
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
        cast(definitions.metric_key as {{ dbt.type_string() }}) as metric_key,
        cast(definitions.metric_name as {{ dbt.type_string() }}) as metric_name,
        cast(definitions.aggregation as {{ dbt.type_string() }}) as aggregation,
        cast(as_of.as_of_date as date) as as_of_date,
        {{- metric_window_columns('window_values') }}
        cast(coalesce(window_values.value_all_time, 0) as {{ dbt.type_numeric() }}) as value_all_time,
        cast(window_values.first_event_date as date) as first_event_date,
        cast(window_values.last_event_date as date) as last_event_date
    from definitions
    cross join as_of
    left join window_values
        on definitions.metric_key = window_values.metric_key
)

select * from final
