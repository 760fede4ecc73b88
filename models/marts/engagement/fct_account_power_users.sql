{#- Grain: one row per user × account with any event in the account up to the as-of date.

    Measured over the last 28 days up to and including the as-of date: a power user is
    active on at least var power_user_min_active_days of them. Rank 1 is the account's most
    active user (active days, then active events, then user_id). -#}

{%- set window_days = 28 -%}

with user_active_days as (
    select * from {{ ref('int_engagement__user_active_days') }}
),

dates as (
    select * from {{ ref('dim_dates') }}
),

as_of as (
    select max(as_of_date) as as_of_date
    from dates
),

user_totals as (
    select
        user_active_days.user_id,
        user_active_days.account_id,
        as_of.as_of_date,
        sum(
            case
                when
                    user_active_days.is_active
                    and user_active_days.usage_date > {{ dbt.dateadd('day', -window_days, 'as_of.as_of_date') }}
                    then 1
                else 0
            end
        ) as active_days_28d,
        sum(
            case
                when user_active_days.usage_date > {{ dbt.dateadd('day', -window_days, 'as_of.as_of_date') }}
                    then user_active_days.active_event_count
                else 0
            end
        ) as active_event_count_28d,
        max(case when user_active_days.is_active then user_active_days.usage_date end) as last_active_date,
        min(case when user_active_days.is_active then user_active_days.usage_date end) as first_active_date
    from user_active_days
    cross join as_of
    group by
        user_active_days.user_id,
        user_active_days.account_id,
        as_of.as_of_date
),

ranked as (
    select
        *,
        active_days_28d >= {{ var('power_user_min_active_days') | int }} as is_power_user,
        row_number() over (
            partition by account_id
            order by active_days_28d desc nulls last, active_event_count_28d desc nulls last, user_id asc nulls last
        ) as rank_in_account
    from user_totals
),

final as (
    select
        user_id,
        account_id,
        as_of_date,
        cast(active_days_28d as {{ dbt.type_int() }}) as active_days_28d,
        cast(active_event_count_28d as {{ dbt.type_bigint() }}) as active_event_count_28d,
        first_active_date,
        last_active_date,
        cast(
            {{ days_between('last_active_date', 'as_of_date') }} as {{ dbt.type_int() }}
        ) as days_since_last_active,
        is_power_user,
        cast(rank_in_account as {{ dbt.type_int() }}) as rank_in_account,
        cast(
            sum(case when is_power_user then 1 else 0 end) over (partition by account_id)
            as {{ dbt.type_int() }}
        ) as account_power_user_count
    from ranked
)

select * from final
