{#- Grain: one row per cohort_type × cohort_feature × entity_type × cohort_grain ×
    cohort_start_date × period_number.

    A member's periods count from their own cohort date (int_retention__cohort_members):
    week grain, period n = days [7n, 7n + 7) after it; month grain, [cohort date + n months,
    cohort date + n + 1 months). Period 0 contains the cohort day. Retained in period n: active
    use in it (int_retention__activity_days), of the cohort's own feature for a
    feature_first_use cohort, of anything for a signup cohort. Members are grouped by the
    calendar week (Monday) or month of their cohort date. Rows: periods 0 .. var
    retention_max_periods that have started for at least one member by the as-of date, zeros
    included; is_period_complete once the period has ended for every member. -#}

{%- set grains = retention_grains() %}

with members as (
    select * from {{ ref('int_retention__cohort_members') }}
),

activity_days as {{ not_materialized() }} (
    select * from {{ ref('int_retention__activity_days') }}
),

dates as (
    select * from {{ ref('dim_dates') }}
),

as_of as (
    select max(as_of_date) as as_of_date
    from dates
),

numbers as (
    {{ dbt.generate_series(retention_max_periods() + 1) }}
),

periods as (
    select cast(generated_number - 1 as {{ dbt.type_int() }}) as period_number
    from numbers
),

member_periods as (
    {%- for grain in grains %}
    select
        members.entity_type,
        members.entity_id,
        members.cohort_type,
        members.cohort_feature,
        '{{ grain }}' as cohort_grain,
        cast({{ dbt.date_trunc(grain, 'members.cohort_date') }} as date) as cohort_start_date,
        periods.period_number,
        {{ retention_period_start(grain, 'members.cohort_date', 'periods.period_number') }} as period_start_date,
        {{ retention_period_last_day(grain, 'members.cohort_date', 'periods.period_number') }} as period_last_date
    from members
    cross join periods
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

retained_member_periods as (
    {%- for grain in grains %}
    select distinct
        members.entity_type,
        members.entity_id,
        members.cohort_type,
        members.cohort_feature,
        '{{ grain }}' as cohort_grain,
        {{ retention_period_number(grain, 'members.cohort_date', 'activity_days.activity_date') | indent(8) }}
            as period_number
    from members
    inner join activity_days
        on
            members.entity_type = activity_days.entity_type
            and members.entity_id = activity_days.entity_id
            and members.cohort_feature = activity_days.feature
            and members.cohort_date <= activity_days.activity_date
            -- days after the last period counted would make no row: not joined
            and activity_days.activity_date
            <= {{ retention_period_last_day(grain, 'members.cohort_date', retention_max_periods()) }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

member_period_status as (
    select
        member_periods.entity_type,
        member_periods.cohort_type,
        member_periods.cohort_feature,
        member_periods.cohort_grain,
        member_periods.cohort_start_date,
        member_periods.period_number,
        member_periods.period_start_date,
        member_periods.period_last_date,
        member_periods.period_start_date <= as_of.as_of_date as is_period_started,
        retained_member_periods.period_number is not null as is_retained
    from member_periods
    cross join as_of
    left join retained_member_periods
        on
            member_periods.entity_type = retained_member_periods.entity_type
            and member_periods.entity_id = retained_member_periods.entity_id
            and member_periods.cohort_type = retained_member_periods.cohort_type
            and member_periods.cohort_feature = retained_member_periods.cohort_feature
            and member_periods.cohort_grain = retained_member_periods.cohort_grain
            and member_periods.period_number = retained_member_periods.period_number
),

cohort_periods as (
    select
        cohort_type,
        cohort_feature,
        entity_type,
        cohort_grain,
        cohort_start_date,
        period_number,
        min(period_start_date) as first_period_start_date,
        max(period_last_date) as period_complete_date,
        count(*) as cohort_size,
        sum(case when is_period_started then 1 else 0 end) as period_started_count,
        sum(case when is_retained then 1 else 0 end) as retained_count
    from member_period_status
    group by
        cohort_type,
        cohort_feature,
        entity_type,
        cohort_grain,
        cohort_start_date,
        period_number
),

final as (
    select
        cast(cohort_periods.cohort_type as {{ dbt.type_string() }}) as cohort_type,
        cast(cohort_periods.cohort_feature as {{ dbt.type_string() }}) as cohort_feature,
        cast(cohort_periods.entity_type as {{ dbt.type_string() }}) as entity_type,
        cast(cohort_periods.cohort_grain as {{ dbt.type_string() }}) as cohort_grain,
        cast(cohort_periods.cohort_start_date as date) as cohort_start_date,
        cast(cohort_periods.period_number as {{ dbt.type_int() }}) as period_number,
        cast(cohort_periods.first_period_start_date as date) as first_period_start_date,
        cast(cohort_periods.period_complete_date as date) as period_complete_date,
        cast(as_of.as_of_date as date) as as_of_date,
        cast(cohort_periods.cohort_size as {{ dbt.type_bigint() }}) as cohort_size,
        cast(cohort_periods.period_started_count as {{ dbt.type_bigint() }}) as period_started_count,
        cast(cohort_periods.retained_count as {{ dbt.type_bigint() }}) as retained_count,
        cast(
            cohort_periods.retained_count * 1.0 / nullif(cohort_periods.cohort_size, 0) as {{ type_double() }}
        ) as retention_rate,
        cast(cohort_periods.period_complete_date <= as_of.as_of_date as {{ dbt.type_boolean() }})
            as is_period_complete
    from cohort_periods
    cross join as_of
    where cohort_periods.first_period_start_date <= as_of.as_of_date
)

select * from final
