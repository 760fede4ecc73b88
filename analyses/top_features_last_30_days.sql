-- The features with most active accounts over the 30 days up to the latest usage date.
with daily as (
    select * from {{ ref('fct_account_daily_usage') }}
),

latest as (
    select max(usage_date) as latest_date from daily
),

recent as (
    select daily.*
    from daily
    cross join latest
    where daily.usage_date > {{ dbt.dateadd('day', -30, 'latest.latest_date') }}
),

ranked as (
    select
        feature,
        module,
        product,
        count(distinct account_id) as active_account_count,
        sum(event_count) as event_count
    from recent
    where active_event_count > 0
    group by feature, module, product
)

select * from ranked
order by active_account_count desc, event_count desc
