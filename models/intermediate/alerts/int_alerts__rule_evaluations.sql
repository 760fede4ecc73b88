{#- Grain: one row per account × enabled alert rule (seed alert_rules) × UTC day of the
    account's signal spine (signup date to as-of date).

    A rule is evaluated on a day when the account is live and at least min_account_age_days
    old; it is triggered when evaluated and `signal_value comparison threshold` holds. A
    missing signal value (no baseline, too few operations, no plan limit) never triggers. -#}
with signals as (
    select * from {{ ref('int_alerts__account_daily_signals') }}
),

alert_rules as (
    select * from {{ ref('alert_rules') }}
),

dates as (
    select * from {{ ref('dim_dates') }}
),

as_of as (
    select max(as_of_date) as as_of_date
    from dates
),

enabled_rules as (
    select
        rule_name,
        threshold,
        trim(rule_key) as rule_key,
        lower(trim(kind)) as kind,
        lower(trim(signal)) as signal,  -- noqa: RF04
        lower(trim(comparison)) as comparison,
        coalesce(min_account_age_days, 0) as min_account_age_days
    from alert_rules
    where is_enabled
),

signal_values as (
    select
        signals.account_id,
        signals.date_day,
        as_of.as_of_date,
        signals.account_age_days,
        signals.is_account_live,
        enabled_rules.rule_key,
        enabled_rules.rule_name,
        enabled_rules.kind,
        enabled_rules.signal,
        enabled_rules.comparison,
        enabled_rules.threshold,
        enabled_rules.min_account_age_days,
        {{ alert_signal_value('enabled_rules.signal', 'signals') }} as signal_value
    from signals
    cross join enabled_rules
    cross join as_of
),

evaluated as (
    select
        *,
        is_account_live and account_age_days >= min_account_age_days as is_evaluated,
        coalesce({{ alert_comparison('signal_value', 'comparison', 'threshold') }}, false) as is_condition_met
    from signal_values
),

final as (
    select
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        cast(rule_key as {{ dbt.type_string() }}) as rule_key,
        cast(date_day as date) as date_day,
        cast(as_of_date as date) as as_of_date,
        cast(rule_name as {{ dbt.type_string() }}) as rule_name,
        cast(kind as {{ dbt.type_string() }}) as kind,
        cast(signal as {{ dbt.type_string() }}) as signal,  -- noqa: RF04
        cast(comparison as {{ dbt.type_string() }}) as comparison,
        cast(threshold as {{ type_double() }}) as threshold,
        cast(min_account_age_days as {{ dbt.type_int() }}) as min_account_age_days,
        cast(account_age_days as {{ dbt.type_int() }}) as account_age_days,
        is_account_live,
        cast(signal_value as {{ type_double() }}) as signal_value,
        is_evaluated,
        is_condition_met,
        is_evaluated and is_condition_met as is_triggered
    from evaluated
)

select * from final
