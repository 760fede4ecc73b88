{{ config(
    post_hook="{{ delete_rows_without_plan_day() }}",
    **upsert_config(['account_id', 'date_day'])
) }}

{#- Grain: one row per account × UTC day, dense, from the account's signup date to the as-of date.

    Distinct users over trailing windows are exact and cost one pass over the user-days:
    a user counts in the window of day t when their latest active day on or before t lies
    within the window. So each active day d "covers" the days from d up to (not including)
    the user's next active day or d + window, whichever comes first. The spans of one user
    never overlap, so +1 at the start of every span and -1 at its end, summed over the
    days up to t, give the number of distinct users in the window of t. The same holds
    for distinct features used.

    The calendar starts `lead_in_days` before signup so that every trailing window is
    complete on the signup day (activity before signup, e.g. a trial workspace, counts);
    those lead-in days are dropped at the end.

    Incremental: a row's values read only its own day and the `lead_in_days` before it, and
    its plan columns. A run writes, per account, the days from the earliest day of an input
    row loaded after the watermark (or the day after the newest day kept) to the as-of date,
    computed from the `lead_in_days` before them; an account whose first day is not the one
    stored (a signup date that changed), whose stored plan columns differ from
    int_accounts__plan_days (a subscription edited after the fact) or whose onboarding flag
    changed (var onboarding_period_days edited) is written whole. The
    post-hook deletes the rows that have no day in int_accounts__plan_days any more (after a
    moved-back as-of date, before a later signup date). -#}

{%- set wau_days = 7 -%}
{%- set mau_days = 28 -%}
{%- set lead_in_days = 2 * mau_days - 1 -%}

{%- set plan_columns = ['plan', 'paid_seats', 'has_subscription_in_force', 'is_subscription_ended'] %}

with accounts as (
    select * from {{ ref('dim_accounts') }}
),

dates as (
    select * from {{ ref('dim_dates') }}
),

plan_days as (
    select * from {{ ref('int_accounts__plan_days') }}
),

user_active_days as {{ not_materialized() }} (
    select * from {{ ref('int_engagement__user_active_days') }}
),

account_daily_usage as {{ not_materialized() }} (
    select * from {{ ref('fct_account_daily_usage') }}
),

{% if is_incremental() %}
-- The earliest day of an input row loaded after the watermark, or the day after the newest
-- day kept (the as-of date moved over it).
recompute as (
    {{ recompute_from_date(
        [('user_active_days', 'usage_date'), ('account_daily_usage', 'usage_date')], newest_of='date_day'
    ) | indent(4) }}
),

stored_accounts as (
    {{ stored_account_first_days() }}
),

-- Accounts with a stored row whose plan columns are no longer those of int_accounts__plan_days,
-- or whose onboarding flag changed (var onboarding_period_days edited).
replanned_accounts as (
    {%- set compared_columns = {} -%}
    {%- for column in plan_columns -%}
        {%- do compared_columns.update({column: 'seats' if column == 'paid_seats' else column}) -%}
    {%- endfor -%}
    {%- set onboarding_changed -%}
        stored.is_onboarding
        <> ({{ days_between('stored.signup_date', 'stored.date_day') }} < {{ var('onboarding_period_days') | int }})
    {%- endset %}
    {{ accounts_with_changed_days(
        'plan_days',
        compared_columns,
        also_changed=onboarding_changed,
    ) | indent(4) }}
),
{% endif %}

-- Per account: the first day written in this run.
account_windows as (
    {{- account_written_from_dates() }}
),

computed_accounts as (
    select
        account_id,
        signup_date,
        written_from_date,
        cast({{ dbt.dateadd('day', -lead_in_days, 'written_from_date') }} as date) as calendar_start_date
    from account_windows
    where written_from_date <= (select max(dates.as_of_date) from dates)
),

calendar as (
    select
        computed_accounts.account_id,
        computed_accounts.signup_date,
        computed_accounts.written_from_date,
        dates.date_day
    from computed_accounts
    inner join dates
        on computed_accounts.calendar_start_date <= dates.date_day
),

active_user_days as (
    select
        user_active_days.account_id,
        user_active_days.user_id,
        user_active_days.usage_date,
        lead(user_active_days.usage_date) over (
            partition by user_active_days.account_id, user_active_days.user_id
            order by user_active_days.usage_date asc nulls last
        ) as next_usage_date
    from user_active_days
    inner join computed_accounts
        on user_active_days.account_id = computed_accounts.account_id
    where
        user_active_days.is_active
        and user_active_days.usage_date >= computed_accounts.calendar_start_date
),

feature_days as (
    select
        account_daily_usage.account_id,
        account_daily_usage.feature,
        account_daily_usage.usage_date,
        lead(account_daily_usage.usage_date) over (
            partition by account_daily_usage.account_id, account_daily_usage.feature
            order by account_daily_usage.usage_date asc nulls last
        ) as next_usage_date
    from account_daily_usage
    inner join computed_accounts
        on account_daily_usage.account_id = computed_accounts.account_id
    where
        account_daily_usage.feature <> 'unmapped'
        and account_daily_usage.usage_date >= computed_accounts.calendar_start_date
),


window_deltas as (
    select
        account_id,
        usage_date as delta_date,
        1 as wau_delta,
        1 as mau_delta,
        0 as feature_delta
    from active_user_days
    union all
    select
        account_id,
        {{ coverage_span_end('usage_date', 'next_usage_date', wau_days) }} as delta_date,
        -1 as wau_delta,
        0 as mau_delta,
        0 as feature_delta
    from active_user_days
    union all
    select
        account_id,
        {{ coverage_span_end('usage_date', 'next_usage_date', mau_days) }} as delta_date,
        0 as wau_delta,
        -1 as mau_delta,
        0 as feature_delta
    from active_user_days
    union all
    select
        account_id,
        usage_date as delta_date,
        0 as wau_delta,
        0 as mau_delta,
        1 as feature_delta
    from feature_days
    union all
    select
        account_id,
        {{ coverage_span_end('usage_date', 'next_usage_date', mau_days) }} as delta_date,
        0 as wau_delta,
        0 as mau_delta,
        -1 as feature_delta
    from feature_days
),

daily_deltas as (
    select
        account_id,
        delta_date,
        sum(wau_delta) as wau_delta,
        sum(mau_delta) as mau_delta,
        sum(feature_delta) as feature_delta
    from window_deltas
    group by
        account_id,
        delta_date
),

daily_active_users as (
    select
        account_id,
        usage_date,
        count(distinct user_id) as dau
    from user_active_days
    where
        is_active
        and usage_date >= (select min(computed_accounts.calendar_start_date) from computed_accounts)
    group by
        account_id,
        usage_date
),

daily_events as (
    select
        account_id,
        usage_date,
        sum(event_count) as event_count,
        sum(active_event_count) as active_event_count,
        sum(value_event_count) as value_event_count,
        sum(error_event_count) as error_event_count,
        max(loaded_at) as loaded_at
    from account_daily_usage
    where usage_date >= (select min(computed_accounts.calendar_start_date) from computed_accounts)
    group by
        account_id,
        usage_date
),

daily as (
    select
        calendar.account_id,
        calendar.signup_date,
        calendar.written_from_date,
        calendar.date_day,
        daily_events.loaded_at,
        coalesce(daily_active_users.dau, 0) as dau,
        coalesce(daily_events.event_count, 0) as event_count,
        coalesce(daily_events.active_event_count, 0) as active_event_count,
        coalesce(daily_events.value_event_count, 0) as value_event_count,
        coalesce(daily_events.error_event_count, 0) as error_event_count,
        coalesce(daily_deltas.wau_delta, 0) as wau_delta,
        coalesce(daily_deltas.mau_delta, 0) as mau_delta,
        coalesce(daily_deltas.feature_delta, 0) as feature_delta
    from calendar
    left join daily_active_users
        on
            calendar.account_id = daily_active_users.account_id
            and calendar.date_day = daily_active_users.usage_date
    left join daily_events
        on
            calendar.account_id = daily_events.account_id
            and calendar.date_day = daily_events.usage_date
    left join daily_deltas
        on
            calendar.account_id = daily_deltas.account_id
            and calendar.date_day = daily_deltas.delta_date
),


windowed as (
    select
        account_id,
        signup_date,
        written_from_date,
        date_day,
        dau,
        event_count,
        active_event_count,
        value_event_count,
        error_event_count,
        {{ trailing_window_sum('wau_delta', 'unbounded preceding') }} as wau,
        {{ trailing_window_sum('mau_delta', 'unbounded preceding') }} as mau,
        {{ trailing_window_sum('feature_delta', 'unbounded preceding') }} as features_used_28d,
        {{ trailing_window_sum('case when dau > 0 then 1 else 0 end', (mau_days - 1) ~ ' preceding') }} as active_days_28d,
        {{ trailing_window_sum('event_count', (wau_days - 1) ~ ' preceding') }} as event_count_7d,
        {{ trailing_window_sum('error_event_count', (wau_days - 1) ~ ' preceding') }} as error_event_count_7d,
        {{ trailing_window_sum('value_event_count', (mau_days - 1) ~ ' preceding') }} as value_event_count_28d,
        {{ trailing_window_sum('value_event_count', lead_in_days ~ ' preceding', mau_days ~ ' preceding') }}
            as value_event_count_prior_28d,
        -- the newest load time of the days the row's values read
        max(loaded_at) over (
            partition by account_id
            order by date_day asc nulls last
            rows between {{ lead_in_days }} preceding and current row
        ) as loaded_at
    from daily
),

final as (
    select
        windowed.account_id,
        windowed.date_day,
        windowed.signup_date,
        cast(
            {{ days_between('windowed.signup_date', 'windowed.date_day') }} as {{ dbt.type_int() }}
        ) as days_since_signup,
        {{ days_between('windowed.signup_date', 'windowed.date_day') }}
        < {{ var('onboarding_period_days') | int }} as is_onboarding,
        cast(plan_days.plan as {{ dbt.type_string() }}) as plan,
        cast(plan_days.seats as {{ dbt.type_int() }}) as paid_seats,
        plan_days.has_subscription_in_force,
        plan_days.is_subscription_ended,
        windowed.dau > 0 as is_active_day,
        cast(windowed.dau as {{ dbt.type_bigint() }}) as dau,
        cast(windowed.wau as {{ dbt.type_bigint() }}) as wau,
        cast(windowed.mau as {{ dbt.type_bigint() }}) as mau,
        -- double divisions: the same last digit on every engine (Spark rounds a decimal quotient)
        cast(windowed.dau as {{ type_double() }}) / nullif(windowed.mau, 0) as stickiness,
        cast(windowed.mau as {{ type_double() }}) / nullif(plan_days.seats, 0) as seat_utilization,
        cast(windowed.active_days_28d as {{ dbt.type_int() }}) as active_days_28d,
        cast(windowed.features_used_28d as {{ dbt.type_int() }}) as features_used_28d,
        cast(windowed.event_count as {{ dbt.type_bigint() }}) as event_count,
        cast(windowed.active_event_count as {{ dbt.type_bigint() }}) as active_event_count,
        cast(windowed.value_event_count as {{ dbt.type_bigint() }}) as value_event_count,
        cast(windowed.error_event_count as {{ dbt.type_bigint() }}) as error_event_count,
        cast(windowed.event_count_7d as {{ dbt.type_bigint() }}) as event_count_7d,
        cast(windowed.error_event_count_7d as {{ dbt.type_bigint() }}) as error_event_count_7d,
        cast(windowed.value_event_count_28d as {{ dbt.type_bigint() }}) as value_event_count_28d,
        cast(windowed.value_event_count_prior_28d as {{ dbt.type_bigint() }}) as value_event_count_prior_28d,
        cast(windowed.loaded_at as {{ dbt.type_timestamp() }}) as loaded_at
    -- The plan spine starts on the signup date: the lead-in days drop out here.
    from windowed
    inner join plan_days
        on
            windowed.account_id = plan_days.account_id
            and windowed.date_day = plan_days.date_day
    where windowed.date_day >= windowed.written_from_date
)

select * from final
