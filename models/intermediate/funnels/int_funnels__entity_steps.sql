{{ config(materialized='table') }}

{#- One row per funnel × person who entered it × step of the funnel, for two kinds of person
    (entity_type): a user (their own events) and an account (the events of any of its users,
    and events without a user).

    Entry: the person's first step-1 event up to the as-of date (one entry per person per
    funnel; later step-1 events do not start a new attempt; step events after the as-of date
    are left out). Step k is reached at the earliest
    step-k event strictly after the time step k-1 was reached and at most
    conversion_window_days (24-hour days, the end included) after the entry; a step-k event
    before step k-1 was reached does not count, the step must be done again after it.

    The matching is one CTE per step number, generated up to the highest step number of seed
    funnel_steps (read when the model runs: funnel_step_count), each joining the people who
    reached the previous step to their events of the step: no recursive CTE (Spark has none),
    no qualify. -#}
{%- set step_count = funnel_step_count(ref('funnel_steps')) %}

-- The step events are read where used (the entries and each step, for users and for accounts):
-- materialized, every step event of the history would be copied first.
with all_step_events as {{ not_materialized() }} (
    select * from {{ ref('int_funnels__step_events') }}
),

steps as (
    select * from {{ ref('int_funnels__steps') }}
),

plan_days as (
    select * from {{ ref('int_accounts__plan_days') }}
),

accounts as (
    select * from {{ ref('dim_accounts') }}
),

dates as (
    select * from {{ ref('dim_dates') }}
),

as_of as (
    select max(as_of_date) as as_of_date
    from dates
),

step_events as {{ not_materialized() }} (
    select all_step_events.*
    from all_step_events
    cross join as_of
    where all_step_events.event_date <= as_of.as_of_date
),

funnels as (
    select distinct
        funnel_name,
        conversion_window_days
    from steps
),

-- Every matching event once per person it belongs to: its user, and its account. Read where
-- used (the entries and each step): materialized, a copy of every step event would be written
-- first.
entity_events as {{ not_materialized() }} (
    select
        funnel_name,
        step_number,
        'user' as entity_type,
        user_id as entity_id,
        account_id,
        event_id,
        event_at
    from step_events
    where user_id is not null

    union all

    select
        funnel_name,
        step_number,
        'account' as entity_type,
        account_id as entity_id,
        account_id,
        event_id,
        event_at
    from step_events
    where account_id is not null
),

-- The entry time first (a grouping), then only the step-1 events at that time are ranked by
-- event id: ranking every step-1 event of the history sorted them all.
entry_times as (
    select
        funnel_name,
        entity_type,
        entity_id,
        min(event_at) as entry_at
    from entity_events
    where step_number = 1
    group by
        funnel_name,
        entity_type,
        entity_id
),

ranked_entries as (
    select
        entity_events.funnel_name,
        entity_events.entity_type,
        entity_events.entity_id,
        entity_events.account_id,
        entity_events.event_at,
        funnels.conversion_window_days,
        row_number() over (
            partition by entity_events.funnel_name, entity_events.entity_type, entity_events.entity_id
            order by entity_events.event_id asc nulls last
        ) as entry_rank
    from entity_events
    inner join entry_times
        on
            entity_events.funnel_name = entry_times.funnel_name
            and entity_events.entity_type = entry_times.entity_type
            and entity_events.entity_id = entry_times.entity_id
            and entity_events.event_at = entry_times.entry_at
    inner join funnels
        on entity_events.funnel_name = funnels.funnel_name
    where entity_events.step_number = 1
),

-- Step 1: the entry, the person's first step-1 event.
step_1 as (
    select
        funnel_name,
        entity_type,
        entity_id,
        account_id,
        conversion_window_days,
        event_at as entry_at,
        event_at as reached_at
    from ranked_entries
    where entry_rank = 1
),
{%- for step_number in range(2, step_count + 1) %}

-- Step {{ step_number }}: the earliest step-{{ step_number }} event after step {{ step_number - 1 }}, within the window.
step_{{ step_number }} as (
    select
        previous_step.funnel_name,
        previous_step.entity_type,
        previous_step.entity_id,
        previous_step.entry_at,
        previous_step.conversion_window_days,
        min(entity_events.event_at) as reached_at
    from step_{{ step_number - 1 }} as previous_step
    inner join entity_events
        on
            previous_step.funnel_name = entity_events.funnel_name
            and previous_step.entity_type = entity_events.entity_type
            and previous_step.entity_id = entity_events.entity_id
            and entity_events.step_number = {{ step_number }}
            and previous_step.reached_at < entity_events.event_at
            and {{ seconds_between('previous_step.entry_at', 'entity_events.event_at') }}
            <= previous_step.conversion_window_days * 86400
    group by
        previous_step.funnel_name,
        previous_step.entity_type,
        previous_step.entity_id,
        previous_step.entry_at,
        previous_step.conversion_window_days
),
{%- endfor %}

reached_steps as (
    {%- for step_number in range(1, step_count + 1) %}
    select
        funnel_name,
        entity_type,
        entity_id,
        {{ step_number }} as step_number,
        reached_at
    from step_{{ step_number }}
    {%- if not loop.last %}

    union all
    {%- endif %}
    {%- endfor %}
),

-- Every step of the funnel for every person who entered it, reached or not.
entrant_steps as (
    select
        step_1.funnel_name,
        step_1.entity_type,
        step_1.entity_id,
        step_1.account_id,
        step_1.entry_at,
        step_1.conversion_window_days,
        steps.step_number,
        steps.step_name,
        steps.step_count
    from step_1
    inner join steps
        on step_1.funnel_name = steps.funnel_name
),

final as (
    select
        cast(entrant_steps.funnel_name as {{ dbt.type_string() }}) as funnel_name,
        cast(entrant_steps.entity_type as {{ dbt.type_string() }}) as entity_type,
        cast(entrant_steps.entity_id as {{ dbt.type_string() }}) as entity_id,
        cast(entrant_steps.step_number as {{ dbt.type_int() }}) as step_number,
        cast(entrant_steps.step_name as {{ dbt.type_string() }}) as step_name,
        cast(entrant_steps.step_count as {{ dbt.type_int() }}) as step_count,
        cast(entrant_steps.account_id as {{ dbt.type_string() }}) as account_id,
        cast(coalesce(plan_days.plan, accounts.plan) as {{ dbt.type_string() }}) as entry_plan,
        cast(entrant_steps.entry_at as {{ dbt.type_timestamp() }}) as entry_at,
        cast(entrant_steps.entry_at as date) as entry_date,
        cast(entrant_steps.conversion_window_days as {{ dbt.type_int() }}) as conversion_window_days,
        cast(
            {{ dbt.dateadd('day', 'entrant_steps.conversion_window_days', 'entrant_steps.entry_at') }}
            as {{ dbt.type_timestamp() }}
        ) as window_end_at,
        {{ dbt.dateadd('day', 'entrant_steps.conversion_window_days', 'entrant_steps.entry_at') }}
        < {{ dbt.dateadd('day', 1, 'as_of.as_of_date') }} as is_window_closed,
        cast(as_of.as_of_date as date) as as_of_date,
        reached_steps.reached_at is not null as is_reached,
        cast(reached_steps.reached_at as {{ dbt.type_timestamp() }}) as reached_at,
        cast(previous_steps.reached_at as {{ dbt.type_timestamp() }}) as previous_reached_at,
        cast(
            {{ seconds_between('previous_steps.reached_at', 'reached_steps.reached_at') }}
            as {{ type_double() }}
        ) as seconds_from_previous
    from entrant_steps
    cross join as_of
    left join reached_steps
        on
            entrant_steps.funnel_name = reached_steps.funnel_name
            and entrant_steps.entity_type = reached_steps.entity_type
            and entrant_steps.entity_id = reached_steps.entity_id
            and entrant_steps.step_number = reached_steps.step_number
    left join reached_steps as previous_steps
        on
            entrant_steps.funnel_name = previous_steps.funnel_name
            and entrant_steps.entity_type = previous_steps.entity_type
            and entrant_steps.entity_id = previous_steps.entity_id
            and entrant_steps.step_number - 1 = previous_steps.step_number
    left join plan_days
        on
            entrant_steps.account_id = plan_days.account_id
            and cast(entrant_steps.entry_at as date) = plan_days.date_day
    left join accounts
        on entrant_steps.account_id = accounts.account_id
)

select * from final
