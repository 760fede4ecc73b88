{{ config(
    pre_hook="{{ delete_if_config_changed('steps_fingerprint', config_fingerprint(ref('int_funnels__steps'))) }}",
    post_hook="{{ delete_erased_users('user_id') }}",
    **partition_replace_config('event_date')
) }}

{#- One row per usage event × funnel step it matches (an event can match steps of several
    funnels, or several steps of one funnel), for the enabled funnels. A step matches one event
    name (exact) or one feature; with a property filter only events whose properties JSON has
    that top-level key with that text value (invalid JSON matches nothing). Materialized: the
    one scan of fct_usage_events, read by int_funnels__entity_steps once per step (which keeps
    the events up to the as-of date).

    Incremental: every day with an event loaded after the watermark is recomputed whole; an
    edit of the funnel steps (fingerprint of int_funnels__steps) recomputes every day. -#}
{%- set events_relation = ref('fct_usage_events') -%}

{%- set fingerprint = config_fingerprint(ref('int_funnels__steps')) -%}
{#- The rows the pre-hook keeps: written with the current configuration. -#}
{%- set current_config_rows = 'steps_fingerprint = ' ~ fingerprint -%}

-- Read where used (once per step match): materialized, a copy of every event would be written
-- first.
with events as {{ not_materialized() }} (
    select * from {{ events_relation }}
    where {{ affected_dates_filter(events_relation, 'event_date', watermark_condition=current_config_rows) }}
),

steps as (
    select * from {{ ref('int_funnels__steps') }}
),

step_candidates as (
    select
        event_id,
        event_name,
        feature,
        event_at,
        event_date,
        user_id,
        account_id,
        properties,
        loaded_at
    from events
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
        step_candidates.event_id,
        step_candidates.event_at,
        step_candidates.event_date,
        step_candidates.user_id,
        step_candidates.account_id,
        step_candidates.properties,
        step_candidates.loaded_at
    from step_candidates
    inner join steps
        on
            steps.match_level = '{{ level }}'
            and step_candidates.{{ level }} = steps.{{ level }}
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
        cast(event_date as date) as event_date,
        cast(user_id as {{ dbt.type_string() }}) as user_id,
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        cast(loaded_at as {{ dbt.type_timestamp() }}) as loaded_at,
        {{ fingerprint }} as steps_fingerprint
    from filtered
)

select * from final
