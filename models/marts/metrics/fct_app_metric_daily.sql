{{ config(
    pre_hook="{{ delete_if_config_changed('definitions_fingerprint', config_fingerprint(ref('int_metrics__definitions'))) }}",
    post_hook="{{ delete_outside_metric_spine(
        metric_daily_history_days(),
        app_metric_spine_bounds(ref('int_metrics__definitions'), ref('dim_accounts'), ref('int_metrics__account_daily')),
        []
    ) }}",
    **upsert_config(['metric_key', 'metric_date'])
) }}

{#- Grain: one row per metric × UTC day for the whole app (every event with a known account),
    dense (zeros on days without usage), from the app's first day (the earliest account signup
    or matching event) to the as-of date, at most the last var metric_daily_history_days days.

    Beside each day: the trailing-7-day value and the same values 7 and 28 days earlier.
    Distinct users are counted across the app from user-level rows, over the day and over the
    7 days: a user active in two accounts, or on several days, counts once.

    Incremental, as fct_account_metric_daily (metric_daily_window_ctes): a run writes every
    metric's days from the earliest daily row loaded after the watermark (or the day after the
    newest day kept) to the as-of date, computed from the 34 days before them. -#}
{%- set history_days = metric_daily_history_days() -%}
{%- set lead_days = metric_daily_spine_days() - history_days -%}
{%- set grain = [] -%}
{%- set fingerprint = config_fingerprint(ref('int_metrics__definitions')) -%}

with accounts as (
    select * from {{ ref('dim_accounts') }}
),

dates as (
    select * from {{ ref('dim_dates') }}
),

definitions as (
    select * from {{ ref('int_metrics__definitions') }}
),

account_daily as {{ not_materialized() }} (
    select * from {{ ref('int_metrics__account_daily') }}
),

account_user_daily as {{ not_materialized() }} (
    select * from {{ ref('int_metrics__account_user_daily') }}
),

as_of as (
    select
        as_of_date,
        cast({{ dbt.dateadd('day', -(history_days - 1), 'as_of_date') }} as date) as kept_from_date
    from dates
    where is_as_of_date
),

spine_bounds as (
    {{ app_metric_spine_bounds('definitions', 'accounts', 'account_daily') | indent(4) }}
),

{{ metric_daily_window_ctes(grain, lead_days) }}

daily_rows as (
    {{ metric_rows_of_computed_pairs('account_daily', grain, ['aggregation', 'metric_value', 'loaded_at']) }}
),

user_days_computed as (
    {{ metric_rows_of_computed_pairs('account_user_daily', grain, ['user_id']) }}
),

{# The day's value across the app: summed metrics add up the accounts' daily values, distinct
    users are counted from user-level rows (a user active in two accounts counts once). #}
daily_sums as (
    select
        metric_key,
        metric_date,
        aggregation,
        sum(metric_value) as summed_value,
        max(loaded_at) as loaded_at
    from daily_rows
    group by
        metric_key,
        metric_date,
        aggregation
),

daily_users as (
    select
        metric_key,
        metric_date,
        count(distinct user_id) as user_count
    from user_days_computed
    group by
        metric_key,
        metric_date
),

-- Materialized: read inlined by the window below, DuckDB 2.0 fails with an internal error on
-- several threads (materialized_cte).
daily_values as {{ materialized_cte() }} (
    select
        daily_sums.metric_key,
        daily_sums.metric_date,
        daily_sums.loaded_at,
        case
            when daily_sums.aggregation = 'distinct_users' then coalesce(daily_users.user_count, 0)
            else daily_sums.summed_value
        end as metric_value
    from daily_sums
    left join daily_users
        on
            daily_sums.metric_key = daily_users.metric_key
            and daily_sums.metric_date = daily_users.metric_date
),

trailing_users as (
    {{ metric_trailing_user_changes(grain, user_relation='user_days_computed') }}
),

{# Distinct users over 7 days are counted from user-level rows; other metrics sum 7 daily values. #}
trailing_values as (
    {{ metric_daily_trailing_values(grain, spine_columns=['written_from_date'], daily_columns=['loaded_at']) }}
),

compared as (
    {{ metric_daily_comparisons(grain) }}
),

-- A row's load time: the newest of the daily rows its values read (its day and the lead_days
-- before it), so that a row written again gets the same one.
with_loads as (
    select
        *,
        max(loaded_at) over (
            partition by metric_key
            order by metric_date asc nulls last
            rows between {{ lead_days }} preceding and current row
        ) as window_loaded_at
    from compared
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
        cast(trailing_7d_value_28_days_earlier as {{ dbt.type_numeric() }}) as trailing_7d_value_28_days_earlier,
        cast(window_loaded_at as {{ dbt.type_timestamp() }}) as loaded_at,
        {{ fingerprint }} as definitions_fingerprint
    from with_loads
    where metric_date >= written_from_date
)

select * from final
