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
    {{ return(var('metric_daily_history_days', 365) | int) }}
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
        cast(100.0 * ({{ value }} - {{ previous }}) / nullif({{ previous }}, 0) as {{ type_double() }}) as pct_change_{{ days }}d,
    {%- endfor %}
{%- endmacro %}
