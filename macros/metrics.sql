{#- Time windows of the usage-metric marts (fct_account_usage_metrics, fct_app_usage_metrics), in
    days. Window N is the N days ending on the as-of date, inclusive (days_before_as_of 0 .. N-1);
    its previous period is the N days before it (days_before_as_of N .. 2N-1). Each window is a
    set of columns of a contracted mart, so changing the list changes the marts' contracts. -#}
{% macro metric_windows() -%}
    {{ return([1, 7, 30, 90]) }}
{%- endmacro %}


{#- Days of history the daily metric marts keep (fct_account_metric_daily, fct_app_metric_daily),
    ending on the as-of date. -#}
{% macro metric_daily_history_days() -%}
    {{ return(var('metric_daily_history_days') | int) }}
{%- endmacro %}


{#- The days a daily metric mart's spine covers: the history kept and 34 days before it, so
    that the values 7 and 28 days earlier and their trailing-7-day sums are complete on the
    first day kept. -#}
{% macro metric_daily_spine_days() -%}
    {{ return(metric_daily_history_days() + 34) }}
{%- endmacro %}


{#- Aggregates of a metric over every window of metric_windows() and its previous period, from
    rows carrying `days_before_as_of`: sums of `value_column`, or (distinct=true) counts of
    distinct `value_column` (exact: a user active on several days of a window counts once). -#}
{% macro metric_window_aggregates(value_column, distinct=false) -%}
    {%- for days in metric_windows() %}
        {%- for prefix, low, high in [('value', 0, days), ('previous_value', days, 2 * days)] %}
            {%- set in_window = 'days_before_as_of >= ' ~ low ~ ' and days_before_as_of < ' ~ high %}
            {%- if distinct %}
        count(distinct case when {{ in_window }} then {{ value_column }} end) as {{ prefix }}_{{ days }}d,
            {%- else %}
        sum(case when {{ in_window }} then {{ value_column }} else 0 end) as {{ prefix }}_{{ days }}d,
            {%- endif %}
        {%- endfor %}
    {%- endfor %}
{%- endmacro %}


{#- The output columns of every window: value, previous value, absolute change and percent
    change (100 * change / previous; null when the previous value is 0), typed. `relation` is the
    alias of the rows holding value_<N>d and previous_value_<N>d (null read as 0). -#}
{% macro metric_window_columns(relation) -%}
    {%- for days in metric_windows() %}
        {%- set value = 'coalesce(' ~ relation ~ '.value_' ~ days ~ 'd, 0)' %}
        {%- set previous = 'coalesce(' ~ relation ~ '.previous_value_' ~ days ~ 'd, 0)' %}
        cast({{ value }} as {{ dbt.type_numeric() }}) as value_{{ days }}d,
        cast({{ previous }} as {{ dbt.type_numeric() }}) as previous_value_{{ days }}d,
        cast({{ value }} - {{ previous }} as {{ dbt.type_numeric() }}) as change_{{ days }}d,
        cast(100.0 * ({{ value }} - {{ previous }}) as {{ type_double() }}) / nullif({{ previous }}, 0) as pct_change_{{ days }}d,
    {%- endfor %}
{%- endmacro %}


{#- Grouping levels of the metric marts: the key columns a metric is counted by, before
    metric_key. `[]` is the whole app, `['account_id']` one account. -#}
{% macro metric_grain_columns(grain, relation=none, trailing_comma=true) -%}
    {%- for column in grain %}
        {{ relation ~ '.' if relation else '' }}{{ column }}{{ ',' if trailing_comma or not loop.last }}
    {%- endfor %}
{%- endmacro %}


{#- Body of a CTE: the rows of `relation` (int_metrics__account_daily or
    int_metrics__account_user_daily) up to the as-of date (CTE `as_of`), keeping the `grain`
    columns, metric_key, metric_date and `value_column`, plus days_before_as_of for
    metric_window_aggregates. summed_only leaves out distinct_users metrics (they are counted
    from user-level rows). -#}
{% macro metric_rows_to_date(relation, grain, value_column, summed_only=false) -%}
    select
        {{- metric_grain_columns(grain, relation) }}
        {{ relation }}.metric_key,
        {{ relation }}.metric_date,
        {{ relation }}.{{ value_column }},
        {{ dbt.datediff(relation ~ '.metric_date', 'as_of.as_of_date', 'day') }} as days_before_as_of
    from {{ relation }}
    cross join as_of
    where
        {%- if summed_only %}
        {{ relation }}.aggregation <> 'distinct_users'
        and {{ relation }}.metric_date <= as_of.as_of_date
        {%- else %}
        {{ relation }}.metric_date <= as_of.as_of_date
        {%- endif %}
{%- endmacro %}


{#- Body of a CTE: every window of metric_windows() (value and previous value), the all-time
    value and the first and last event dates, by `grain` × metric_key. Summed metrics from
    `daily_relation` (metric_value), distinct_users metrics counted from the user ids of
    `user_relation`, both built with metric_rows_to_date. -#}
{% macro metric_window_values(grain, daily_relation='daily_to_date', user_relation='user_days_to_date') -%}
    {%- for relation, value_column, distinct in [
        (daily_relation, 'metric_value', false),
        (user_relation, 'user_id', true)
    ] %}
    select
        {{- metric_grain_columns(grain) }}
        metric_key,
        {{- metric_window_aggregates(value_column, distinct=distinct) }}
        {% if distinct %}count(distinct {{ value_column }}){% else %}sum({{ value_column }}){% endif %} as value_all_time,
        min(metric_date) as first_event_date,
        max(metric_date) as last_event_date
    from {{ relation }}
    group by
        {{- metric_grain_columns(grain) }}
        metric_key
    {%- if not loop.last %}

    union all
    {% endif %}
    {%- endfor %}
{%- endmacro %}


{#- Body of a CTE: by `grain` × metric_key × day, the change of the number of distinct users
    of `user_relation` (int_metrics__account_user_daily rows) with a row in the 7 days ending
    on that day (trailing_users_change). A user's row on day d whose previous row (same grain,
    metric and user) is on day p puts the user in the trailing windows of the days from
    max(d, p + 7) to d + 6, the ones p's row did not already cover: +1 on the first of them, -1
    on the day after the last (none when p = d). The running sum of the changes over a dense
    day spine (metric_daily_trailing_values) is then the trailing-7-day distinct count, and each
    user row is read once instead of once for each of its 7 days. -#}
{% macro metric_trailing_user_changes(grain, user_relation='account_user_daily') -%}
    {%- set partition = (grain + ['metric_key', 'user_id']) | join(', ') -%}
    {%- set seventh_day_after_previous = 'cast(' ~ dbt.dateadd('day', 7, 'user_days.previous_date') ~ ' as date)' %}
    select
        {{- metric_grain_columns(grain, 'spans') }}
        spans.metric_key,
        case when signs.change_count = 1 then spans.first_date else spans.end_date end as metric_date,
        sum(signs.change_count) as trailing_users_change
    from (
        select
            {{- metric_grain_columns(grain, 'user_days') }}
            user_days.metric_key,
            case
                when
                    user_days.previous_date is null
                    or {{ seventh_day_after_previous }} <= user_days.metric_date
                    then user_days.metric_date
                else {{ seventh_day_after_previous }}
            end as first_date,
            cast({{ dbt.dateadd('day', 7, 'user_days.metric_date') }} as date) as end_date
        from (
            select
                {{- metric_grain_columns(grain) }}
                metric_key,
                metric_date,
                lag(metric_date) over (partition by {{ partition }} order by metric_date asc) as previous_date
            from {{ user_relation }}
        ) as user_days
        where user_days.previous_date is null or user_days.previous_date < user_days.metric_date
    ) as spans
    cross join (
        select 1 as change_count
        union all
        select -1 as change_count
    ) as signs
    group by
        {{- metric_grain_columns(grain, 'spans') }}
        spans.metric_key,
        case when signs.change_count = 1 then spans.first_date else spans.end_date end
{%- endmacro %}


{#- Body of a CTE: the rows of `relation` (with a metric_date) on the last `days` days up to the
    as-of date of `dates` (dim_dates), joined on the date: a metric mart that keeps a bounded
    history reads only the daily rows it needs, whatever the length of the history loaded. -#}
{% macro metric_rows_of_last_days(relation, days, dates='dates') -%}
    select {{ relation }}.*
    from {{ relation }}
    inner join {{ dates }}
        on {{ relation }}.metric_date = {{ dates }}.date_day
    where {{ dates }}.days_before_as_of < {{ days }}
{%- endmacro %}


{#- Two CTEs, `daily_in_window` and `user_days_in_window`: the rows of `daily` and `user_daily`
    on the last `days` days (metric_rows_of_last_days), where `days` covers every value of a
    kept day (its trailing 7 days, the days 7 and 28 days earlier and their trailing 7 days).
    Older rows are left out first, so a metric mart's cost follows the history it keeps, not
    the history loaded. Each CTE ends with a comma. -#}
{% macro metric_rows_in_window_ctes(daily, user_daily, days, dates='dates') -%}
daily_in_window as (
    {{ metric_rows_of_last_days(daily, days, dates) }}
),

user_days_in_window as (
    {{ metric_rows_of_last_days(user_daily, days, dates) }}
),
{%- endmacro %}


{#- Body of a CTE: the dense daily spine (`spine`: grain, metric_key, aggregation, metric_date,
    days_before_as_of) valued from `daily_values` (grain, metric_key, metric_date, metric_value;
    zero where missing) and `trailing_users` (metric_trailing_user_changes), with the
    trailing-7-day value: distinct users the running sum of the changes of the user count,
    other metrics the sum of 7 daily values. The spine starts on or before a metric's first
    user row, so the running sum starts from zero. -#}
{% macro metric_daily_trailing_values(grain, spine='spine', daily_values='daily_values', trailing_users='trailing_users') -%}
    {%- set partition_columns = [] %}
    {%- for column in grain + ['metric_key'] %}{% do partition_columns.append(spine ~ '.' ~ column) %}{% endfor %}
    select
        {{- metric_grain_columns(grain, spine) }}
        {{ spine }}.metric_key,
        {{ spine }}.metric_date,
        {{ spine }}.days_before_as_of,
        coalesce({{ daily_values }}.metric_value, 0) as metric_value,
        case
            when {{ spine }}.aggregation = 'distinct_users' then sum(coalesce({{ trailing_users }}.trailing_users_change, 0)) over (
                partition by {{ partition_columns | join(', ') }}
                order by {{ spine }}.metric_date asc nulls last
                rows between unbounded preceding and current row
            )
            else sum(coalesce({{ daily_values }}.metric_value, 0)) over (
                partition by {{ partition_columns | join(', ') }}
                order by {{ spine }}.metric_date asc nulls last
                rows between 6 preceding and current row
            )
        end as trailing_7d_value
    from {{ spine }}
    {%- for relation in [daily_values, trailing_users] %}
    left join {{ relation }}
        on
            {%- for column in grain + ['metric_key', 'metric_date'] %}
            {{ 'and ' if not loop.first }}{{ spine }}.{{ column }} = {{ relation }}.{{ column }}
            {%- endfor %}
    {%- endfor %}
{%- endmacro %}


{#- Body of a CTE: the rows of `relation` (metric_daily_trailing_values) with the day's value
    and the trailing-7-day value 7 and 28 days earlier (null before the first day of the spine). -#}
{% macro metric_daily_comparisons(grain, relation='trailing_values') -%}
    {%- set partition = (grain + ['metric_key']) | join(', ') %}
    {%- set lags = [
        ('metric_value', 7), ('metric_value', 28), ('trailing_7d_value', 7), ('trailing_7d_value', 28)
    ] %}
    select
        *,
        {%- for column, days in lags %}
        lag({{ column }}, {{ days }}) over (
            partition by {{ partition }} order by metric_date asc nulls last
        ) as {{ column }}_{{ days }}_days_earlier{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ relation }}
{%- endmacro %}


{#- Body of a CTE: the rows of `rows_relation` matched with every metric of
    `definitions_relation` (int_metrics__definitions columns) that counts them, one equi-join per
    match level (feature, module, product, event_name) plus level 'all' joined to every row: a
    join on an OR of conditions would compare every row with every metric. `rows_relation` needs
    the taxonomy columns of fct_usage_events. -#}
{% macro metric_level_matches(rows_relation, definitions_relation) -%}
    {%- for level in ['feature', 'module', 'product', 'event_name', 'all'] %}
    select
        {{ rows_relation }}.*,
        {{ definitions_relation }}.metric_key,
        {{ definitions_relation }}.aggregation,
        {{ definitions_relation }}.property_name,
        {{ definitions_relation }}.property_value,
        {{ definitions_relation }}.value_property,
        {{ definitions_relation }}.is_active_use_only
    from {{ rows_relation }}
    inner join {{ definitions_relation }}
        on
            {{ definitions_relation }}.match_level = '{{ level }}'
            {%- if level != 'all' %}
            and {{ rows_relation }}.{{ level }} = {{ definitions_relation }}.match_value
            {%- endif %}
    {%- if not loop.last %}

    union all
    {%- endif %}
    {%- endfor %}
{%- endmacro %}
