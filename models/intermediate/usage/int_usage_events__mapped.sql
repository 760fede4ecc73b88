{#- Usage events with the taxonomy applied: feature, module, product, the flags later
    layers use, and the quantity.

    A taxonomy rule with a property condition (property_name = property_value) is more
    specific than the rule for the same event without one, and wins. Among several matching
    conditional rules the first by (property_name, property_value) wins. Events that no
    rule maps are kept with feature, module and product 'unmapped'. -#}
{%- set rule_columns = [
    'taxonomy_rule_id', 'feature', 'module', 'product', 'is_active_use', 'is_value_event',
    'is_milestone_event', 'billable_unit', 'quantity_property',
] -%}
{%- set event_columns = [
    'event_id', 'source', 'source_record_id', 'event_name', 'event_at', 'received_at', 'loaded_at',
    'anonymous_id', 'user_id', 'account_id', 'properties', 'is_error', 'is_event_time_adjusted',
    'page_path', 'page_referrer', 'page_title', 'campaign_source', 'campaign_medium', 'campaign_name',
    'user_agent', 'library_name',
] -%}

-- Read once per branch below: inlined, so that a reader's filter (fct_usage_events'
-- incremental window) reaches the staging tables instead of the whole union being computed
-- first.
with events as {{ not_materialized() }} (
    select * from {{ ref('int_usage_events__unioned') }}
),

taxonomy as (
    select * from {{ ref('stg_config__usage_taxonomy') }}
),

conditional_rules as (
    select * from taxonomy
    where property_name is not null
),

unconditional_rules as (
    select * from taxonomy
    where property_name is null
),

-- The (source, event name) pairs that some rule with a property condition names.
conditional_events as (
    select distinct
        source,
        event_name
    from conditional_rules
),

-- Events of a pair without property conditions: their plain rule, if any.
plain_matched as (
    select
        {% for column in event_columns -%}
        events.{{ column }},
        {% endfor -%}
        {% for column in rule_columns -%}
        unconditional_rules.{{ column }} as rule_{{ column }},
        {% endfor -%}
        unconditional_rules.taxonomy_rule_id is not null as is_mapped
    from events
    left join unconditional_rules
        on
            events.source = unconditional_rules.source
            and events.event_name = unconditional_rules.event_name
    where
        not exists (
            select 1 from conditional_events
            where
                conditional_events.source = events.source
                and conditional_events.event_name = events.event_name
        )
),

-- Events of a pair with property conditions: every condition they meet, first by property
-- name and value (one row with no rule when they meet none). Each event is its own window
-- partition; the partition also names the columns a reader filters on (load time, user,
-- visitor), each the same for every row of an event, so that the reader's filter reaches the
-- events below the window and only the events it selects are matched.
conditional_candidates as (
    select
        {% for column in event_columns -%}
        events.{{ column }},
        {% endfor -%}
        {% for column in rule_columns -%}
        conditional_rules.{{ column }} as condition_{{ column }},
        {% endfor -%}
        row_number() over (
            partition by events.event_id, events.loaded_at, events.user_id, events.anonymous_id
            order by conditional_rules.property_name asc, conditional_rules.property_value asc
        ) as match_rank
    from events
    inner join conditional_events
        on
            events.source = conditional_events.source
            and events.event_name = conditional_events.event_name
    left join conditional_rules
        on
            events.source = conditional_rules.source
            and events.event_name = conditional_rules.event_name
            and {{ safe_json_extract_text('events.properties', 'conditional_rules.property_name', key_is_sql=true) }}
            = conditional_rules.property_value
),

conditional_matched as (
    select
        {% for column in event_columns -%}
        conditional_candidates.{{ column }},
        {% endfor -%}
        -- The matched rule decides every column, nulls included (not a coalesce per column).
        {% for column in rule_columns -%}
        case
            when conditional_candidates.condition_taxonomy_rule_id is not null  -- noqa: ST02
                then conditional_candidates.condition_{{ column }}
            else unconditional_rules.{{ column }}
        end as rule_{{ column }},
        {% endfor -%}
        conditional_candidates.condition_taxonomy_rule_id is not null
        or unconditional_rules.taxonomy_rule_id is not null as is_mapped
    from conditional_candidates
    left join unconditional_rules
        on
            conditional_candidates.source = unconditional_rules.source
            and conditional_candidates.event_name = unconditional_rules.event_name
    where conditional_candidates.match_rank = 1
),

matched as (
    select * from plain_matched
    union all
    select * from conditional_matched
),

final as (
    select
        {% for column in event_columns -%}
        {{ column }},
        {% endfor -%}
        is_mapped,
        rule_taxonomy_rule_id as taxonomy_rule_id,
        coalesce(rule_feature, 'unmapped') as feature,
        coalesce(rule_module, 'unmapped') as module,
        coalesce(rule_product, 'unmapped') as product,
        coalesce(rule_is_active_use, false) as is_active_use,
        coalesce(rule_is_value_event, false) as is_value_event,
        coalesce(rule_is_milestone_event, false) as is_milestone_event,
        rule_billable_unit as billable_unit,
        cast(
            case
                when rule_quantity_property is null then 1
                else coalesce({{ try_cast_number(safe_json_extract_text('properties', 'rule_quantity_property', key_is_sql=true)) }}, 0)
            end
            as {{ dbt.type_numeric() }}
        ) as quantity
    from matched
)

select * from final
