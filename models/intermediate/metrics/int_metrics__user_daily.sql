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

    The metrics without a property filter or property value are matched once per taxonomy
    entry (event name, feature, module, product, active use: a few dozen distinct ones), not
    once per event; each event then joins the metrics of its entry by the entry's number. Only
    metrics that read the event properties are matched event by event. The one grouping is
    keyed on the metric's number, not its text, and the key and aggregation are joined back
    after it: a narrow key holds less memory. On a 52M-event history this query completes with
    a 1 GB DuckDB memory limit; grouping per account, user, day and taxonomy text first, then
    per metric, ran out of memory at 3 GB (decision log, "Memory").

    Incremental: every day with an event loaded after the model's watermark is recomputed
    whole (partition replace on metric_date). -#}
{%- set events_relation = ref('fct_usage_events') -%}
{%- set fingerprint = config_fingerprint(ref('int_metrics__definitions')) -%}
{#- The rows the pre-hook keeps: written with the current configuration. -#}
{%- set current_config_rows = 'definitions_fingerprint = ' ~ fingerprint -%}

-- Read where used (the taxonomy entries, the events joined to them, the property-matched
-- events): materialized, a copy of every event would be written first.
with events as {{ not_materialized() }} (
    select * from {{ events_relation }}
    where
        account_id is not null
        and {{ affected_dates_filter(events_relation, 'event_date', watermark_condition=current_config_rows) }}
),

definitions as (
    select * from {{ ref('int_metrics__definitions') }}
),

-- Every metric numbered: the rows are grouped by the number, the key and aggregation joined
-- back at the end (narrow group keys hold less memory than text).
numbered_definitions as (
    select
        *,
        row_number() over (order by metric_key asc) as metric_number
    from definitions
),

event_rows as (
    select
        account_id,
        user_id,
        event_date,
        event_name,
        feature,
        module,
        product,
        coalesce(is_active_use, false) as is_active_use,
        quantity,
        properties,
        loaded_at
    from events
),

-- The distinct taxonomy entries of the events (a few dozen), numbered.
taxonomy_entries as (
    select
        event_name,
        feature,
        module,
        product,
        is_active_use,
        row_number() over (
            order by event_name asc, feature asc, module asc, product asc, is_active_use asc
        ) as taxonomy_entry_number
    from event_rows
    group by event_name, feature, module, product, is_active_use
),

-- Every event with the number of its taxonomy entry (event_name may be null: matched null-safe).
event_entries as (
    select
        event_rows.account_id,
        event_rows.user_id,
        event_rows.event_date,
        event_rows.quantity,
        event_rows.loaded_at,
        taxonomy_entries.taxonomy_entry_number
    from event_rows
    inner join taxonomy_entries
        on
            {{ null_safe_equal('event_rows.event_name', 'taxonomy_entries.event_name') }}
            and event_rows.feature = taxonomy_entries.feature
            and event_rows.module = taxonomy_entries.module
            and event_rows.product = taxonomy_entries.product
            and event_rows.is_active_use = taxonomy_entries.is_active_use
),

grouped_definitions as (
    select * from numbered_definitions
    where property_name is null and aggregation <> 'sum_property'
),

property_definitions as (
    select * from numbered_definitions
    where property_name is not null or aggregation = 'sum_property'
),

-- The metrics without a property condition that count each taxonomy entry.
entry_matches as (
    {{ metric_level_matches('taxonomy_entries', 'grouped_definitions') }}
),

entry_metrics as (
    select
        taxonomy_entry_number,
        metric_number,
        aggregation
    from entry_matches
    where is_active_use or not is_active_use_only
),

grouped_contributions as (
    select
        event_entries.account_id,
        entry_metrics.metric_number,
        event_entries.user_id,
        event_entries.event_date,
        cast(
            case when entry_metrics.aggregation = 'sum_quantity' then event_entries.quantity else 1 end
            as {{ dbt.type_numeric() }}
        ) as metric_value,
        cast(1 as {{ dbt.type_bigint() }}) as event_count,
        event_entries.loaded_at
    from event_entries
    inner join entry_metrics
        on event_entries.taxonomy_entry_number = entry_metrics.taxonomy_entry_number
),

event_matches as (
    {{ metric_level_matches('event_rows', 'property_definitions') }}
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
        metric_number,
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
        metric_number,
        user_id,
        event_date as metric_date,
        sum(metric_value) as metric_value,
        sum(event_count) as event_count,
        max(loaded_at) as loaded_at
    from contributions
    group by
        account_id,
        metric_number,
        user_id,
        event_date
),

final as (
    select
        cast(user_daily.account_id as {{ dbt.type_string() }}) as account_id,
        cast(numbered_definitions.metric_key as {{ dbt.type_string() }}) as metric_key,
        cast(numbered_definitions.aggregation as {{ dbt.type_string() }}) as aggregation,
        cast(user_daily.user_id as {{ dbt.type_string() }}) as user_id,
        cast(user_daily.metric_date as date) as metric_date,
        cast(user_daily.metric_value as {{ dbt.type_numeric() }}) as metric_value,
        cast(user_daily.event_count as {{ dbt.type_bigint() }}) as event_count,
        cast(user_daily.loaded_at as {{ dbt.type_timestamp() }}) as loaded_at,
        {{ fingerprint }} as definitions_fingerprint
    from user_daily
    inner join numbered_definitions
        on user_daily.metric_number = numbered_definitions.metric_number
)

select * from final
