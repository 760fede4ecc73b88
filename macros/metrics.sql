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


{#- Aggregates of a metric over every window of metric_windows() and its previous period
    (columns value_<N>d and previous_value_<N>d), from rows carrying `days_before_as_of`:
    - aggregate='sum': sums of `value_column`;
    - aggregate='flag': for rows grouped by user, 1 when the user has a row in the window with a
      non-null `value_column`, else 0;
    - aggregate='sum_flags': sums of those flags, read from columns of the same names: the exact
      number of distinct users (a user active on several days of a window counts once). -#}
{% macro metric_window_aggregates(value_column, aggregate='sum') -%}
    {%- for days in metric_windows() %}
        {%- for prefix, low, high in [('value', 0, days), ('previous_value', days, 2 * days)] %}
            {%- set name = prefix ~ '_' ~ days ~ 'd' %}
            {%- set in_window = 'days_before_as_of >= ' ~ low ~ ' and days_before_as_of < ' ~ high %}
            {%- if aggregate == 'flag' %}
        max(case when {{ in_window }} and {{ value_column }} is not null then 1 else 0 end) as {{ name }},
            {%- elif aggregate == 'sum_flags' %}
        sum({{ name }}) as {{ name }},
            {%- else %}
        sum(case when {{ in_window }} then {{ value_column }} else 0 end) as {{ name }},
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
    {#- A scalar subquery, not the joined column: an inequality against a joined column is a
        range join over every row. #}
    where
        {%- if summed_only %}
        {{ relation }}.aggregation <> 'distinct_users' and
        {%- endif %}
        {{ relation }}.metric_date <= (select max(as_of_dates.as_of_date) from as_of as as_of_dates)
{%- endmacro %}


{#- Body of a CTE: every window of metric_windows() (value and previous value), the all-time
    value and the first and last event dates, by `grain` × metric_key. Summed metrics from
    `daily_relation` (metric_value), distinct_users metrics from the user ids of
    `user_relation`, both built with metric_rows_to_date. Distinct users are counted in two
    groupings: one row per user with a 0/1 flag per window, then the flags summed. That is the
    same count as a count(distinct) per window, in one hash table of users instead of one per
    window (about a third of the time on a 15.7M-event history, see the decision log). -#}
{% macro metric_window_values(grain, daily_relation='daily_to_date', user_relation='user_days_to_date') -%}
    select
        {{- metric_grain_columns(grain) }}
        metric_key,
        {{- metric_window_aggregates('metric_value') }}
        sum(metric_value) as value_all_time,
        min(metric_date) as first_event_date,
        max(metric_date) as last_event_date
    from {{ daily_relation }}
    group by
        {{- metric_grain_columns(grain) }}
        metric_key

    union all

    select
        {{- metric_grain_columns(grain) }}
        metric_key,
        {{- metric_window_aggregates('user_id', aggregate='sum_flags') }}
        count(user_id) as value_all_time,
        min(first_event_date) as first_event_date,
        max(last_event_date) as last_event_date
    from (
        select
            {{- metric_grain_columns(grain) }}
            metric_key,
            user_id,
            {{- metric_window_aggregates('user_id', aggregate='flag') }}
            min(metric_date) as first_event_date,
            max(metric_date) as last_event_date
        from {{ user_relation }}
        group by
            {{- metric_grain_columns(grain) }}
            metric_key,
            user_id
    ) as user_windows
    group by
        {{- metric_grain_columns(grain) }}
        metric_key
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


{#- Body of a CTE: the dense daily spine (`spine`: grain, metric_key, aggregation, metric_date
    and the `spine_columns` passed through) valued from `daily_values` (grain, metric_key, metric_date, metric_value;
    zero where missing) and `trailing_users` (metric_trailing_user_changes), with the
    trailing-7-day value: distinct users the running sum of the changes of the user count,
    other metrics the sum of 7 daily values. The spine starts on or before a metric's first
    user row, so the running sum starts from zero. -#}
{% macro metric_daily_trailing_values(grain, spine='spine', daily_values='daily_values', trailing_users='trailing_users', spine_columns=['days_before_as_of'], daily_columns=[]) -%}
    {%- set partition_columns = [] %}
    {%- for column in grain + ['metric_key'] %}{% do partition_columns.append(spine ~ '.' ~ column) %}{% endfor %}
    select
        {{- metric_grain_columns(grain, spine) }}
        {{ spine }}.metric_key,
        {{ spine }}.metric_date,
        {%- for column in spine_columns %}
        {{ spine }}.{{ column }},
        {%- endfor %}
        {%- for column in daily_columns %}
        {{ daily_values }}.{{ column }},
        {%- endfor %}
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
    `definitions_relation` (int_metrics__definitions columns and a metric_number) that counts
    them, one equi-join per match level (feature, module, product, event_name) plus level 'all'
    joined to every row: a join on an OR of conditions would compare every row with every metric.
    `rows_relation` needs the taxonomy columns of fct_usage_events. -#}
{% macro metric_level_matches(rows_relation, definitions_relation) -%}
    {%- for level in ['feature', 'module', 'product', 'event_name', 'all'] %}
    select
        {{ rows_relation }}.*,
        {{ definitions_relation }}.metric_number,
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


{#- A query: per account × metric of `account_daily` (int_metrics__account_daily rows) with a
    row up to the as-of date, the first day of its daily spine: the account's signup date, or
    its first matching event when earlier (spine_start_date). Accounts not in dim_accounts have
    none. -#}
{% macro account_metric_spine_bounds(account_daily) -%}
    select
        account_daily.account_id,
        account_daily.metric_key,
        account_daily.aggregation,
        least(accounts.signup_date, min(account_daily.metric_date)) as spine_start_date
    from {{ account_daily }} as account_daily
    inner join {{ ref('dim_accounts') }} as accounts
        on account_daily.account_id = accounts.account_id
    where account_daily.metric_date <= (select max(dates.as_of_date) from {{ ref('dim_dates') }} as dates)
    group by
        account_daily.account_id,
        account_daily.metric_key,
        account_daily.aggregation,
        accounts.signup_date
{%- endmacro %}


{#- Post-hook of a daily metric mart in an incremental run: deletes the rows outside the days
    it keeps, from the later of the pair's spine start (`bounds_sql`: `grain`, metric_key,
    spine_start_date) and the first of the last `history_days` days, to the as-of date: the
    days that left the window, days after a moved-back as-of date, and the pairs no longer
    measured. -#}
{% macro delete_outside_metric_spine(history_days, bounds_sql, grain) -%}
    {{ return(adapter.dispatch('delete_outside_metric_spine', 'usage_warehouse')(history_days, bounds_sql, grain)) }}
{%- endmacro %}

{% macro default__delete_outside_metric_spine(history_days, bounds_sql, grain) -%}
    {%- if is_incremental() -%}
        {#- An equality join of the rows kept with their pair's bounds, then the rows outside:
            a `not exists` with the date conditions would be decorrelated into a join of every
            distinct row kept. -#}
        delete from {{ this }} as kept
        using (
            select
                {%- for column in grain %}
                kept_rows.{{ column }},
                {%- endfor %}
                kept_rows.metric_key,
                kept_rows.metric_date
            from {{ this }} as kept_rows
            cross join (select max(as_of_date) as as_of_date from {{ ref('dim_dates') }}) as as_of
            left join ({{ bounds_sql }}) as bounds
                on
                    {%- for column in grain %}
                    kept_rows.{{ column }} = bounds.{{ column }} and
                    {%- endfor %}
                    kept_rows.metric_key = bounds.metric_key
            where
                bounds.metric_key is null
                or kept_rows.metric_date < bounds.spine_start_date
                or kept_rows.metric_date <= {{ dbt.dateadd('day', -history_days, 'as_of.as_of_date') }}
                or kept_rows.metric_date > as_of.as_of_date
        ) as outside
        where
            {%- for column in grain %}
            kept.{{ column }} = outside.{{ column }} and
            {%- endfor %}
            kept.metric_key = outside.metric_key
            and kept.metric_date = outside.metric_date
    {%- else -%}
        select 1 as nothing_outside_the_spine
    {%- endif -%}
{%- endmacro %}

{#- Spark rebuilds the table whole (upsert_config): nothing to delete. -#}
{% macro spark__delete_outside_metric_spine(history_days, bounds_sql, grain) -%}
    select 1 as no_row_level_delete_on_spark
{%- endmacro %}


{#- A query: per metric of `definitions` (int_metrics__definitions), the first day of the app's
    daily spine: the earliest signup of `accounts` (dim_accounts) or the earliest day of
    `account_daily` (int_metrics__account_daily), whichever comes first (spine_start_date). -#}
{% macro app_metric_spine_bounds(definitions, accounts, account_daily) -%}
    select
        definitions.metric_key,
        definitions.aggregation,
        app_start.app_start_date as spine_start_date
    from {{ definitions }} as definitions
    cross join (
        select min(start_candidates.start_date) as app_start_date
        from (
            select min(accounts.signup_date) as start_date from {{ accounts }} as accounts
            union all
            select min(account_daily.metric_date) as start_date from {{ account_daily }} as account_daily
        ) as start_candidates
    ) as app_start
{%- endmacro %}


{#- CTEs of a daily metric mart (fct_account_metric_daily, fct_app_metric_daily), from CTE
    `spine_bounds` (`grain`, metric_key, aggregation, spine_start_date: the pair's first day),
    `as_of` (as_of_date, kept_from_date: the first day of the kept window), `dates` and the
    inputs `account_daily` and `account_user_daily`: per pair (`grain` × metric_key)
    `pair_windows` (written_from_date: the first day this run writes), `computed_pairs`
    (computed_from_date: `lead_days` before it, where its trailing and earlier values start)
    and the dense `spine` of the days computed. A full build writes the whole kept window. An
    incremental run writes the days from the earliest daily row loaded after the watermark, or
    the day after the newest day kept, and a pair whose first kept day is not the one stored
    (a first use, a signup date that arrived late) whole. Ends with a comma. -#}
{% macro metric_daily_window_ctes(grain, lead_days) -%}
{% if is_incremental() %}
-- The first day every pair is written from: the day after the newest day kept (the as-of date
-- moved over the days after it), or the earliest day of a daily row loaded after the watermark.
recompute as (
    {{ recompute_from_date(
        [('account_daily', 'metric_date'), ('account_user_daily', 'metric_date')], newest_of='metric_date'
    ) | indent(4) }}
),

stored_pairs as (
    select
        {{- metric_grain_columns(grain) }}
        metric_key,
        min(metric_date) as first_stored_date
    from {{ this }}
    group by
        {{- metric_grain_columns(grain) }}
        metric_key
),
{% endif %}

-- Per pair: the first day kept, the first day written in this run, and the first day of the
-- computation (lead_days before it, so trailing values and earlier values are complete).
pair_windows as (
    select
        {{- metric_grain_columns(grain, 'spine_bounds') }}
        spine_bounds.metric_key,
        spine_bounds.aggregation,
        spine_bounds.spine_start_date,
        greatest(spine_bounds.spine_start_date, as_of.kept_from_date) as kept_from_date,
        {%- if is_incremental() %}
        case
            when
                stored_pairs.first_stored_date is null
                or greatest(stored_pairs.first_stored_date, as_of.kept_from_date)
                <> greatest(spine_bounds.spine_start_date, as_of.kept_from_date)
                then greatest(spine_bounds.spine_start_date, as_of.kept_from_date)
            else greatest(spine_bounds.spine_start_date, as_of.kept_from_date, recompute.recompute_from_date)
        end as written_from_date
        {%- else %}
        greatest(spine_bounds.spine_start_date, as_of.kept_from_date) as written_from_date
        {%- endif %}
    from spine_bounds
    cross join as_of
    {%- if is_incremental() %}
    cross join recompute
    left join stored_pairs
        on
            {%- for column in grain %}
            spine_bounds.{{ column }} = stored_pairs.{{ column }} and
            {%- endfor %}
            spine_bounds.metric_key = stored_pairs.metric_key
    {%- endif %}
),

computed_pairs as (
    select
        pair_windows.*,
        greatest(
            pair_windows.spine_start_date,
            cast({{ dbt.dateadd('day', -lead_days, 'pair_windows.written_from_date') }} as date)
        ) as computed_from_date
    from pair_windows
    cross join as_of
    where pair_windows.written_from_date <= as_of.as_of_date
),

spine as (
    select
        {{- metric_grain_columns(grain, 'computed_pairs') }}
        computed_pairs.metric_key,
        computed_pairs.aggregation,
        computed_pairs.written_from_date,
        dates.date_day as metric_date
    from computed_pairs
    inner join dates
        on
            computed_pairs.computed_from_date <= dates.date_day
),
{%- endmacro %}


{#- Body of a CTE: the rows of `relation` (int_metrics__account_daily or
    int_metrics__account_user_daily) of the days computed for their pair (CTE computed_pairs,
    metric_daily_window_ctes), up to the as-of date, with `columns`. -#}
{% macro metric_rows_of_computed_pairs(relation, grain, columns) -%}
    select
        {{- metric_grain_columns(grain, relation) }}
        {{ relation }}.metric_key,
        {{ relation }}.metric_date,
        {%- for column in columns %}
        {{ relation }}.{{ column }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ relation }}
    inner join computed_pairs
        on
            {%- for column in grain %}
            {{ relation }}.{{ column }} = computed_pairs.{{ column }} and
            {%- endfor %}
            {{ relation }}.metric_key = computed_pairs.metric_key
            and {{ relation }}.metric_date >= computed_pairs.computed_from_date
    where {{ relation }}.metric_date between (select min(computed_from_date) from computed_pairs) and (select as_of_date from as_of)
{%- endmacro %}
