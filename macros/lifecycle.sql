{#-
    Building blocks of the lifecycle marts (fct_user_lifecycle, fct_account_lifecycle): the same
    week / month state machine at the user and at the account level. `grain` is the list of key
    columns a lifecycle is tracked by (['user_id', 'account_id'] or ['account_id']). The states
    themselves are macro lifecycle_status (macros/engagement.sql). Plain portable SQL.
-#}

{#- The period types of a lifecycle and the dim_dates column holding each period's first day. -#}
{% macro lifecycle_period_types() -%}
    {{ return([('week', 'week_start_date'), ('month', 'month_start_date')]) }}
{%- endmacro %}


{#- Body of a CTE: one row per period type × period of `dates` (dim_dates): first and last day,
    reference date (its last day, or the as-of date for the running period) and the as-of date. -#}
{% macro lifecycle_periods(dates='dates') -%}
    {%- set period_ends = {
        'week': dbt.dateadd('day', 6, 'week_start_date'),
        'month': dbt.dateadd('day', -1, dbt.dateadd('month', 1, 'month_start_date')),
    } %}
    {%- for period_type, start_column in lifecycle_period_types() %}
    select
        '{{ period_type }}' as period_type,
        {{ start_column }} as period_start_date,
        cast({{ period_ends[period_type] }} as date) as period_end_date,
        max(date_day) as reference_date,
        max(as_of_date) as as_of_date
    from {{ dates }}
    group by {{ start_column }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
{%- endmacro %}


{#- Body of a CTE: the active days of `active_days` (int_engagement__user_active_days, rows with
    is_active) aggregated by `grain` × period type × period with the `measures` (a list of
    "expression as name" strings). -#}
{% macro lifecycle_period_activity(active_days, grain, measures) -%}
    {%- for period_type, start_column in lifecycle_period_types() %}
    select
        {%- for column in grain %}
        {{ column }},
        {%- endfor %}
        '{{ period_type }}' as period_type,
        {{ start_column }} as period_start_date,
        {%- for measure in measures %}
        {{ measure }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ active_days }}
    where is_active
    group by
        {%- for column in grain %}
        {{ column }},
        {%- endfor %}
        {{ start_column }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
{%- endmacro %}


{#- Body of a CTE: the first period with activity, by `grain` × period type, from
    `period_activity` (lifecycle_period_activity). -#}
{% macro lifecycle_first_active_periods(grain, period_activity='period_activity') -%}
    select
        {%- for column in grain %}
        {{ column }},
        {%- endfor %}
        period_type,
        min(period_start_date) as first_active_period_start_date
    from {{ period_activity }}
    group by
        {%- for column in grain %}
        {{ column }},
        {%- endfor %}
        period_type
{%- endmacro %}


{#- Body of a CTE: every period of `periods` (lifecycle_periods) from the period starting on
    `start_column` of `first_periods` (one row per `grain` × period type) on, with the activity
    of `period_activity` (lifecycle_period_activity): its last active day, the `measures`
    (column names; 0 for a period without activity) and the `nullable_measures` (column names;
    null for a period without activity). -#}
{% macro lifecycle_dense_periods(first_periods, grain, start_column, measures, periods='periods', period_activity='period_activity', nullable_measures=[]) -%}
    select
        {%- for column in grain %}
        {{ first_periods }}.{{ column }},
        {%- endfor %}
        {{ periods }}.period_type,
        {{ periods }}.period_start_date,
        {{ periods }}.period_end_date,
        {{ periods }}.reference_date,
        {{ periods }}.as_of_date,
        {{ first_periods }}.first_active_period_start_date,
        {{ period_activity }}.last_active_date as last_active_date_in_period,
        {%- for measure in nullable_measures %}
        {{ period_activity }}.{{ measure }},
        {%- endfor %}
        {%- for measure in measures %}
        coalesce({{ period_activity }}.{{ measure }}, 0) as {{ measure }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ first_periods }}
    inner join {{ periods }}
        on
            {{ first_periods }}.period_type = {{ periods }}.period_type
            and {{ first_periods }}.{{ start_column }} <= {{ periods }}.period_start_date
    left join {{ period_activity }}
        on
            {%- for column in grain %}
            {{ 'and ' if not loop.first }}{{ first_periods }}.{{ column }} = {{ period_activity }}.{{ column }}
            {%- endfor %}
            and {{ periods }}.period_type = {{ period_activity }}.period_type
            and {{ periods }}.period_start_date = {{ period_activity }}.period_start_date
{%- endmacro %}


{#- Body of a CTE: the dense periods of `relation` (grain, period_type, period_start_date,
    active_day_count, last_active_date_in_period, ...) with the previous period's active days,
    the last active day up to the period and the days from it to the period's reference date. -#}
{% macro lifecycle_sequenced(relation, grain) -%}
    {%- set partition = (grain + ['period_type']) | join(', ') %}
    select
        *,
        lag(active_day_count) over (
            partition by {{ partition }}
            order by period_start_date asc nulls last
        ) as previous_active_day_count,
        max(last_active_date_in_period) over (
            partition by {{ partition }}
            order by period_start_date asc nulls last
            rows between unbounded preceding and current row
        ) as last_active_date
    from {{ relation }}
{%- endmacro %}


{#- Body of a CTE: the rows of `relation` (lifecycle_sequenced) with days_since_last_active and
    their lifecycle state (macro lifecycle_status) as `status_column`. -#}
{% macro lifecycle_classified(relation, status_column='lifecycle_status') -%}
    {%- set days_since_last_active = days_between('last_active_date', 'reference_date') %}
    select
        *,
        {{ days_since_last_active }} as days_since_last_active,
        {{ lifecycle_status(
            'active_day_count',
            'period_start_date',
            'first_active_period_start_date',
            'previous_active_day_count',
            days_since_last_active
        ) | indent(8) }} as {{ status_column }}
    from {{ relation }}
{%- endmacro %}


{#- The previous period's value of `column` in the lifecycle of `grain`. -#}
{% macro lifecycle_previous(column, grain) -%}
    lag({{ column }}) over (
        partition by {{ (grain + ['period_type']) | join(', ') }}
        order by period_start_date asc nulls last
    )
{%- endmacro %}
