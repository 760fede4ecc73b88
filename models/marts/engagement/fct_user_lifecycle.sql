{#- Grain: one row per user × account × period type (week, month) × period, dense from the
    period of the user's first active day in the account to the period holding the as-of date.

    Status (macro lifecycle_status): new / returning / resurrected when active in the period;
    dormant / churned when not, churned once the last active day is more than
    var dormant_after_days before the period's reference date (its last day, or the as-of
    date for the running period). -#}
{%- set grain = ['user_id', 'account_id'] -%}

with user_active_days as (
    select * from {{ ref('int_engagement__user_active_days') }}
),

dates as (
    select * from {{ ref('dim_dates') }}
),

periods as (
    {{ lifecycle_periods() }}
),

period_activity as (
    {{ lifecycle_period_activity('user_active_days', grain, [
        'count(*) as active_day_count',
        'sum(active_event_count) as active_event_count',
        'max(usage_date) as last_active_date',
    ]) }}
),

first_periods as (
    {{ lifecycle_first_active_periods(grain) }}
),

user_periods as (
    {{ lifecycle_dense_periods(
        'first_periods', grain, 'first_active_period_start_date', ['active_day_count', 'active_event_count']
    ) }}
),

sequenced as (
    {{ lifecycle_sequenced('user_periods', grain) }}
),

classified as (
    {{ lifecycle_classified('sequenced') }}
),

final as (
    select
        user_id,
        account_id,
        cast(period_type as {{ dbt.type_string() }}) as period_type,
        period_start_date,
        period_end_date,
        reference_date,
        period_end_date <= as_of_date as is_complete_period,
        cast(lifecycle_status as {{ dbt.type_string() }}) as lifecycle_status,
        cast(
            {{ lifecycle_previous('lifecycle_status', grain) | indent(4) }} as {{ dbt.type_string() }}
        ) as previous_lifecycle_status,
        active_day_count > 0 as is_active,
        cast(active_day_count as {{ dbt.type_int() }}) as active_day_count,
        cast(active_event_count as {{ dbt.type_bigint() }}) as active_event_count,
        first_active_period_start_date,
        last_active_date,
        cast(days_since_last_active as {{ dbt.type_int() }}) as days_since_last_active
    from classified
)

select * from final
