{#- Grain: one row per UTC day from var calendar_start_date up to the as-of date.

    The as-of date is "now" for every time-window mart: var as_of_date when set, else the
    latest complete day of data, i.e. the day before the newest load time in
    fct_usage_events. Pinning it makes a report reproducible. -#}

{%- if var('as_of_date') -%}
{%- set as_of_expression = "max(cast('" ~ var('as_of_date') ~ "' as date))" -%}
{%- else -%}
{%- set as_of_expression = "cast(" ~ dbt.dateadd('day', -1, 'cast(max(loaded_at) as date)') ~ " as date)" -%}
{%- endif %}

with events as (
    select * from {{ ref('fct_usage_events') }}
),

as_of as (
    select {{ as_of_expression }} as as_of_date
    from events
),

numbers as (
    {{ dbt.generate_series(var('calendar_days') | int) }}
),

days as (
    select
        cast(
            {{ dbt.dateadd('day', 'generated_number - 1', "cast('" ~ var('calendar_start_date') ~ "' as date)") }}
            as date
        ) as date_day
    from numbers
),

final as (
    select
        days.date_day,
        cast({{ dbt.date_trunc('week', 'days.date_day') }} as date) as week_start_date,
        cast({{ dbt.date_trunc('month', 'days.date_day') }} as date) as month_start_date,
        cast({{ dbt.date_trunc('quarter', 'days.date_day') }} as date) as quarter_start_date,
        {{ day_of_week('days.date_day') }} as day_of_week,
        {{ day_of_week('days.date_day') }} in (0, 6) as is_weekend,
        as_of.as_of_date,
        cast({{ days_between('days.date_day', 'as_of.as_of_date') }} as {{ dbt.type_int() }}) as days_before_as_of,
        days.date_day = as_of.as_of_date as is_as_of_date
    from days
    cross join as_of
    where days.date_day <= as_of.as_of_date
)

select * from final
