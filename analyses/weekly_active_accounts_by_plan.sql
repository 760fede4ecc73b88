-- Weekly active accounts by current plan: accounts with at least one active-use event in the week.
with daily as (
    select * from {{ ref('fct_account_daily_product_usage') }}
),

accounts as (
    select * from {{ ref('dim_accounts') }}
),

weekly as (
    select
        accounts.plan,
        cast({{ dbt.date_trunc('week', 'daily.usage_date') }} as date) as usage_week,
        count(distinct daily.account_id) as active_account_count
    from daily
    inner join accounts
        on daily.account_id = accounts.account_id
    where daily.active_event_count > 0
    group by
        accounts.plan,
        cast({{ dbt.date_trunc('week', 'daily.usage_date') }} as date)
)

select * from weekly
order by usage_week, plan
