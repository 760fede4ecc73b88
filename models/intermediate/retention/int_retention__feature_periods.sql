{{ config(
    pre_hook="{{ delete_retention_periods_to_recompute() }}",
    post_hook="{{ delete_after_as_of('period_start_date') }}",
    **partition_replace_config(['period_grain', 'period_start_date'])
) }}

{#- Grain: one row per entity_type × feature × period_grain × period_start_date (calendar week
    from Monday, or calendar month, UTC) in which at least one entity used the feature
    (int_retention__activity_days, up to the as-of date).

    entity_count: the entities that used the feature in the period; retained_count: of those,
    the ones that used it again in the next calendar period (up to the as-of date, so the count
    of the running period's predecessor still grows).

    Incremental: a period's counts read only its own and the next period's activity, so a run
    recomputes, per grain, every period from the one before the period of the first day it
    may see new activity on: the earliest day of an activity row loaded after the watermark,
    or the day after the newest activity day read before (the as-of date moved over it), or
    the day after the as-of date when var as_of_date moved back before that; periods after
    the as-of date are then deleted after the run. The pre-hook deletes the periods to
    recompute first: a period that lost all its activity (an erasure) has no row to replace
    its old ones. -#}

{%- set grains = retention_grains() %}
-- depends_on: {{ ref('dim_dates') }}

with activity_days as {{ not_materialized() }} (
    select * from {{ ref('int_retention__activity_days') }}
    where feature <> '(any)'
),

{% if is_incremental() %}
first_periods as (
    {{ retention_first_recomputed_periods('activity_days') | indent(4) }}
),

{% else %}
first_periods as (
    {%- for grain in grains %}
    select
        '{{ grain }}' as period_grain,
        cast('1900-01-01' as date) as first_period_start_date
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),
{% endif %}

recomputed_activity_days as (
    select *
    from activity_days
    where activity_date >= (select min(first_periods.first_period_start_date) from first_periods)
),

entity_periods as (
    {%- for grain in grains %}
    select
        entity_type,
        entity_id,
        feature,
        '{{ grain }}' as period_grain,
        cast({{ dbt.date_trunc(grain, 'activity_date') }} as date) as period_start_date,
        max(activity_date) as last_activity_date,
        max(loaded_at) as loaded_at
    from recomputed_activity_days
    group by
        entity_type,
        entity_id,
        feature,
        cast({{ dbt.date_trunc(grain, 'activity_date') }} as date)
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

written_entity_periods as (
    select
        entity_periods.*,
        case
            {%- for grain in grains %}
            when entity_periods.period_grain = '{{ grain }}'
                then {{ retention_next_calendar_period_start(grain, 'entity_periods.period_start_date') }}
            {%- endfor %}
        end as next_period_start_date
    from entity_periods
    inner join first_periods
        on
            entity_periods.period_grain = first_periods.period_grain
            and entity_periods.period_start_date >= first_periods.first_period_start_date
),

entity_retention as (
    select
        written_entity_periods.entity_type,
        written_entity_periods.feature,
        written_entity_periods.period_grain,
        written_entity_periods.period_start_date,
        written_entity_periods.next_period_start_date,
        written_entity_periods.last_activity_date,
        written_entity_periods.loaded_at,
        next_period.entity_id is not null as is_retained
    from written_entity_periods
    left join entity_periods as next_period
        on
            written_entity_periods.entity_type = next_period.entity_type
            and written_entity_periods.entity_id = next_period.entity_id
            and written_entity_periods.feature = next_period.feature
            and written_entity_periods.period_grain = next_period.period_grain
            and written_entity_periods.next_period_start_date = next_period.period_start_date
),

feature_periods as (
    select
        entity_type,
        feature,
        period_grain,
        period_start_date,
        next_period_start_date,
        count(*) as entity_count,
        sum(case when is_retained then 1 else 0 end) as retained_count,
        max(last_activity_date) as last_activity_date,
        max(loaded_at) as loaded_at
    from entity_retention
    group by
        entity_type,
        feature,
        period_grain,
        period_start_date,
        next_period_start_date
),

final as (
    select
        cast(entity_type as {{ dbt.type_string() }}) as entity_type,
        cast(feature as {{ dbt.type_string() }}) as feature,
        cast(period_grain as {{ dbt.type_string() }}) as period_grain,
        cast(period_start_date as date) as period_start_date,
        cast(next_period_start_date as date) as next_period_start_date,
        cast(entity_count as {{ dbt.type_bigint() }}) as entity_count,
        cast(retained_count as {{ dbt.type_bigint() }}) as retained_count,
        cast(last_activity_date as date) as last_activity_date,
        loaded_at
    from feature_periods
)

select * from final
