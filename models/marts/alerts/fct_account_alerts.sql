{#- Grain: one row per alert episode: a run of consecutive days on which one rule was
    triggered for one account (gaps and islands over int_alerts__rule_evaluations).

    Debounced: a rule that stays true is one open episode, not an alert a day. The episode
    opens on the first triggered day and closes on the first day after it that the rule is no
    longer true (also when the account stops being evaluated, e.g. its subscription ended);
    it is open while the rule is still true on the as-of date. Rebuilt whole from history on
    every run: alert_id is stable as long as the opening day is. -#}
with evaluations as (
    select * from {{ ref('int_alerts__rule_evaluations') }}
),

sequenced as (
    select
        account_id,
        rule_key,
        kind,
        signal,
        comparison,
        threshold,
        date_day,
        as_of_date,
        signal_value,
        is_triggered,
        lag(is_triggered) over (
            partition by account_id, rule_key
            order by date_day asc nulls last
        ) as was_triggered_before,
        lead(is_triggered) over (
            partition by account_id, rule_key
            order by date_day asc nulls last
        ) as is_triggered_next,
        lead(date_day) over (
            partition by account_id, rule_key
            order by date_day asc nulls last
        ) as next_date_day,
        lead(signal_value) over (
            partition by account_id, rule_key
            order by date_day asc nulls last
        ) as next_signal_value
    from evaluations
),

flagged as (
    select
        *,
        is_triggered and not coalesce(was_triggered_before, false) as is_episode_start,
        is_triggered and not coalesce(is_triggered_next, false) as is_episode_end
    from sequenced
),

-- Each start opens a new island: the running count of starts numbers the episodes.
numbered as (
    select
        *,
        sum(case when is_episode_start then 1 else 0 end) over (
            partition by account_id, rule_key
            order by date_day asc nulls last
            rows between unbounded preceding and current row
        ) as episode_number
    from flagged
),

episodes as (
    select
        account_id,
        rule_key,
        episode_number,
        max(kind) as kind,
        max(signal) as signal,  -- noqa: RF04
        max(comparison) as comparison,
        max(as_of_date) as as_of_date,
        min(date_day) as opened_on,
        max(date_day) as last_triggered_on,
        count(*) as triggered_day_count,
        max(case when is_episode_end then next_date_day end) as closed_on,
        max(case when is_episode_start then signal_value end) as opening_signal_value,
        max(case when is_episode_start then threshold end) as threshold,
        max(case when is_episode_end then signal_value end) as latest_signal_value,
        max(case when is_episode_end then next_signal_value end) as closing_signal_value
    from numbered
    where is_triggered
    group by
        account_id,
        rule_key,
        episode_number
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
