{#-
    Alert rules (seed alert_rules): the signals a rule can test and how it compares them.
-#}

{#- The signals int_alerts__account_daily_signals computes, one column each: the values a rule's
    `signal` may take. Adding a signal = a column in that model, a name here, and the value in
    the accepted_values test of alert_rules.signal (seeds/_seeds_alerts_billing.yml). -#}
{% macro alert_signals() -%}
    {{ return([
        'active_event_change_pct_7d',
        'days_without_active_user',
        'export_events_7d_vs_baseline',
        'error_rate_7d',
        'seat_utilization_28d',
        'quantity_vs_plan_limit',
        'advanced_feature_active_weeks',
    ]) }}
{%- endmacro %}


{#- The value of the signal a rule names, picked from the signal columns of a signals row. -#}
{% macro alert_signal_value(signal_expr, signals_relation_alias) -%}
    case {{ signal_expr }}
        {%- for signal in alert_signals() %}
        when '{{ signal }}' then cast({{ signals_relation_alias }}.{{ signal }} as {{ type_double() }})
        {%- endfor %}
    end
{%- endmacro %}


{#- True when `value comparison threshold` holds; null when the value is null (no signal). -#}
{% macro alert_comparison(value_expr, comparison_expr, threshold_expr) -%}
    case {{ comparison_expr }}
        when 'lt' then {{ value_expr }} < {{ threshold_expr }}
        when 'lte' then {{ value_expr }} <= {{ threshold_expr }}
        when 'gt' then {{ value_expr }} > {{ threshold_expr }}
        when 'gte' then {{ value_expr }} >= {{ threshold_expr }}
    end
{%- endmacro %}


{#- A SQL list of text literals for `x in (...)`: ('a', 'b'); a list that matches nothing when
    `values` is empty. -#}
{% macro alert_text_list(values) -%}
    {%- if values | length == 0 -%}
    (cast(null as {{ dbt.type_string() }}))
    {%- else -%}
    ({% for value in values %}'{{ value }}'{% if not loop.last %}, {% endif %}{% endfor %})
    {%- endif -%}
{%- endmacro %}


{#- SQL scalar: a hash of the configuration int_alerts__account_daily_signals applies to
    history (seed plan_entitlements and vars alert_export_features, alert_advanced_features,
    alert_error_rate_sources, alert_error_rate_min_operations), stored in every row: when it
    changes, the pre-hook empties the table and the run computes every day again. -#}
{% macro alert_signals_fingerprint() -%}
    {%- set settings = [
        var('alert_export_features'), var('alert_advanced_features'),
        var('alert_error_rate_sources'), var('alert_error_rate_min_operations'),
    ] | tojson | replace("'", "''") -%}
    {{ dbt.hash(dbt.concat([config_fingerprint(ref('plan_entitlements')), "'|" ~ settings ~ "'"])) }}
{%- endmacro %}
