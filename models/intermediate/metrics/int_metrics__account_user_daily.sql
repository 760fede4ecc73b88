{{ config(materialized='table') }}

{#- Grain: one row per account × distinct_users metric × user × UTC day on which the user had a
    matching event.

    Distinct users over a window of days are counted from these rows (a user active on three
    days of a week is one user of the week), never summed from daily counts. Only metrics with
    aggregation distinct_users, and only events with a known user. -#}
with event_metrics as (
    select * from {{ ref('int_metrics__event_metrics') }}
),

user_daily as (
    select
        account_id,
        metric_key,
        user_id,
        event_date as metric_date,
        count(*) as event_count
    from event_metrics
    where
        aggregation = 'distinct_users'
        and user_id is not null
    group by
        account_id,
        metric_key,
        user_id,
        event_date
),

final as (
    select
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        cast(metric_key as {{ dbt.type_string() }}) as metric_key,
        cast(user_id as {{ dbt.type_string() }}) as user_id,
        cast(metric_date as date) as metric_date,
        cast(event_count as {{ dbt.type_bigint() }}) as event_count
    from user_daily
)

select * from final
