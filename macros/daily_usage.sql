{#- Account × day usage at one level of the taxonomy (feature, module or product).
    Counts of distinct users are computed from the events at that level, never summed
    from a finer level (a user active in two features is one active user of the module). -#}
{% macro account_daily_usage(level) -%}
{%- set levels = ['feature', 'module', 'product'] -%}
{%- if level not in levels -%}
    {{ exceptions.raise_compiler_error("account_daily_usage: level must be one of " ~ levels ~ ", got '" ~ level ~ "'") }}
{%- endif -%}
{%- set level_columns = levels[levels.index(level):] -%}
{%- set events_relation = ref('fct_usage_events') -%}

with events as (
    select * from {{ events_relation }}
    where
        account_id is not null
        and {{ affected_dates_filter(events_relation, 'event_date') }}
),

daily as (
    select
        event_date as usage_date,
        account_id,
        {{ level_columns | join(',\n        ') }},
        count(*) as event_count,
        sum(case when is_active_use then 1 else 0 end) as active_event_count,
        sum(case when is_value_event then 1 else 0 end) as value_event_count,
        sum(case when is_error then 1 else 0 end) as error_event_count,
        count(distinct user_id) as user_count,
        count(distinct case when is_active_use then user_id end) as active_user_count,
        sum(quantity) as quantity,
        min(event_at) as first_event_at,
        max(event_at) as last_event_at,
        max(loaded_at) as loaded_at
    from events
    group by
        event_date,
        account_id,
        {{ level_columns | join(',\n        ') }}
),

final as (
    select
        {{ dbt.hash(dbt.concat(["cast(usage_date as " ~ dbt.type_string() ~ ")", "'|'", "account_id", "'|'", level])) }} as account_daily_{{ level }}_usage_id,
        usage_date,
        account_id,
        {{ level_columns | join(',\n        ') }},
        cast(event_count as {{ dbt.type_bigint() }}) as event_count,
        cast(active_event_count as {{ dbt.type_bigint() }}) as active_event_count,
        cast(value_event_count as {{ dbt.type_bigint() }}) as value_event_count,
        cast(error_event_count as {{ dbt.type_bigint() }}) as error_event_count,
        cast(user_count as {{ dbt.type_bigint() }}) as user_count,
        cast(active_user_count as {{ dbt.type_bigint() }}) as active_user_count,
        cast(quantity as {{ dbt.type_numeric() }}) as quantity,
        first_event_at,
        last_event_at,
        loaded_at
    from daily
)

select * from final
{%- endmacro %}
