{{ config(
    pre_hook="{{ delete_if_config_changed('signals_fingerprint', alert_signals_fingerprint()) }}",
    post_hook="{{ delete_rows_without_plan_day() }}",
    **upsert_config(['account_id', 'date_day'])
) }}

{#- Grain: one row per account × UTC day, dense from the account's signup date to the as-of
    date (days without usage included), with every signal an alert rule (seed alert_rules)
    can test. No column holds the as-of date itself: a row that did not change is not written
    again when the date moves (dim_dates has it). Windows are trailing and end on the row's day: "7d" = the day and the 6 before.

    Plan, seats and liveness come from int_accounts__plan_days: the plan and seats of the
    subscription period in force on the day, or the account record's for accounts that never
    had a subscription, null on days not covered by a subscription of an account that has
    some. An account is live on a day when it is not deleted and has such a plan in force;
    rules are evaluated only on live days. Activity signals shared with engagement (active
    events, active users over 28 days, seat utilization) come from fct_account_engagement_daily.

    Incremental: a row reads its own day and the 34 days before it (the month-to-date quantity:
    its month's days), its plan columns, and the last active day before it. A run writes, per
    account, the days from the earliest day of an input row loaded after the watermark (or the
    day after the newest day kept) to the as-of date, computed from the 34 days before them
    (the whole month of the first of them, for the quantity) and the last active day before
    those; an account whose first day is not the one stored (a signup date that changed) or
    whose stored plan columns differ from int_accounts__plan_days is written whole. The
    pre-hook empties the table when plan_entitlements or the alert vars change; the post-hook
    deletes the rows that have no day in int_accounts__plan_days any more. -#}
{%- set lead_days = 34 -%}
{%- set export_features = var('alert_export_features') -%}
{%- set advanced_features = var('alert_advanced_features') -%}
{%- set error_rate_sources = var('alert_error_rate_sources') -%}
{%- set error_rate_min_operations = var('alert_error_rate_min_operations') | int -%}

with plan_days as (
    select * from {{ ref('int_accounts__plan_days') }}
),

engagement as (
    select * from {{ ref('fct_account_engagement_daily') }}
),

feature_usage as (
    select * from {{ ref('fct_account_daily_usage') }}
),

operations as (
    select * from {{ ref('int_alerts__account_daily_operations') }}
),

entitlements as (
    select * from {{ ref('plan_entitlements') }}
),

dates as (
    select * from {{ ref('dim_dates') }}
),

account_days as (
    select
        account_id,
        date_day,
        month_start_date,
        signup_date,
        is_account_live,
        case when has_plan_in_force then plan end as plan,
        case when has_plan_in_force then seats end as seats
    from plan_days
),

accounts as (
    select
        account_id,
        min(signup_date) as signup_date
    from plan_days
    group by account_id
),

{% if is_incremental() %}
-- The earliest day of an input row loaded after the watermark, or the day after the newest
-- day kept (the as-of date moved over it).
recompute as (
    {{ recompute_from_date(
        [('engagement', 'date_day'), ('feature_usage', 'usage_date'), ('operations', 'usage_date')],
        newest_of='date_day'
    ) | indent(4) }}
),

stored_accounts as (
    {{ stored_account_first_days() }}
),

-- Accounts with a stored row whose plan columns are no longer those of int_accounts__plan_days.
replanned_accounts as (
    {{ accounts_with_changed_days(
        'account_days',
        ['plan', 'seats', 'is_account_live', 'signup_date'],
    ) | indent(4) }}
),
{% endif %}

-- Per account: the first day written in this run.
account_windows as (
    {{- account_written_from_dates() }}
),

-- The first day read: lead_days before the first day written (its windows), not before signup.
computed_froms as (
    select
        account_id,
        written_from_date,
        greatest(
            signup_date,
            cast({{ dbt.dateadd('day', -lead_days, 'written_from_date') }} as date)
        ) as computed_from_date
    from account_windows
    where written_from_date <= (select max(plan_days.as_of_date) from plan_days)
),

-- And the first day of its month, read for the month-to-date quantity.
computed_accounts as (
    select
        *,
        cast({{ dbt.date_trunc('month', 'computed_from_date') }} as date) as computed_month_start_date
    from computed_froms
),

computed_days as (
    {{ account_rows_from(
        'account_days', 'date_day', 'computed_accounts', 'computed_from_date', ['computed_accounts.written_from_date']
    ) | indent(4) }}
),

-- The last day with an active user before the days read (null on a full build).
earlier_active as (
    select
        engagement.account_id,
        max(engagement.date_day) as last_active_user_date
    from engagement
    inner join computed_accounts
        on
            engagement.account_id = computed_accounts.account_id
            and engagement.date_day < computed_accounts.computed_from_date
    where engagement.is_active_day
    group by engagement.account_id
),

-- The input rows of the days read.
computed_feature_usage as (
    {{ account_rows_from('feature_usage', 'usage_date', 'computed_accounts', 'computed_from_date') | indent(4) }}
),

-- From the first day of the month of the first day read: the month-to-date quantity reads it.
computed_operations as (
    {{ account_rows_from('operations', 'usage_date', 'computed_accounts', 'computed_month_start_date') | indent(4) }}
),

-- The newest load of the operations rows of each day (their sources and billable units).
daily_operation_loads as (
    select
        account_id,
        usage_date,
        max(loaded_at) as loaded_at
    from computed_operations
    group by
        account_id,
        usage_date
),

daily_feature_use as (
    select
        account_id,
        usage_date,
        sum(
            case when feature in {{ alert_text_list(export_features) }} then event_count else 0 end
        ) as export_event_count,
        sum(
            case when feature in {{ alert_text_list(advanced_features) }} then event_count else 0 end
        ) as advanced_event_count
    from computed_feature_usage
    where
        feature in {{ alert_text_list(export_features) }}
        or feature in {{ alert_text_list(advanced_features) }}
    group by
        account_id,
        usage_date
),

-- Operations: events of the sources that record success or failure (server logs by default).
daily_operations as (
    select
        account_id,
        usage_date,
        sum(event_count) as operation_event_count,
        sum(error_event_count) as error_event_count
    from computed_operations
    where source in {{ alert_text_list(error_rate_sources) }}
    group by
        account_id,
        usage_date
),

billable_daily as (
    select
        account_id,
        usage_date,
        billable_unit,
        sum(quantity) as quantity
    from computed_operations
    where billable_unit is not null
    group by
        account_id,
        usage_date,
        billable_unit
),

-- The months in which the account used a billable unit, up to the as-of date.
billable_months as (
    select distinct
        billable_daily.account_id,
        billable_daily.billable_unit,
        dates.month_start_date
    from billable_daily
    inner join dates
        on billable_daily.usage_date = dates.date_day
),

-- Every day of those months, up to the as-of date, with the unit's quantity of the day (null
-- on days without).
billable_unit_days as (
    select
        billable_months.account_id,
        billable_months.billable_unit,
        dates.month_start_date,
        dates.date_day,
        billable_daily.quantity
    from billable_months
    inner join dates
        on billable_months.month_start_date = dates.month_start_date
    left join billable_daily
        on
            billable_months.account_id = billable_daily.account_id
            and billable_months.billable_unit = billable_daily.billable_unit
            and dates.date_day = billable_daily.usage_date
),

-- Running sums within the month: the quantity so far, and the days with usage so far (a unit
-- not used yet this month has no month-to-date quantity).
billable_month_to_date as (
    select
        account_id,
        date_day,
        billable_unit,
        sum(coalesce(quantity, 0)) over (
            partition by account_id, billable_unit, month_start_date
            order by date_day asc nulls last
            rows between unbounded preceding and current row
        ) as quantity_month_to_date,
        count(quantity) over (
            partition by account_id, billable_unit, month_start_date
            order by date_day asc nulls last
            rows between unbounded preceding and current row
        ) as usage_days_to_date
    from billable_unit_days
),

-- Month-to-date quantity over the included quantity of the plan in force, per unit; the
-- signal is the unit closest to (or furthest over) its limit.
plan_limit_ratios as (
    select
        billable_month_to_date.account_id,
        billable_month_to_date.date_day,
        billable_month_to_date.billable_unit,
        billable_month_to_date.quantity_month_to_date * 1.0
        / nullif(entitlements.included_quantity, 0) as limit_ratio
    from billable_month_to_date
    inner join computed_days
        on
            billable_month_to_date.account_id = computed_days.account_id
            and billable_month_to_date.date_day = computed_days.date_day
    inner join entitlements
        on
            computed_days.plan = entitlements.plan
            and billable_month_to_date.billable_unit = entitlements.billable_unit
    where
        billable_month_to_date.usage_days_to_date > 0
        and entitlements.included_quantity > 0
),

ranked_plan_limit_ratios as (
    select
        *,
        row_number() over (
            partition by account_id, date_day
            order by limit_ratio desc nulls last, billable_unit asc nulls last
        ) as ratio_rank
    from plan_limit_ratios
),

daily as (
    select
        computed_days.account_id,
        computed_days.date_day,
        computed_days.signup_date,
        computed_days.plan,
        computed_days.seats,
        computed_days.is_account_live,
        computed_days.written_from_date,
        earlier_active.last_active_user_date as earlier_active_user_date,
        engagement.loaded_at as engagement_loaded_at,
        daily_operation_loads.loaded_at as operations_loaded_at,
        engagement.active_event_count,
        ranked_plan_limit_ratios.billable_unit as quantity_vs_plan_limit_unit,
        ranked_plan_limit_ratios.limit_ratio as quantity_vs_plan_limit,
        engagement.is_active_day as has_active_user,
        engagement.mau as active_user_count_28d,
        coalesce(daily_feature_use.export_event_count, 0) as export_event_count,
        coalesce(daily_feature_use.advanced_event_count, 0) > 0 as has_advanced_feature_use,
        coalesce(daily_operations.operation_event_count, 0) as operation_event_count,
        coalesce(daily_operations.error_event_count, 0) as error_event_count,
        case when computed_days.seats is not null then engagement.seat_utilization end as seat_utilization_28d
    from computed_days
    inner join engagement
        on
            computed_days.account_id = engagement.account_id
            and computed_days.date_day = engagement.date_day
    left join earlier_active
        on computed_days.account_id = earlier_active.account_id
    left join daily_operation_loads
        on
            computed_days.account_id = daily_operation_loads.account_id
            and computed_days.date_day = daily_operation_loads.usage_date
    left join daily_feature_use
        on
            computed_days.account_id = daily_feature_use.account_id
            and computed_days.date_day = daily_feature_use.usage_date
    left join daily_operations
        on
            computed_days.account_id = daily_operations.account_id
            and computed_days.date_day = daily_operations.usage_date
    left join ranked_plan_limit_ratios
        on
            computed_days.account_id = ranked_plan_limit_ratios.account_id
            and computed_days.date_day = ranked_plan_limit_ratios.date_day
            and ranked_plan_limit_ratios.ratio_rank = 1
),

-- The spine is dense (one row per day), so "N rows" is "N days"; frames reaching before the
-- signup date hold fewer rows and count as zero usage.
windowed as (
    select
        *,
        {{ trailing_window_sum('active_event_count', '6 preceding') }} as active_event_count_7d,
        coalesce({{ trailing_window_sum('active_event_count', '13 preceding', '7 preceding') }}, 0) as active_event_count_prev_7d,
        coalesce(
            max(case when has_active_user then date_day end) over (
                partition by account_id order by date_day asc nulls last
                rows between unbounded preceding and current row
            ),
            earlier_active_user_date
        ) as last_active_user_date,
        -- the newest load of what the row reads: engagement's row (its load covers the daily
        -- usage of the 55 days before) and the operations of the days of its windows
        max(operations_loaded_at) over (
            partition by account_id order by date_day asc nulls last
            rows between {{ lead_days }} preceding and current row
        ) as window_operations_loaded_at,
        {{ trailing_window_sum('export_event_count', '6 preceding') }} as export_event_count_7d,
        coalesce({{ trailing_window_sum('export_event_count', '34 preceding', '7 preceding') }}, 0) as export_event_count_baseline_28d,
        {{ trailing_window_sum('operation_event_count', '6 preceding') }} as operation_event_count_7d,
        {{ trailing_window_sum('error_event_count', '6 preceding') }} as error_event_count_7d,
        max(case when has_advanced_feature_use then 1 else 0 end) over (
            partition by account_id order by date_day asc nulls last
            rows between 6 preceding and current row
        ) as advanced_week_1,
        coalesce(max(case when has_advanced_feature_use then 1 else 0 end) over (
            partition by account_id order by date_day asc nulls last
            rows between 13 preceding and 7 preceding
        ), 0) as advanced_week_2,
        coalesce(max(case when has_advanced_feature_use then 1 else 0 end) over (
            partition by account_id order by date_day asc nulls last
            rows between 20 preceding and 14 preceding
        ), 0) as advanced_week_3,
        coalesce(max(case when has_advanced_feature_use then 1 else 0 end) over (
            partition by account_id order by date_day asc nulls last
            rows between 27 preceding and 21 preceding
        ), 0) as advanced_week_4
    from daily
),

final as (
    select
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        cast(date_day as date) as date_day,
        cast(signup_date as date) as signup_date,
        cast(
            {{ dbt.datediff('signup_date', 'date_day', 'day') }} as {{ dbt.type_int() }}
        ) as account_age_days,
        cast(plan as {{ dbt.type_string() }}) as plan,
        cast(seats as {{ dbt.type_int() }}) as seats,
        is_account_live,
        cast(active_event_count as {{ dbt.type_bigint() }}) as active_event_count,
        cast(active_event_count_7d as {{ dbt.type_bigint() }}) as active_event_count_7d,
        cast(active_event_count_prev_7d as {{ dbt.type_bigint() }}) as active_event_count_prev_7d,
        cast(
            100.0 * (active_event_count_7d - active_event_count_prev_7d) / nullif(active_event_count_prev_7d, 0)
            as {{ type_double() }}
        ) as active_event_change_pct_7d,
        has_active_user,
        cast(last_active_user_date as date) as last_active_user_date,
        {%- set last_active_or_before_signup = 'coalesce(last_active_user_date, '
            ~ dbt.dateadd('day', -1, 'signup_date') ~ ')' %}
        cast(
            {{ dbt.datediff(last_active_or_before_signup, 'date_day', 'day') }}
            as {{ dbt.type_int() }}
        ) as days_without_active_user,
        cast(export_event_count_7d as {{ dbt.type_bigint() }}) as export_event_count_7d,
        cast(export_event_count_baseline_28d as {{ dbt.type_bigint() }}) as export_event_count_baseline_28d,
        cast(
            export_event_count_7d * 1.0 / nullif(export_event_count_baseline_28d * 7.0 / 28, 0)
            as {{ type_double() }}
        ) as export_events_7d_vs_baseline,
        cast(operation_event_count_7d as {{ dbt.type_bigint() }}) as operation_event_count_7d,
        cast(error_event_count_7d as {{ dbt.type_bigint() }}) as error_event_count_7d,
        cast(
            case
                when operation_event_count_7d >= {{ error_rate_min_operations }} and operation_event_count_7d > 0
                    then error_event_count_7d * 1.0 / operation_event_count_7d
            end
            as {{ type_double() }}
        ) as error_rate_7d,
        cast(active_user_count_28d as {{ dbt.type_bigint() }}) as active_user_count_28d,
        cast(seat_utilization_28d as {{ type_double() }}) as seat_utilization_28d,
        cast(quantity_vs_plan_limit_unit as {{ dbt.type_string() }}) as quantity_vs_plan_limit_unit,
        cast(quantity_vs_plan_limit as {{ type_double() }}) as quantity_vs_plan_limit,
        cast(
            advanced_week_1 + advanced_week_2 + advanced_week_3 + advanced_week_4 as {{ dbt.type_int() }}
        ) as advanced_feature_active_weeks,
        cast(
            case
                when window_operations_loaded_at is null or engagement_loaded_at >= window_operations_loaded_at
                    then coalesce(engagement_loaded_at, window_operations_loaded_at)
                else window_operations_loaded_at
            end
            as {{ dbt.type_timestamp() }}
        ) as loaded_at,
        {{ alert_signals_fingerprint() }} as signals_fingerprint
    from windowed
    where date_day >= written_from_date
)

select * from final
