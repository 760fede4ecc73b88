{{ config(**partition_replace_config('usage_date')) }}

{#- Grain: one row per user × day × feature with any event (events with no known user
    are left out; account_id is the account the events were attributed to). -#}
{%- set events_relation = ref('fct_usage_events') -%}

with events as (
    select * from {{ events_relation }}
    where
        user_id is not null
        and {{ affected_dates_filter(events_relation, 'event_date') }}
),

daily as (
    select
        event_date as usage_date,
        user_id,
        account_id,
        feature,
        module,
        product,
        count(*) as event_count,
        sum(case when is_active_use then 1 else 0 end) as active_event_count,
        sum(case when is_value_event then 1 else 0 end) as value_event_count,
        sum(quantity) as quantity,
        min(event_at) as first_event_at,
        max(event_at) as last_event_at,
        max(loaded_at) as loaded_at
    from events
    group by
        event_date,
        user_id,
        account_id,
        feature,
        module,
        product
),

final as (
    select
        {{ dbt.hash(dbt.concat([
            "cast(usage_date as " ~ dbt.type_string() ~ ")", "'|'", "user_id", "'|'",
            "coalesce(account_id, '')", "'|'", "feature",
        ])) }} as user_daily_usage_id,
        usage_date,
        user_id,
        account_id,
        feature,
        module,
        product,
        cast(event_count as {{ dbt.type_bigint() }}) as event_count,
        cast(active_event_count as {{ dbt.type_bigint() }}) as active_event_count,
        cast(value_event_count as {{ dbt.type_bigint() }}) as value_event_count,
        cast(quantity as {{ dbt.type_numeric() }}) as quantity,
        first_event_at,
        last_event_at,
        loaded_at
    from daily
)

select * from final
