{#- Grain: one row per account × calendar month, dense from the month of signup to the month
    holding the as-of date.

    A feature is used when the account has any event mapped to it in the month ('unmapped'
    events do not count); shares are of every feature / module in the taxonomy
    (dim_features). -#}

with account_daily_usage as (
    select * from {{ ref('fct_account_daily_usage') }}
),

user_active_days as (
    select * from {{ ref('int_engagement__user_active_days') }}
),

dates as (
    select * from {{ ref('dim_dates') }}
),

accounts as (
    select * from {{ ref('dim_accounts') }}
),

features as (
    select * from {{ ref('dim_features') }}
),

months as (
    select
        month_start_date,
        cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 1, 'month_start_date')) }} as date) as month_end_date,
        max(as_of_date) as as_of_date
    from dates
    group by month_start_date
),

account_months as (
    select
        accounts.account_id,
        months.month_start_date,
        months.month_end_date,
        months.as_of_date
    from accounts
    inner join months
        on months.month_start_date >= cast({{ dbt.date_trunc('month', 'accounts.signup_date') }} as date)
),

monthly_usage as (
    select
        account_daily_usage.account_id,
        dates.month_start_date,
        count(distinct account_daily_usage.feature) as feature_count,
        count(distinct account_daily_usage.module) as module_count,
        count(distinct account_daily_usage.product) as product_count
    from account_daily_usage
    inner join dates
        on account_daily_usage.usage_date = dates.date_day
    where account_daily_usage.feature <> 'unmapped'
    group by
        account_daily_usage.account_id,
        dates.month_start_date
),

monthly_activity as (
    select
        account_id,
        month_start_date,
        count(distinct usage_date) as active_day_count
    from user_active_days
    where is_active
    group by
        account_id,
        month_start_date
),

catalog as (
    select
        count(distinct feature) as available_feature_count,
        count(distinct module) as available_module_count
    from features
    where feature <> 'unmapped'
),

final as (
    select
        account_months.account_id,
        account_months.month_start_date,
        account_months.month_end_date,
        account_months.month_end_date <= account_months.as_of_date as is_complete_month,
        cast(coalesce(monthly_activity.active_day_count, 0) as {{ dbt.type_int() }}) as active_day_count,
        cast(coalesce(monthly_usage.feature_count, 0) as {{ dbt.type_int() }}) as feature_count,
        cast(coalesce(monthly_usage.module_count, 0) as {{ dbt.type_int() }}) as module_count,
        cast(coalesce(monthly_usage.product_count, 0) as {{ dbt.type_int() }}) as product_count,
        cast(catalog.available_feature_count as {{ dbt.type_int() }}) as available_feature_count,
        cast(catalog.available_module_count as {{ dbt.type_int() }}) as available_module_count,
        cast(
            coalesce(monthly_usage.feature_count, 0) * 1.0 / nullif(catalog.available_feature_count, 0)
            as {{ type_double() }}
        ) as feature_breadth_share,
        cast(
            coalesce(monthly_usage.module_count, 0) * 1.0 / nullif(catalog.available_module_count, 0)
            as {{ type_double() }}
        ) as module_breadth_share
    from account_months
    cross join catalog
    left join monthly_usage
        on
            account_months.account_id = monthly_usage.account_id
            and account_months.month_start_date = monthly_usage.month_start_date
    left join monthly_activity
        on
            account_months.account_id = monthly_activity.account_id
            and account_months.month_start_date = monthly_activity.month_start_date
)

select * from final
