{#- Grain: one row per account × billing period (calendar month, UTC) × billable unit of the
    taxonomy, for every month from the account's signup month to the as-of month in which it
    had a plan or billable usage.

    Quantity is the sum of fct_usage_events.quantity of the deduplicated events of that unit
    whose event time falls in the month (a late event lands in its own month) up to the as-of
    date. The plan of a period is the subscription period in force at the period end, else the
    last one in force during the period (a mid-month change bills the whole month on the plan
    the account ended it on); accounts without subscriptions use the account record's plan.
    Included quantity and overage price come from seed plan_entitlements.

    Restatement: an event loaded after the period closed (period end + var
    billing_restatement_grace_days, default 1 day) marks the period restated. -#}
{%- set grace_days = var('billing_restatement_grace_days', 1) | int -%}

with events as (
    select * from {{ ref('fct_usage_events') }}
),

accounts as (
    select * from {{ ref('dim_accounts') }}
),

plan_history as (
    select * from {{ ref('dim_account_plan_history') }}
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
        cast(billing_period_start_date as {{ dbt.type_timestamp() }}) as period_start_at,
        cast(
            {{ dbt.dateadd('month', 1, 'billing_period_start_date') }} as {{ dbt.type_timestamp() }}
        ) as next_period_start_at,
        cast(
            {{ dbt.dateadd('day', grace_days, dbt.dateadd('month', 1, 'billing_period_start_date')) }}
            as {{ dbt.type_timestamp() }}
        ) as restatement_cutoff_at
    from account_periods
),

accounts_with_subscriptions as (
    select distinct account_id from plan_history
),

-- Subscription periods overlapping the billing period; the latest started is the one in force
-- at the period end, or the last one in force when the subscription ended during the month.
period_plans as (
    select
        periods.account_id,
        periods.billing_period_start_date,
        plan_history.plan,
        row_number() over (
            partition by periods.account_id, periods.billing_period_start_date
            order by plan_history.valid_from desc nulls last, plan_history.period_number desc nulls last
        ) as plan_rank
    from periods
    inner join plan_history
        on
            periods.account_id = plan_history.account_id
            and periods.next_period_start_at > plan_history.valid_from
            and (periods.period_start_at < plan_history.valid_to or plan_history.valid_to is null)
),

period_units as (
    select
        periods.account_id,
        periods.billing_period_start_date,
        periods.billing_period_end_date,
        periods.restatement_cutoff_at,
        billable_units.billable_unit,
        case
            when accounts_with_subscriptions.account_id is null then accounts.plan
            else period_plans.plan
        end as plan
    from periods
    cross join billable_units
    left join accounts
        on periods.account_id = accounts.account_id
    left join accounts_with_subscriptions
        on periods.account_id = accounts_with_subscriptions.account_id
    left join period_plans
        on
            periods.account_id = period_plans.account_id
            and periods.billing_period_start_date = period_plans.billing_period_start_date
            and period_plans.plan_rank = 1
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
