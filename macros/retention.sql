{#-
    Retention building blocks (docs/decision_log.md): the configuration vars and the
    period arithmetic shared by int_retention__* and the retention marts. Plain portable SQL
    through dbt's cross-database macros: nothing here is engine-specific, so nothing is
    dispatched.
-#}

{#- Features whose first active use starts a cohort (var retention_cohort_features). -#}
{% macro retention_cohort_features() -%}
    {%- set features = var('retention_cohort_features') -%}
    {%- if features is string or features is not iterable or features | length == 0 -%}
        {{ exceptions.raise_compiler_error(
            "var retention_cohort_features must be a non-empty list of features, got: " ~ features
        ) }}
    {%- endif -%}
    {{ return(features) }}
{%- endmacro %}


{#- The last period number of a cohort (var retention_max_periods): periods 0 .. this one. -#}
{% macro retention_max_periods() -%}
    {%- set max_periods = var('retention_max_periods') -%}
    {%- if max_periods is not number or max_periods < 0 or max_periods != max_periods | int -%}
        {{ exceptions.raise_compiler_error(
            "var retention_max_periods must be a whole number >= 0, got: " ~ max_periods
        ) }}
    {%- endif -%}
    {{ return(max_periods | int) }}
{%- endmacro %}


{#- The cohort grains: each is the calendar bucket of the cohort (week from Monday, month) and
    the length of its periods (7 days, one month). -#}
{% macro retention_grains() -%}
    {{ return(['week', 'month']) }}
{%- endmacro %}


{#- First day of period `period_number` of a person whose cohort date is `cohort_date`:
    week: cohort_date + 7 n days; month: cohort_date + n months (the day of month kept, clamped
    to the month's last day, always counted from the cohort date so the clamp never drifts). -#}
{% macro retention_period_start(grain, cohort_date, period_number) -%}
    {%- if grain == 'week' -%}
    cast({{ dbt.dateadd('day', '7 * (' ~ period_number ~ ')', cohort_date) }} as date)
    {%- elif grain == 'month' -%}
    cast({{ dbt.dateadd('month', period_number, cohort_date) }} as date)
    {%- else -%}
    {{ exceptions.raise_compiler_error("retention: unknown grain '" ~ grain ~ "'") }}
    {%- endif -%}
{%- endmacro %}


{#- Last day (inclusive) of period `period_number`: the day before period n + 1 starts. -#}
{% macro retention_period_last_day(grain, cohort_date, period_number) -%}
    {%- if grain == 'week' -%}
    cast({{ dbt.dateadd('day', '7 * (' ~ period_number ~ ') + 6', cohort_date) }} as date)
    {%- elif grain == 'month' -%}
    cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', '(' ~ period_number ~ ') + 1', cohort_date)) }} as date)
    {%- else -%}
    {{ exceptions.raise_compiler_error("retention: unknown grain '" ~ grain ~ "'") }}
    {%- endif -%}
{%- endmacro %}


{#- The period (0, 1, ...) of `activity_date` counted from the person's own `cohort_date`
    (activity_date >= cohort_date). week: whole weeks of 7 days elapsed; month: n such that
    cohort_date + n months <= activity_date < cohort_date + n + 1 months. The calendar month
    difference is n or n + 1 (it counts month boundaries crossed); one comparison corrects it. -#}
{% macro retention_period_number(grain, cohort_date, activity_date) -%}
    {%- if grain == 'week' -%}
    cast(floor({{ days_between(cohort_date, activity_date) }} / 7.0) as {{ dbt.type_int() }})
    {%- elif grain == 'month' -%}
    {%- set months = dbt.datediff(cohort_date, activity_date, 'month') | trim -%}
    cast(
        case
            when {{ dbt.dateadd('month', months, cohort_date) }} > {{ activity_date }} then {{ months }} - 1
            else {{ months }}
        end
        as {{ dbt.type_int() }}
    )
    {%- else -%}
    {{ exceptions.raise_compiler_error("retention: unknown grain '" ~ grain ~ "'") }}
    {%- endif -%}
{%- endmacro %}


{#- First day of the calendar period after the one starting on `period_start_date`. -#}
{% macro retention_next_calendar_period_start(grain, period_start_date) -%}
    {%- if grain == 'week' -%}
    cast({{ dbt.dateadd('day', 7, period_start_date) }} as date)
    {%- elif grain == 'month' -%}
    cast({{ dbt.dateadd('month', 1, period_start_date) }} as date)
    {%- else -%}
    {{ exceptions.raise_compiler_error("retention: unknown grain '" ~ grain ~ "'") }}
    {%- endif -%}
{%- endmacro %}


{#- A query (period_grain, first_period_start_date): per grain, the first period an incremental
    run of int_retention__feature_periods recomputes: the one before the period of the first
    day with activity it may see for the first time (recompute_from_date over `activity_days`,
    the model's activity rows without '(any)': loaded after the watermark, after the newest
    activity day read before, or after a moved-back as-of date). -#}
{% macro retention_first_recomputed_periods(activity_days) -%}
    {%- set after_as_of -%}
        select cast({{ dbt.dateadd('day', 1, 'max(as_of_date)') }} as date) as recompute_from_date
        from {{ ref('dim_dates') }}
    {%- endset -%}
    {%- set recompute = recompute_from_date(
        [(activity_days, 'activity_date')], newest_of='last_activity_date', extra_sql=[after_as_of]
    ) -%}
    {%- for grain in retention_grains() %}
    select
        '{{ grain }}' as period_grain,
        {{ retention_period_start(
            grain, 'cast(' ~ dbt.date_trunc(grain, 'recompute.recompute_from_date') ~ ' as date)', -1
        ) }} as first_period_start_date
    from ({{ recompute }}) as recompute
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
{%- endmacro %}


{#- Pre-hook of int_retention__feature_periods in an incremental run: deletes the periods the
    run recomputes (retention_first_recomputed_periods), so that a period left without
    activity does not keep its old rows. -#}
{% macro delete_retention_periods_to_recompute() -%}
    {%- if is_incremental() -%}
        {%- set activity_days -%}
            (select * from {{ ref('int_retention__activity_days') }} where feature <> '(any)') as activity_days
        {%- endset -%}
        delete from {{ this }} as kept
        where exists (
            select 1
            from ({{ retention_first_recomputed_periods(activity_days) }}) as first_periods
            where
                first_periods.period_grain = kept.period_grain
                and kept.period_start_date >= first_periods.first_period_start_date
        )
    {%- else -%}
        select 1 as nothing_to_recompute
    {%- endif -%}
{%- endmacro %}
