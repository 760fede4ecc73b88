{{ config(**partition_replace_config('usage_date')) }}

{#- Grain: one row per account × UTC day × event source × billable unit (null for events
    without one) with any event of the account.

    The per-day counts the alert signals take from fct_usage_events, so that they read one
    row per account, day and source instead of every event of the history: events, error
    events and quantity. Events without an account are left out. Incremental: every day with
    an event loaded after the model's watermark is recomputed whole (partition replace on
    usage_date). -#}
{%- set events_relation = ref('fct_usage_events') -%}

with events as (
    select * from {{ events_relation }}
    where
        account_id is not null
        and {{ affected_dates_filter(events_relation, 'event_date') }}
),

daily as (
    select
        account_id,
        event_date as usage_date,
        source,
        billable_unit,
        count(*) as event_count,
        sum(case when is_error then 1 else 0 end) as error_event_count,
        sum(quantity) as quantity,
        max(loaded_at) as loaded_at
    from events
    group by
        account_id,
        event_date,
        source,
        billable_unit
),

final as (
    select
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        cast(usage_date as date) as usage_date,
        cast(source as {{ dbt.type_string() }}) as source,
        cast(billable_unit as {{ dbt.type_string() }}) as billable_unit,
        cast(event_count as {{ dbt.type_bigint() }}) as event_count,
        cast(error_event_count as {{ dbt.type_bigint() }}) as error_event_count,
        cast(quantity as {{ dbt.type_numeric() }}) as quantity,
        loaded_at
    from daily
)

select * from final
