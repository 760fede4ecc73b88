{{ config(
    pre_hook="{{ delete_if_config_changed('definitions_fingerprint', config_fingerprint(ref('int_metrics__definitions'))) }}",
    **partition_replace_config('metric_date')
) }}

{#- Grain: one row per account × metric × UTC day with at least one matching event.

    The day's value by the metric's aggregation: events, distinct users (exact for the day; a
    window of days needs int_metrics__account_user_daily), or the sum of the contributions.
    Incremental: the days int_metrics__user_daily rewrote since this model's watermark are
    recomputed whole. -#}
{%- set user_daily_relation = ref('int_metrics__user_daily') -%}

{%- set fingerprint = config_fingerprint(ref('int_metrics__definitions')) -%}
{#- The rows the pre-hook keeps: written with the current configuration. -#}
{%- set current_config_rows = 'definitions_fingerprint = ' ~ fingerprint -%}

with user_daily as (
    select * from {{ user_daily_relation }}
    where {{ affected_dates_filter(user_daily_relation, 'metric_date', watermark_condition=current_config_rows) }}
),

-- The user rows are one per user (null user: the events without one), so distinct users are
-- counted from them without count(distinct).
daily as (
    select
        account_id,
        metric_key,
        aggregation,
        metric_date,
        case
            when aggregation = 'distinct_users' then count(user_id)
            else sum(metric_value)
        end as metric_value,
        sum(event_count) as event_count,
        count(user_id) as user_count,
        max(loaded_at) as loaded_at
    from user_daily
    group by
        account_id,
        metric_key,
        aggregation,
        metric_date
),

final as (
    select
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        cast(metric_key as {{ dbt.type_string() }}) as metric_key,
        cast(aggregation as {{ dbt.type_string() }}) as aggregation,
        cast(metric_date as date) as metric_date,
        cast(metric_value as {{ dbt.type_numeric() }}) as metric_value,
        cast(event_count as {{ dbt.type_bigint() }}) as event_count,
        cast(user_count as {{ dbt.type_bigint() }}) as user_count,
        cast(loaded_at as {{ dbt.type_timestamp() }}) as loaded_at,
        {{ fingerprint }} as definitions_fingerprint
    from daily
)

select * from final
