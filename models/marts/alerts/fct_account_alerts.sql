{#- Grain: one row per alert episode: a run of consecutive days on which one rule was
    triggered for one account (gaps and islands over int_alerts__rule_evaluations).

    Debounced: a rule that stays true is one open episode, not an alert a day. The episode
    opens on the first triggered day and closes on the first day after it that the rule is no
    longer true (also when the account stops being evaluated, e.g. its subscription ended);
    it is open while the rule is still true on the as-of date. Rebuilt whole from history on
    every run: alert_id is stable as long as the opening day is.

    Method: only the triggered days are read in order. The evaluations have a row for every
    day of the account's spine (signup to as-of date), so consecutive triggered rows are
    consecutive days, and the day number less the row's rank among the triggered days is the
    same along a run and different between runs (windows over the triggered rows instead of
    over every evaluation). The day after the episode (its closing evaluation, when the
    spine has one) is joined back by date. -#}
{%- set day_number = dbt.datediff("cast('2000-01-01' as date)", 'date_day', 'day') %}

with evaluations as (
    select * from {{ ref('int_alerts__rule_evaluations') }}
),

triggered as (
    select
        account_id,
        rule_key,
        kind,
        signal,  -- noqa: RF04
        comparison,
        threshold,
        date_day,
        as_of_date,
        signal_value,
        {{ day_number }} - row_number() over (
            partition by account_id, rule_key
            order by date_day asc
        ) as run_key
    from evaluations
    where is_triggered
),

run_days as (
    select
        *,
        min(date_day) over (partition by account_id, rule_key, run_key) as opened_on,
        max(date_day) over (partition by account_id, rule_key, run_key) as last_triggered_on
    from triggered
),

runs as (
    select
        account_id,
        rule_key,
        opened_on,
        last_triggered_on,
        max(kind) as kind,
        max(signal) as signal,  -- noqa: RF04
        max(comparison) as comparison,
        max(as_of_date) as as_of_date,
        count(*) as triggered_day_count,
        max(case when date_day = opened_on then signal_value end) as opening_signal_value,
        max(case when date_day = opened_on then threshold end) as threshold,
        max(case when date_day = last_triggered_on then signal_value end) as latest_signal_value
    from run_days
    group by
        account_id,
        rule_key,
        opened_on,
        last_triggered_on
),

episodes as (
    select
        runs.*,
        closing.date_day as closed_on,
        closing.signal_value as closing_signal_value
    from runs
    left join evaluations as closing
        on
            runs.account_id = closing.account_id
            and runs.rule_key = closing.rule_key
            and cast({{ dbt.dateadd('day', 1, 'runs.last_triggered_on') }} as date) = closing.date_day
),

final as (
    select
        cast(
            {{ dbt.hash(dbt.concat([
                'account_id', "'|'", 'rule_key', "'|'", 'cast(opened_on as ' ~ dbt.type_string() ~ ')',
            ])) }} as {{ dbt.type_string() }}
        ) as alert_id,
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        cast(rule_key as {{ dbt.type_string() }}) as rule_key,
        cast(kind as {{ dbt.type_string() }}) as kind,
        cast(signal as {{ dbt.type_string() }}) as signal,  -- noqa: RF04
        cast(comparison as {{ dbt.type_string() }}) as comparison,
        cast(opened_on as date) as opened_on,
        cast(last_triggered_on as date) as last_triggered_on,
        cast(closed_on as date) as closed_on,
        closed_on is null as is_open,
        cast(triggered_day_count as {{ dbt.type_int() }}) as days_open,
        cast(opening_signal_value as {{ type_double() }}) as opening_signal_value,
        cast(threshold as {{ type_double() }}) as threshold,
        cast(latest_signal_value as {{ type_double() }}) as latest_signal_value,
        cast(closing_signal_value as {{ type_double() }}) as closing_signal_value,
        cast(as_of_date as date) as as_of_date
    from episodes
)

select * from final
