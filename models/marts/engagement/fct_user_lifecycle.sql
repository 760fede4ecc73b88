{{ config(
    pre_hook="{{ delete_if_config_changed('dormant_after_days', var('dormant_after_days') | int) }}",
    post_hook=["{{ delete_erased_users('user_id') }}", "{{ delete_after_as_of('period_start_date') }}"],
    **partition_replace_config(['period_type', 'period_start_date'])
) }}

{#- Grain: one row per user × account × period type (week, month) × period, dense from the
    period of the user's first active day in the account to the period holding the as-of date.

    Status (macro lifecycle_status): new / returning / resurrected when active in the period;
    dormant / churned when not, churned once the last active day is more than
    var dormant_after_days before the period's reference date (its last day, or the as-of
    date for the running period).

    Incremental: a period's row reads the user's activity in it and, from the periods before,
    only the previous period's active days and status, the last active day and the first
    active period: the stored row of the period before carries them. A run writes the periods
    that end on or after the earliest of: the earliest day of an active-day row loaded after
    the watermark, the as-of date of the rows kept (their running periods) and the as-of date
    (a date moved back); every user's rows of those periods, continued from the stored row of
    the period before them. The pre-hook empties the table when var dormant_after_days
    changes; the post-hooks delete erased users' rows and the periods after a moved-back
    as-of date. -#}
{%- set grain = ['user_id', 'account_id'] -%}
{%- set grain_list = grain | join(', ') -%}

with user_active_days as {{ not_materialized() }} (
    select * from {{ ref('int_engagement__user_active_days') }}
),

dates as (
    select * from {{ ref('dim_dates') }}
),

periods as (
    {{ lifecycle_periods() }}
),

{% if is_incremental() %}
-- The earliest day whose periods change: new activity, the running periods of the rows kept,
-- the running periods now.
recompute as (
    {{ recompute_from_date(
        [('user_active_days', 'usage_date')],
        extra_sql=[
            'select max(kept.reference_date) as recompute_from_date from ' ~ this ~ ' as kept',
            'select max(dates.as_of_date) as recompute_from_date from dates',
        ]
    ) | indent(4) }}
),

recomputed_periods as (
    select periods.*
    from periods
    cross join recompute
    where periods.period_end_date >= recompute.recompute_from_date
),
{% else %}
recomputed_periods as (
    select * from periods
),
{% endif %}

first_recomputed_periods as (
    select
        period_type,
        min(period_start_date) as period_start_date
    from recomputed_periods
    group by period_type
),

recent_active_days as (
    select *
    from user_active_days
    where usage_date >= (select min(first_recomputed_periods.period_start_date) from first_recomputed_periods)
),

-- The activity of the periods written (a period starting before the first day read is not one).
period_activity as (
    select activity.*
    from (
        {{- lifecycle_period_activity('recent_active_days', grain, [
            'count(*) as active_day_count',
            'sum(active_event_count) as active_event_count',
            'max(usage_date) as last_active_date',
            'max(loaded_at) as loaded_at',
        ]) | indent(4) }}
    ) as activity
    inner join recomputed_periods
        on
            activity.period_type = recomputed_periods.period_type
            and activity.period_start_date = recomputed_periods.period_start_date
),

{% if is_incremental() %}
-- The stored rows of the period before the first one written: every user active before it.
carried as (
    select kept.*
    from {{ this }} as kept
    inner join first_recomputed_periods
        on
            kept.period_type = first_recomputed_periods.period_type
            and kept.period_end_date = cast({{ dbt.dateadd('day', -1, 'first_recomputed_periods.period_start_date') }} as date)
),
{% endif %}

first_periods as (
    select
        {{ grain_list }},
        period_type,
        min(first_active_period_start_date) as first_active_period_start_date
    from (
        select
            {{ grain_list }},
            period_type,
            period_start_date as first_active_period_start_date
        from period_activity
        {%- if is_incremental() %}
        union all
        select
            {{ grain_list }},
            period_type,
            first_active_period_start_date
        from carried
        {%- endif %}
    ) as first_candidates
    group by
        {{ grain_list }},
        period_type
),

written_periods as (
    {{ lifecycle_dense_periods(
        'first_periods', grain, 'first_active_period_start_date', ['active_day_count', 'active_event_count'],
        periods='recomputed_periods', nullable_measures=['loaded_at']
    ) }}
),

-- The periods written, after the carried row of the period before them (its running values
-- are the ones a period's lag and running maximum read).
user_periods as (
    select
        *,
        false as is_carried,
        cast(null as {{ dbt.type_string() }}) as carried_lifecycle_status
    from written_periods
    {%- if is_incremental() %}
    union all
    select
        {{ grain_list }},
        period_type,
        period_start_date,
        period_end_date,
        reference_date,
        reference_date as as_of_date,
        first_active_period_start_date,
        last_active_date as last_active_date_in_period,
        loaded_at,
        active_day_count,
        active_event_count,
        true as is_carried,
        lifecycle_status as carried_lifecycle_status
    from carried
    {%- endif %}
),

sequenced as (
    {{ lifecycle_sequenced('user_periods', grain) }}
),

classified as (
    {{ lifecycle_classified('sequenced', status_column='computed_lifecycle_status') }}
),

-- A carried row keeps its stored status: it is the previous status of the first period written.
with_previous as (
    select
        *,
        coalesce(carried_lifecycle_status, computed_lifecycle_status) as lifecycle_status,
        {{ lifecycle_previous('coalesce(carried_lifecycle_status, computed_lifecycle_status)', grain) | indent(8) }}
            as previous_lifecycle_status,
        max(loaded_at) over (
            partition by {{ grain_list }}, period_type
            order by period_start_date asc nulls last
            rows between unbounded preceding and current row
        ) as loaded_through_at
    from classified
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
        cast(previous_lifecycle_status as {{ dbt.type_string() }}) as previous_lifecycle_status,
        active_day_count > 0 as is_active,
        cast(active_day_count as {{ dbt.type_int() }}) as active_day_count,
        cast(active_event_count as {{ dbt.type_bigint() }}) as active_event_count,
        first_active_period_start_date,
        last_active_date,
        cast(days_since_last_active as {{ dbt.type_int() }}) as days_since_last_active,
        cast(loaded_through_at as {{ dbt.type_timestamp() }}) as loaded_at,
        cast({{ var('dormant_after_days') | int }} as {{ dbt.type_int() }}) as dormant_after_days
    from with_previous
    where not is_carried
)

select * from final
