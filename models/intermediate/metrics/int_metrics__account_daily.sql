{{ config(materialized='table') }}

{#- Grain: one row per account × metric × UTC day with at least one matching event.

    The day's value by the metric's aggregation: events, distinct users (exact for the day; a
    window of days needs int_metrics__account_user_daily), or the sum of the contributions. -#}
with event_metrics as (
    select * from {{ ref('int_metrics__event_metrics') }}
),

-- Per user first, then per account: distinct users are the user groups of the first step
-- (one grouping pass, no count(distinct)).
user_daily as (
    select
        account_id,
        metric_key,
        aggregation,
        event_date,
        user_id,
        sum(metric_value) as metric_value,
        count(*) as event_count
    from event_metrics
    group by
        account_id,
        metric_key,
        aggregation,
        event_date,
        user_id
),

daily as (
    select
        account_id,
        metric_key,
        aggregation,
        event_date as metric_date,
        case
            when aggregation = 'distinct_users' then count(user_id)
            else sum(metric_value)
        end as metric_value,
        sum(event_count) as event_count,
        count(user_id) as user_count
    from user_daily
    group by
        account_id,
        metric_key,
        aggregation,
        event_date
),

final as (
    select
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        cast(metric_key as {{ dbt.type_string() }}) as metric_key,
        cast(aggregation as {{ dbt.type_string() }}) as aggregation,
        cast(metric_date as date) as metric_date,
        cast(metric_value as {{ dbt.type_numeric() }}) as metric_value,
        cast(event_count as {{ dbt.type_bigint() }}) as event_count,
        cast(user_count as {{ dbt.type_bigint() }}) as user_count
    from daily
)

select * from final
