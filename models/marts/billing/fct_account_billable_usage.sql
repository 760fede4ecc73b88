{#- Grain: one row per account × billing period (calendar month, UTC) × billable unit of the
    taxonomy, for every month from the account's signup month to the as-of month in which it
    had a plan or billable usage.

    Quantity is the sum of fct_usage_events.quantity of the deduplicated events of that unit
    whose event time falls in the month (a late event lands in its own month) up to the as-of
    date. The plan of a period is the plan in force (int_accounts__plan_days) on the period's
    last day, else on its last day with a plan in force (a mid-month change bills the whole
    month on the plan the account ended it on); accounts without subscriptions use the account
    record's plan.
    Included quantity and overage price come from seed plan_entitlements.

    Restatement: an event loaded after the period closed (period end + var
    billing_restatement_grace_days, default 1 day) marks the period restated. -#}
{%- set grace_days = var('billing_restatement_grace_days') | int -%}

with events as (
    select * from {{ ref('fct_usage_events') }}
),

accounts as (
    select * from {{ ref('dim_accounts') }}
),

plan_days as (
    select * from {{ ref('int_accounts__plan_days') }}
),

dates as (
    select * from {{ ref('dim_dates') }}
),

taxonomy as (
    select * from {{ ref('stg_config__usage_taxonomy') }}
),

entitlements as (
    select * from {{ ref('plan_entitlements') }}
),

as_of as (
    select max(as_of_date) as as_of_date from dates
),

months as (
    select distinct month_start_date from dates
),

billable_units as (
    select distinct billable_unit from taxonomy
    where billable_unit is not null
),

billable_events as (
    select
        events.account_id,
        events.billable_unit,
        events.quantity,
        events.loaded_at,
        cast({{ dbt.date_trunc('month', 'events.event_date') }} as date) as billing_period_start_date
    from events
    cross join as_of
    where
        events.account_id is not null
        and events.billable_unit is not null
        and events.event_date <= as_of.as_of_date
),

-- A period closes at its end (the next month's first instant); loads after the grace period
-- that follows are restatements.
billable_events_closed as (
    select
        *,
        cast(
            {{ dbt.dateadd('day', grace_days, dbt.dateadd('month', 1, 'billing_period_start_date')) }}
            as {{ dbt.type_timestamp() }}
        ) as restatement_cutoff_at
    from billable_events
),

usage as (
    select
        account_id,
        billing_period_start_date,
        billable_unit,
        count(*) as event_count,
        sum(quantity) as quantity,
        max(loaded_at) as last_loaded_at,
        sum(case when loaded_at > restatement_cutoff_at then quantity else 0 end) as late_loaded_quantity,
        sum(case when loaded_at > restatement_cutoff_at then 1 else 0 end) as late_loaded_event_count
    from billable_events_closed
    group by
        account_id,
        billing_period_start_date,
        billable_unit
),

account_periods as (
    select
        accounts.account_id,
        months.month_start_date as billing_period_start_date
    from accounts
    inner join months
        on months.month_start_date >= cast({{ dbt.date_trunc('month', 'accounts.signup_date') }} as date)

    union

    select
        account_id,
        billing_period_start_date
    from usage
),

periods as (
    select
        account_id,
        billing_period_start_date,
        cast(
            {{ dbt.dateadd('day', -1, dbt.dateadd('month', 1, 'billing_period_start_date')) }}
            as date
        ) as billing_period_end_date,
        cast(
            {{ dbt.dateadd('day', grace_days, dbt.dateadd('month', 1, 'billing_period_start_date')) }}
            as {{ dbt.type_timestamp() }}
        ) as restatement_cutoff_at
    from account_periods
),

-- The plan on the last day of the month with a plan in force: the period's last day (or the
-- as-of date), else the last day a subscription was in force when it ended during the month.
period_end_plans as (
    select
        account_id,
        month_start_date as billing_period_start_date,
        plan,
        row_number() over (
            partition by account_id, month_start_date
            order by date_day desc nulls last
        ) as day_rank
    from plan_days
    where has_plan_in_force
),

period_units as (
    select
        periods.account_id,
        periods.billing_period_start_date,
        periods.billing_period_end_date,
        periods.restatement_cutoff_at,
        billable_units.billable_unit,
        period_end_plans.plan
    from periods
    cross join billable_units
    left join period_end_plans
        on
            periods.account_id = period_end_plans.account_id
            and periods.billing_period_start_date = period_end_plans.billing_period_start_date
            and period_end_plans.day_rank = 1
),

priced as (
    select
        period_units.account_id,
        period_units.billing_period_start_date,
        period_units.billing_period_end_date,
        period_units.restatement_cutoff_at,
        period_units.billable_unit,
        period_units.plan,
        entitlements.overage_unit_price,
        entitlements.currency,
        usage.last_loaded_at,
        coalesce(usage.event_count, 0) as event_count,
        coalesce(usage.quantity, 0) as quantity,
        coalesce(entitlements.included_quantity, 0) as included_quantity,
        coalesce(usage.late_loaded_quantity, 0) as late_loaded_quantity,
        coalesce(usage.late_loaded_event_count, 0) > 0 as is_restated
    from period_units
    left join usage
        on
            period_units.account_id = usage.account_id
            and period_units.billing_period_start_date = usage.billing_period_start_date
            and period_units.billable_unit = usage.billable_unit
    left join entitlements
        on
            period_units.plan = entitlements.plan
            and period_units.billable_unit = entitlements.billable_unit
    where
        period_units.plan is not null
        or usage.event_count > 0
),

with_overage as (
    select
        *,
        case when quantity > included_quantity then quantity - included_quantity else 0 end as overage_quantity
    from priced
),

final as (
    select
        cast(
            {{ dbt.hash(dbt.concat([
                'with_overage.account_id', "'|'",
                'cast(with_overage.billing_period_start_date as ' ~ dbt.type_string() ~ ')', "'|'",
                'with_overage.billable_unit',
            ])) }} as {{ dbt.type_string() }}
        ) as billable_usage_id,
        cast(with_overage.account_id as {{ dbt.type_string() }}) as account_id,
        cast(with_overage.billing_period_start_date as date) as billing_period_start_date,
        cast(with_overage.billing_period_end_date as date) as billing_period_end_date,
        cast(with_overage.billable_unit as {{ dbt.type_string() }}) as billable_unit,
        cast(with_overage.plan as {{ dbt.type_string() }}) as plan,
        cast(with_overage.event_count as {{ dbt.type_bigint() }}) as event_count,
        cast(with_overage.quantity as {{ dbt.type_numeric() }}) as quantity,
        cast(with_overage.included_quantity as {{ dbt.type_numeric() }}) as included_quantity,
        cast(with_overage.overage_quantity as {{ dbt.type_numeric() }}) as overage_quantity,
        cast(with_overage.overage_unit_price as {{ dbt.type_numeric() }}) as overage_unit_price,
        cast(
            case
                when with_overage.overage_quantity = 0 then 0
                else with_overage.overage_quantity * with_overage.overage_unit_price
            end as {{ dbt.type_numeric() }}
        ) as overage_amount,
        cast(with_overage.currency as {{ dbt.type_string() }}) as currency,
        with_overage.billing_period_end_date <= as_of.as_of_date as is_period_complete,
        cast(with_overage.last_loaded_at as {{ dbt.type_timestamp() }}) as last_loaded_at,
        cast(with_overage.restatement_cutoff_at as {{ dbt.type_timestamp() }}) as restatement_cutoff_at,
        cast(with_overage.late_loaded_quantity as {{ dbt.type_numeric() }}) as late_loaded_quantity,
        with_overage.is_restated,
        cast(as_of.as_of_date as date) as as_of_date
    from with_overage
    cross join as_of
)

select * from final
