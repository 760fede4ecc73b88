{#- Grain: one row per funnel × entity_type (user, account) × cohort grain (week, month) ×
    cohort start date (of the entry) × segment (all; plan in force on the entry day) × step.

    Counts come from int_funnels__entity_steps (ordered step matching within the window);
    every entrant of a cohort counts on every step row, so entered_count is the cohort's size
    and reached_count <= reached_previous_count <= entered_count. A cohort whose period has not
    ended, or with an entry whose window is still open on the as-of date, is still converting
    (is_window_complete false): its counts can still grow. -#}
{%- set cohort_grains = ['week', 'month'] %}

with entity_steps as (
    select * from {{ ref('int_funnels__entity_steps') }}
),

cohorted as (
    {%- for grain in cohort_grains %}
    select
        funnel_name,
        entity_type,
        entity_id,
        step_number,
        step_name,
        entry_plan,
        conversion_window_days,
        as_of_date,
        is_reached,
        previous_reached_at,
        seconds_from_previous,
        is_window_closed,
        '{{ grain }}' as cohort_grain,
        cast({{ dbt.date_trunc(grain, 'entry_date') }} as date) as cohort_start_date,
        cast({{ dbt.dateadd(grain, 1, dbt.date_trunc(grain, 'entry_date')) }} as date) as next_cohort_start_date
    from entity_steps
    {%- if not loop.last %}

    union all
    {%- endif %}
    {%- endfor %}
),

segmented as (
    select
        *,
        'all' as segment_type,
        'all' as segment_value
    from cohorted

    union all

    select
        *,
        'plan' as segment_type,
        coalesce(entry_plan, 'unknown') as segment_value
    from cohorted
),

aggregated as (
    select
        funnel_name,
        entity_type,
        cohort_grain,
        cohort_start_date,
        segment_type,
        segment_value,
        step_number,
        max(step_name) as step_name,
        max(next_cohort_start_date) as next_cohort_start_date,
        max(conversion_window_days) as conversion_window_days,
        max(as_of_date) as as_of_date,
        count(*) as entered_count,
        sum(case when step_number = 1 or previous_reached_at is not null then 1 else 0 end) as reached_previous_count,
        sum(case when is_reached then 1 else 0 end) as reached_count,
        {{ median('seconds_from_previous') }} as median_seconds_from_previous,
        sum(case when is_window_closed then 0 else 1 end) as open_window_count
    from segmented
    group by
        funnel_name,
        entity_type,
        cohort_grain,
        cohort_start_date,
        segment_type,
        segment_value,
        step_number
),

final as (
    select
        cast(funnel_name as {{ dbt.type_string() }}) as funnel_name,
        cast(entity_type as {{ dbt.type_string() }}) as entity_type,
        cast(cohort_grain as {{ dbt.type_string() }}) as cohort_grain,
        cast(cohort_start_date as date) as cohort_start_date,
        cast({{ dbt.dateadd('day', -1, 'next_cohort_start_date') }} as date) as cohort_end_date,
        cast(segment_type as {{ dbt.type_string() }}) as segment_type,
        cast(segment_value as {{ dbt.type_string() }}) as segment_value,
        cast(step_number as {{ dbt.type_int() }}) as step_number,
        cast(step_name as {{ dbt.type_string() }}) as step_name,
        cast(conversion_window_days as {{ dbt.type_int() }}) as conversion_window_days,
        cast(as_of_date as date) as as_of_date,
        cast(entered_count as {{ dbt.type_bigint() }}) as entered_count,
        cast(reached_previous_count as {{ dbt.type_bigint() }}) as reached_previous_count,
        cast(reached_count as {{ dbt.type_bigint() }}) as reached_count,
        -- a double division: the same last digit on every engine (Spark rounds a decimal quotient)
        cast(reached_count as {{ type_double() }}) / nullif(reached_previous_count, 0) as conversion_from_previous,
        cast(reached_count as {{ type_double() }}) / nullif(entered_count, 0) as conversion_from_first,
        cast(median_seconds_from_previous as {{ type_double() }}) as median_seconds_from_previous,
        cast(open_window_count as {{ dbt.type_bigint() }}) as open_window_count,
        cast(
            next_cohort_start_date <= {{ dbt.dateadd('day', 1, 'as_of_date') }} and open_window_count = 0
            as {{ dbt.type_boolean() }}
        ) as is_window_complete
    from aggregated
)

select * from final
