{{ config(materialized='table') }}

{#- One row per usage event × funnel step it matches (an event can match steps of several
    funnels, or several steps of one funnel), for the enabled funnels, events up to the as-of
    date. A step matches one event name (exact) or one feature; with a property filter only
    events whose properties JSON has that top-level key with that text value (invalid JSON
    matches nothing). Materialized as a table: the one scan of fct_usage_events, read by
    int_funnels__entity_steps once per step. -#}
with events as (
    select * from {{ ref('fct_usage_events') }}
),

steps as (
    select * from {{ ref('int_funnels__steps') }}
),

dates as (
    select * from {{ ref('dim_dates') }}
),

as_of as (
    select max(as_of_date) as as_of_date
    from dates
),

events_to_date as (
    select
        events.event_id,
        events.event_name,
        events.feature,
        events.event_at,
        events.user_id,
        events.account_id,
        events.properties
    from events
    cross join as_of
    where events.event_date <= as_of.as_of_date
),

{# One equi-join per match level (a join on an OR of conditions would compare every event
   with every step). #}
matched as (
    {%- for level in ['event_name', 'feature'] %}
    select
        steps.funnel_name,
        steps.step_number,
        steps.property_name,
        steps.property_value,
        events_to_date.event_id,
        events_to_date.event_at,
        events_to_date.user_id,
        events_to_date.account_id,
        events_to_date.properties
    from events_to_date
    inner join steps
        on
            steps.match_level = '{{ level }}'
            and events_to_date.{{ level }} = steps.{{ level }}
    {%- if not loop.last %}

    union all
    {%- endif %}
    {%- endfor %}
),

filtered as (
    select *
    from matched
    where
        property_name is null
        or {{ safe_json_extract_text('properties', 'property_name', key_is_sql=true) }} = property_value
),

final as (
    select
        cast(funnel_name as {{ dbt.type_string() }}) as funnel_name,
        cast(step_number as {{ dbt.type_int() }}) as step_number,
        cast(event_id as {{ dbt.type_string() }}) as event_id,
        cast(event_at as {{ dbt.type_timestamp() }}) as event_at,
        cast(user_id as {{ dbt.type_string() }}) as user_id,
        cast(account_id as {{ dbt.type_string() }}) as account_id
    from filtered
)

select * from final
