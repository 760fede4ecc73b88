-- The customer-success morning summary, as of the build's as-of date, one list under another:
--   at_risk         accounts with an open risk alert (one row per open alert, longest open first)
--   upsell          accounts with an open upsell alert (one row per open alert)
--   top_mover       the 5 live accounts whose active events changed most (in events), last 7 days against
--                   the 7 before
with alerts as (
    select * from {{ ref('fct_account_alerts') }}
),

alert_rules as (
    select * from {{ ref('alert_rules') }}
),

accounts as (
    select * from {{ ref('dim_accounts') }}
),

signals as (
    select * from {{ ref('int_alerts__account_daily_signals') }}
),

dates as (
    select * from {{ ref('dim_dates') }}
),

open_alerts as (
    select
        case when alerts.kind = 'risk' then 1 else 2 end as section_order,
        case when alerts.kind = 'risk' then 'at_risk' else 'upsell' end as section,
        alerts.account_id,
        alert_rules.rule_name as reason,
        alerts.latest_signal_value as current_value,
        alerts.threshold,
        alerts.opened_on as since_date,
        alerts.days_open,
        row_number() over (
            partition by alerts.kind
            order by alerts.days_open desc nulls last, alerts.account_id asc nulls last, alerts.rule_key asc nulls last
        ) as section_rank
    from alerts
    inner join alert_rules
        on alerts.rule_key = alert_rules.rule_key
    where alerts.is_open
),

movers as (
    select
        3 as section_order,
        'top_mover' as section,
        account_id,
        {{ dbt.concat([
            "'active events 7d: '",
            'cast(active_event_count_prev_7d as ' ~ dbt.type_string() ~ ')',
            "' -> '",
            'cast(active_event_count_7d as ' ~ dbt.type_string() ~ ')',
        ]) }} as reason,
        active_event_change_pct_7d as current_value,
        cast(null as {{ type_double() }}) as threshold,
        cast(null as date) as since_date,
        cast(null as {{ dbt.type_int() }}) as days_open,
        row_number() over (
            order by
                abs(active_event_count_7d - active_event_count_prev_7d) desc nulls last,
                account_id asc nulls last
        ) as section_rank
    from signals
    where
        date_day = (select max(dates.as_of_date) from dates)
        and is_account_live
),

summary as (
    select * from open_alerts
    union all
    select * from movers
    where section_rank <= 5
),

final as (
    select
        summary.section_order,
        summary.section,
        summary.section_rank as rank_in_section,
        summary.account_id,
        accounts.account_name,
        accounts.plan,
        summary.reason,
        round(cast(summary.current_value as {{ dbt.type_numeric() }}), 3) as current_value,
        summary.threshold,
        summary.since_date,
        summary.days_open
    from summary
    left join accounts
        on summary.account_id = accounts.account_id
)

select
    section,
    rank_in_section,
    account_id,
    account_name,
    plan,
    reason,
    current_value,
    threshold,
    since_date,
    days_open
from final
order by section_order, rank_in_section
