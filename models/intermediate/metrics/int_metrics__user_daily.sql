{{ config(
    pre_hook="{{ delete_if_config_changed('definitions_fingerprint', config_fingerprint(ref('int_metrics__definitions'))) }}",
    post_hook="{{ delete_erased_users('user_id') }}",
    **partition_replace_config('metric_date')
) }}

{#- Grain: one row per account × metric × user × UTC day on which the user had an event counted
    by the metric (seed metric_definitions). user_id is null for events without a known user
    (one row per account × metric × day for those).

    A metric matches on one level (feature, module, product, event name, or every event), then
    keeps only active-use events when it says so and only events whose property equals the
    filter value (compared as text). The value is the sum of the events' contributions: 1 for
    count_events and distinct_users, the quantity for sum_quantity, the numeric property for
    sum_property (0 when missing or not a number).

    Events are grouped per account, user, day and taxonomy entry before they meet the metric
    definitions: a metric without a property filter or property value counts the groups. Only
    metrics that read the event properties are matched event by event.

    Incremental: every day with an event loaded after the model's watermark is recomputed
    whole (partition replace on metric_date). -#}
{%- set events_relation = ref('fct_usage_events') -%}
{#- What a metric matches and counts by: the grain of the event groups. -#}
{%- set group_columns = [
    'account_id', 'user_id', 'event_date', 'event_name', 'feature', 'module', 'product', 'is_active_use',
] -%}

{%- set fingerprint = config_fingerprint(ref('int_metrics__definitions')) -%}
{#- The rows the pre-hook keeps: written with the current configuration. -#}
{%- set current_config_rows = 'definitions_fingerprint = ' ~ fingerprint -%}

-- Read where used (the event groups and the property-matched events): materialized, a copy of
-- every event would be written first.
with events as {{ not_materialized() }} (
    select * from {{ events_relation }}
    where
        account_id is not null
        and {{ affected_dates_filter(events_relation, 'event_date', watermark_condition=current_config_rows) }}
),

definitions as (
    select * from {{ ref('int_metrics__definitions') }}
),

event_rows as (
    select
        {%- for column in group_columns if column != 'is_active_use' %}
        {{ column }},
        {%- endfor %}
        coalesce(is_active_use, false) as is_active_use,
        quantity,
        properties,
        loaded_at
    from events
),

-- One row per account, user, day and taxonomy entry: what the metrics without a property
-- condition need.
event_groups as (
    select
        {%- for column in group_columns %}
        {{ column }},
        {%- endfor %}
        count(*) as event_count,
        sum(quantity) as quantity,
        max(loaded_at) as loaded_at
    from event_rows
    group by {{ group_columns | join(', ') }}
),

grouped_definitions as (
    select * from definitions
    where property_name is null and aggregation <> 'sum_property'
),

property_definitions as (
    select * from definitions
    where property_name is not null or aggregation = 'sum_property'
),

grouped_matches as (
    {{ metric_level_matches('event_groups', 'grouped_definitions') }}
),

event_matches as (
    {{ metric_level_matches('event_rows', 'property_definitions') }}
),

grouped_contributions as (
    select
        account_id,
        metric_key,
        aggregation,
        user_id,
        event_date,
        cast(
            case when aggregation = 'sum_quantity' then quantity else event_count end
            as {{ dbt.type_numeric() }}
        ) as metric_value,
        event_count,
        loaded_at
    from grouped_matches
    where is_active_use or not is_active_use_only
),

event_values as (
    select
        *,
        case
            when aggregation = 'sum_property'
                then {{ try_cast_number(safe_json_extract_text('properties', 'value_property', key_is_sql=true)) }}
        end as property_number
    from event_matches
    where
        (is_active_use or not is_active_use_only)
        and (
            property_name is null
            or {{ safe_json_extract_text('properties', 'property_name', key_is_sql=true) }} = property_value
        )
),

event_contributions as (
    select
        account_id,
        metric_key,
        aggregation,
        user_id,
        event_date,
        cast(
            case aggregation
                when 'sum_quantity' then quantity
                when 'sum_property' then coalesce(property_number, 0)
                else 1
            end
            as {{ dbt.type_numeric() }}
        ) as metric_value,
        cast(1 as {{ dbt.type_bigint() }}) as event_count,
        loaded_at
    from event_values
),

contributions as (
    select * from grouped_contributions
    union all
    select * from event_contributions
),

user_daily as (
    select
        account_id,
        metric_key,
        aggregation,
        user_id,
        event_date as metric_date,
        sum(metric_value) as metric_value,
        sum(event_count) as event_count,
        max(loaded_at) as loaded_at
    from contributions
    group by
        account_id,
        metric_key,
        aggregation,
        user_id,
        event_date
),

final as (
    select
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        cast(metric_key as {{ dbt.type_string() }}) as metric_key,
        cast(aggregation as {{ dbt.type_string() }}) as aggregation,
        cast(user_id as {{ dbt.type_string() }}) as user_id,
        cast(metric_date as date) as metric_date,
        cast(metric_value as {{ dbt.type_numeric() }}) as metric_value,
        cast(event_count as {{ dbt.type_bigint() }}) as event_count,
        cast(loaded_at as {{ dbt.type_timestamp() }}) as loaded_at,
        {{ fingerprint }} as definitions_fingerprint
    from user_daily
)

select * from final
