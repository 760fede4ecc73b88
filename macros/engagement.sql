{#-
    Engagement, lifecycle and health-score building blocks (docs/decision_log.md).
    Plain portable SQL: nothing here is engine-specific, so nothing is dispatched.
-#}

{#- The health-score components the SQL knows how to measure. Each key names a raw signal
    computed in int_health__component_scores; seeds/health_score_components.csv weights and
    scales them (a seed row with another key fails its accepted_values test). -#}
{% macro health_component_keys() -%}
    {{ return(['engagement', 'adoption_breadth', 'value_trend', 'seat_utilization', 'error_rate']) }}
{%- endmacro %}


{#- SQL: the raw signal of health component `component_key`, a double, from the columns of a
    fct_account_engagement_daily row (qualified with `row`, an alias, when given). -#}
{% macro health_component_signal(component_key, row=none) -%}
    {%- set c = (row ~ '.') if row else '' -%}
    {%- set signals = {
        'engagement': c ~ 'active_days_28d * 1.0',
        'adoption_breadth': c ~ 'features_used_28d * 1.0',
        'value_trend': c ~ 'value_event_count_28d * 1.0 / case when ' ~ c ~ 'value_event_count_prior_28d > 1 then '
            ~ c ~ 'value_event_count_prior_28d else 1 end',
        'seat_utilization': c ~ 'seat_utilization',
        'error_rate': c ~ 'error_event_count_7d * 1.0 / nullif(' ~ c ~ 'event_count_7d, 0)',
    } -%}
    cast({{ signals[component_key] }} as {{ type_double() }})
{%- endmacro %}


{#- SQL scalar: a hash of the configuration fct_account_health_daily applies to history (seeds
    health_score_components and health_score_bands), stored in every row: when it changes, the
    pre-hook empties the table and the run scores every day again. -#}
{% macro health_scoring_fingerprint() -%}
    {{ dbt.hash(dbt.concat([
        config_fingerprint(ref('health_score_components')), "'|'", config_fingerprint(ref('health_score_bands')),
    ])) }}
{%- endmacro %}


{#- Lifecycle state of a user or account in one period (week or month), from its activity:
      new          active, and this is the first period it was ever active in
      returning    active, and active in the previous period too
      resurrected  active, not active in the previous period, active at some time before
      dormant      not active, last active at most var dormant_after_days days before the
                   period's reference date (its last day, or the as-of date while it runs)
      churned      not active for longer than that
      not_activated  not active, and never active before (accounts between signup and first use)
    Arguments are SQL expressions. -#}
{% macro lifecycle_status(
    active_day_count,
    period_start_date,
    first_active_period_start_date,
    previous_active_day_count,
    days_since_last_active
) -%}
    case
        when
            {{ active_day_count }} > 0
            and {{ period_start_date }} = {{ first_active_period_start_date }}
            then 'new'
        when
            {{ active_day_count }} > 0
            and {{ previous_active_day_count }} > 0
            then 'returning'
        when {{ active_day_count }} > 0 then 'resurrected'
        when
            {{ first_active_period_start_date }} is null
            or {{ period_start_date }} < {{ first_active_period_start_date }}
            then 'not_activated'
        when
            {{ days_since_last_active }}
            > {{ var('dormant_after_days') | int }}
            then 'churned'
        else 'dormant'
    end
{%- endmacro %}


{#- A raw signal mapped linearly onto 0-100: `floor_value` scores 0, `target_value` scores 100,
    clamped to [0, 100]. A target below the floor means lower is better (error rates). A null
    signal gives a null score (the component is left out of the weighted total). -#}
{% macro health_component_score(signal, floor_value, target_value) -%}
    case
        when {{ signal }} is not null
            then 100.0 * least(
                greatest(
                    ({{ signal }} - {{ floor_value }}) * 1.0 / nullif({{ target_value }} - {{ floor_value }}, 0),
                    0.0
                ),
                1.0
            )
    end
{%- endmacro %}


{#- Data test: the enabled rows' weights sum to 1. Fails with one row per enabled row
    (key, weight, the enabled total), or one row with a null key when nothing is enabled. -#}
{% test weights_sum_to_one(model, column_name, key_column, enabled_column='is_enabled', tolerance=0.000001) %}

with enabled as (
    select
        {{ key_column }} as row_key,
        {{ column_name }} as weight
    from {{ model }}
    where {{ enabled_column }}
),

total as (
    select sum(weight) as enabled_weight_total
    from enabled
)

select
    enabled.row_key,
    enabled.weight,
    total.enabled_weight_total,
    'enabled weights sum to ' || coalesce(cast(total.enabled_weight_total as {{ dbt.type_string() }}), 'nothing')
    || ', not 1' as problem
from total
left join enabled
    on 1 = 1
where abs(coalesce(total.enabled_weight_total, 0) - 1) > {{ tolerance }}

{% endtest %}


{#- Data test: the ranges [min_column, max_column] of the rows tile the scale without gaps or
    overlaps. Sorted by min, each range starts `step` after the previous one ends (step 0 for
    continuous scores where max is exclusive, 1 for whole numbers where max is inclusive); the
    first starts at lower_bound; the last ends at upper_bound, or is open (max empty) when
    upper_bound is none. Failing rows name the range and the problem. -#}
{% test ranges_are_contiguous(model, key_column, min_column, max_column, lower_bound, upper_bound=none, step=0) %}

with ranges as (
    select
        {{ key_column }} as range_key,
        {{ min_column }} as range_min,
        {{ max_column }} as range_max,
        lead({{ min_column }}) over (order by {{ min_column }} asc nulls last) as next_range_min,
        row_number() over (order by {{ min_column }} asc nulls last) as range_position
    from {{ model }}
),

checked as (
    select
        range_key,
        range_min,
        range_max,
        case
            when range_min is null then 'min is empty'
            when range_position = 1 and range_min <> {{ lower_bound }} then 'the first range must start at {{ lower_bound }}'
            when range_max is not null and range_max < range_min then 'max is below min'
            when next_range_min is not null and range_max is null then 'only the last range may be open'
            when next_range_min is not null and next_range_min <> range_max + {{ step }}
                then 'the next range does not start right after this one (gap or overlap)'
            {%- if upper_bound is none %}
            when next_range_min is null and range_max is not null then 'the last range must be open (max empty)'
            {%- else %}
            when next_range_min is null and coalesce(range_max <> {{ upper_bound }}, true)
                then 'the last range must end at {{ upper_bound }}'
            {%- endif %}
        end as problem
    from ranges
)

select *
from checked
where problem is not null

{% endtest %}


{#- The day (exclusive) on which the coverage span of an active day ends for a trailing window
    of `days`: the next active day of the same user (or feature), or start + days, whichever
    comes first. A user is in the window of day t exactly when t falls in one of their spans,
    and the spans of one user never overlap: +1 at each span start and -1 at each span end,
    summed up to t, is the exact distinct count without count(distinct) over a window. -#}
{% macro coverage_span_end(start_date, next_date, days) -%}
    cast(
        case
            when {{ next_date }} < {{ dbt.dateadd('day', days, start_date) }} then {{ next_date }}
            else {{ dbt.dateadd('day', days, start_date) }}
        end
        as date
    )
{%- endmacro %}


{#- Sum of `expression` over a frame of rows of one account on a dense daily calendar
    (rows are days), e.g. first_row='6 preceding' for the trailing 7 days. -#}
{% macro trailing_window_sum(expression, first_row, last_row='current row', partition_by='account_id', order_by='date_day') -%}
    sum({{ expression }}) over (
        partition by {{ partition_by }}
        order by {{ order_by }} asc nulls last
        rows between {{ first_row }} and {{ last_row }}
    )
{%- endmacro %}


{#- Whole days from start_date to end_date: dbt.datediff with its rendered whitespace trimmed
    (the adapter's multi-line rendering otherwise trips the linter's line length). -#}
{% macro days_between(start_date, end_date) -%}
    {{ return(dbt.datediff(start_date, end_date, 'day') | trim) }}
{%- endmacro %}


{#- Post-hook of fct_account_engagement_daily in an incremental run: deletes the rows without a
    day in int_accounts__plan_days (the spine from signup to the as-of date): days after a
    moved-back as-of date, days before a signup date that moved later, removed accounts. -#}
{% macro delete_rows_without_plan_day() -%}
    {{ return(adapter.dispatch('delete_rows_without_plan_day', 'usage_warehouse')()) }}
{%- endmacro %}

{% macro default__delete_rows_without_plan_day() -%}
    {%- if is_incremental() -%}
        delete from {{ this }} as kept
        where not exists (
            select 1
            from {{ ref('int_accounts__plan_days') }} as plan_days
            where
                plan_days.account_id = kept.account_id
                and plan_days.date_day = kept.date_day
        )
    {%- else -%}
        select 1 as every_row_has_a_plan_day
    {%- endif -%}
{%- endmacro %}

{#- Spark rebuilds the table whole (upsert_config): nothing to delete. -#}
{% macro spark__delete_rows_without_plan_day() -%}
    select 1 as no_row_level_delete_on_spark
{%- endmacro %}


{#- A query: the distinct `columns` of `relation` (rows with week_start_date and
    month_start_date) per period (period_type, period_start_date), of the rows that meet
    `condition` (SQL; none: every row). -#}
{% macro distinct_rows_per_period(relation, columns, condition=none) -%}
    {%- for period_type in ['week', 'month'] %}
    select distinct
        {%- for column in columns %}
        {{ column }},
        {%- endfor %}
        '{{ period_type }}' as period_type,
        {{ period_type }}_start_date as period_start_date
    from {{ relation }}
    {%- if condition %}
    where {{ condition }}
    {%- endif %}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
{%- endmacro %}


{#- Body of a CTE of fct_feature_adoption: distinct_rows_per_period of `relation` and
    `columns`, for the periods of CTE recomputed_periods only. -#}
{% macro rows_of_recomputed_periods(relation, columns) -%}
    select candidates.*
    from (
        {{- distinct_rows_per_period(relation, columns) | indent(4) }}
    ) as candidates
    inner join recomputed_periods
        on
            candidates.period_type = recomputed_periods.period_type
            and candidates.period_start_date = recomputed_periods.period_start_date
{%- endmacro %}


{#- Body of a CTE of a dense per-account-day model (fct_account_engagement_daily,
    int_alerts__account_daily_signals): per account, the first day of its calendar this model
    holds (first_stored_date). -#}
{% macro stored_account_first_days() -%}
    select
        account_id,
        min(date_day) as first_stored_date
    from {{ this }}
    group by account_id
{%- endmacro %}


{#- Body of a CTE of the same models: the accounts with a stored row whose columns differ
    from those of the same day in CTE `current_days` (account_id, date_day), compared as text
    with nulls equal. `columns`: the columns compared, or a dict from each stored column to
    its column in `current_days`; `also_changed`, a further condition on the stored row (SQL
    on alias stored). -#}
{% macro accounts_with_changed_days(current_days, columns, also_changed=none) -%}
    select distinct stored.account_id
    from {{ this }} as stored
    inner join {{ current_days }}
        on
            stored.account_id = {{ current_days }}.account_id
            and stored.date_day = {{ current_days }}.date_day
    where
        {%- set pairs = columns.items() if columns is mapping else zip(columns, columns) | list %}
        {%- for stored_column, current_column in pairs %}
        coalesce(cast(stored.{{ stored_column }} as {{ dbt.type_string() }}), '~')
        <> coalesce(cast({{ current_days }}.{{ current_column }} as {{ dbt.type_string() }}), '~')
        {{- ' or' if not loop.last or also_changed }}
        {%- endfor %}
        {%- if also_changed %}
        {{ also_changed }}
        {%- endif %}
{%- endmacro %}


{#- Body of a CTE of the same models: the rows of `relation` (a CTE) of the accounts in CTE
    `accounts` from their day `from_column` on (`date_column` of the rows), with `extra_columns`
    of `accounts` (SQL, e.g. "accounts.written_from_date"). -#}
{% macro account_rows_from(relation, date_column, accounts, from_column, extra_columns=[]) -%}
select
    {{ relation }}.*
    {%- for column in extra_columns %},
    {{ column }}
    {%- endfor %}
from {{ relation }}
inner join {{ accounts }}
    on
        {{ relation }}.account_id = {{ accounts }}.account_id
        and {{ relation }}.{{ date_column }} >= {{ accounts }}.{{ from_column }}
{%- endmacro %}


{#- Body of a CTE of the same models: per account of CTE `accounts` (account_id, signup_date),
    the first day this run writes (written_from_date). A full build writes from signup. An
    incremental run writes from CTE `recompute`'s recompute_from_date, and from signup an
    account that has no stored row, whose first stored day (CTE `stored_accounts`,
    stored_account_first_days) is not its signup date or that is in CTE `replanned_accounts`
    (stored plan columns that changed). -#}
{% macro account_written_from_dates() -%}
    {%- if is_incremental() %}
    select
        accounts.account_id,
        accounts.signup_date,
        case
            when
                stored_accounts.first_stored_date is null
                or stored_accounts.first_stored_date <> accounts.signup_date
                or replanned_accounts.account_id is not null
                then accounts.signup_date
            else greatest(accounts.signup_date, recompute.recompute_from_date)
        end as written_from_date
    from accounts
    cross join recompute
    left join stored_accounts
        on accounts.account_id = stored_accounts.account_id
    left join replanned_accounts
        on accounts.account_id = replanned_accounts.account_id
    {%- else %}
    select
        account_id,
        signup_date,
        signup_date as written_from_date
    from accounts
    {%- endif %}
{%- endmacro %}
