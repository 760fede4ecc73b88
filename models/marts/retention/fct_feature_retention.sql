{#- Grain: one row per entity_type × feature × period_grain × period_start_date (calendar week
    from Monday, or calendar month, UTC) in which at least one entity used the feature.

    Used = active use of the feature (int_retention__activity_days). retained_count: of the
    entities that used it in the period, those that used it again in the next calendar period.
    Only periods that have ended by the as-of date; is_next_period_complete is false while the
    next period is still running (its retained_count can still grow). The counts come from
    int_retention__feature_periods (incremental); this table adds the as-of date. -#}

{%- set grains = retention_grains() %}

with feature_periods as (
    select * from {{ ref('int_retention__feature_periods') }}
),

features as (
    select * from {{ ref('dim_features') }}
),

dates as (
    select * from {{ ref('dim_dates') }}
),

as_of as (
    select max(as_of_date) as as_of_date
    from dates
),

with_next_end as (
    select
        *,
        case
            {%- for grain in grains %}
            when period_grain = '{{ grain }}'
                then {{ retention_next_calendar_period_start(grain, 'next_period_start_date') }}
            {%- endfor %}
        end as period_after_next_start_date
    from feature_periods
),

final as (
    select
        cast(with_next_end.entity_type as {{ dbt.type_string() }}) as entity_type,
        cast(with_next_end.feature as {{ dbt.type_string() }}) as feature,
        cast(features.module as {{ dbt.type_string() }}) as module,
        cast(features.product as {{ dbt.type_string() }}) as product,
        cast(with_next_end.period_grain as {{ dbt.type_string() }}) as period_grain,
        cast(with_next_end.period_start_date as date) as period_start_date,
        cast({{ dbt.dateadd('day', -1, 'with_next_end.next_period_start_date') }} as date) as period_end_date,
        cast(with_next_end.next_period_start_date as date) as next_period_start_date,
        cast({{ dbt.dateadd('day', -1, 'with_next_end.period_after_next_start_date') }} as date)
            as next_period_end_date,
        cast(as_of.as_of_date as date) as as_of_date,
        cast(with_next_end.entity_count as {{ dbt.type_bigint() }}) as entity_count,
        cast(with_next_end.retained_count as {{ dbt.type_bigint() }}) as retained_count,
        cast(
            with_next_end.retained_count * 1.0 / nullif(with_next_end.entity_count, 0) as {{ type_double() }}
        ) as retention_rate,
        cast(
            with_next_end.period_after_next_start_date <= {{ dbt.dateadd('day', 1, 'as_of.as_of_date') }}
            as {{ dbt.type_boolean() }}
        ) as is_next_period_complete
    from with_next_end
    cross join as_of
    left join features
        on with_next_end.feature = features.feature
    where with_next_end.next_period_start_date <= {{ dbt.dateadd('day', 1, 'as_of.as_of_date') }}
)

select * from final
