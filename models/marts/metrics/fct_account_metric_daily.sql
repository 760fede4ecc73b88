{{ config(
    pre_hook="{{ delete_if_config_changed('definitions_fingerprint', config_fingerprint(ref('int_metrics__definitions'))) }}",
    post_hook="{{ delete_outside_metric_spine(
        metric_daily_history_days(), account_metric_spine_bounds(ref('int_metrics__account_daily')), ['account_id']
    ) }}",
    **upsert_config(['account_id', 'metric_key', 'metric_date'])
) }}

{#- Grain: one row per account × metric × UTC day, dense (zeros on days without usage), for
    every account × metric with a matching event up to the as-of date; days from the account's
    signup date (or its first matching event, when earlier) to the as-of date, at most the last
    var metric_daily_history_days days.

    Beside each day: the trailing-7-day value (the 7 days ending on that day; distinct users
    counted over the 7 days from user-level rows) and the same values 7 and 28 days earlier, so
    a chart can draw this period against the last. Earlier values are null before the spine's
    first day (the account did not exist yet).

    Incremental: a row's values depend only on the daily rows of its own day and the 34 days
    before it (metric_daily_spine_days), so a run writes, for every account × metric, the days
    from the earliest daily row loaded after the watermark (or the day after the newest day
    kept, when the as-of date moved) to the as-of date, computed from the 34 days before them.
    An account × metric whose first kept day is not the one stored (a first use of the metric,
    a signup date that arrived late) is written whole. The pre-hook empties the table when the
    metric definitions change; the post-hook deletes the days that left the kept window and
    the rows of pairs no longer measured. -#}
{%- set history_days = metric_daily_history_days() -%}
{%- set lead_days = metric_daily_spine_days() - history_days -%}
{%- set grain = ['account_id'] -%}
{%- set fingerprint = config_fingerprint(ref('int_metrics__definitions')) -%}

with dates as (
    select * from {{ ref('dim_dates') }}
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
    {{ account_metric_spine_bounds('account_daily') | indent(4) }}
),

{{ metric_daily_window_ctes(grain, lead_days) }}

-- The daily rows of the days computed, per pair: a pair's running count of trailing users
-- starts from its first computed day.
daily_values as (
    {{ metric_rows_of_computed_pairs('account_daily', grain, ['metric_value', 'loaded_at']) }}
),

user_days_computed as (
    {{ metric_rows_of_computed_pairs('account_user_daily', grain, ['user_id']) }}
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
            partition by account_id, metric_key
            order by metric_date asc nulls last
            rows between {{ lead_days }} preceding and current row
        ) as window_loaded_at
    from compared
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
        cast(trailing_7d_value_28_days_earlier as {{ dbt.type_numeric() }}) as trailing_7d_value_28_days_earlier,
        cast(window_loaded_at as {{ dbt.type_timestamp() }}) as loaded_at,
        {{ fingerprint }} as definitions_fingerprint
    from with_loads
    where metric_date >= written_from_date
)

select * from final
