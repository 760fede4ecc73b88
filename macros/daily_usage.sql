{#- Daily usage from fct_usage_events at one grain: per account or per user, at one level of
    the taxonomy (feature, module or product).

    Counts of distinct users are computed from the events at that grain, never summed from a
    finer level (a user active in two features is one active user of the module). Per user,
    the account the events were attributed to is part of the grain (a user belongs to one
    account in practice). Incremental: every day with an event loaded after the model's
    watermark is recomputed whole. -#}
{% macro daily_usage(entity, level) -%}
{%- set levels = ['feature', 'module', 'product'] -%}
{%- set entities = {'account': ['account_id'], 'user': ['user_id', 'account_id']} -%}
{%- if level not in levels or entity not in entities -%}
    {{ exceptions.raise_compiler_error(
        "daily_usage: entity must be one of " ~ (entities | list) ~ " and level one of " ~ levels
        ~ "; got entity '" ~ entity ~ "', level '" ~ level ~ "'"
    ) }}
{%- endif -%}
{%- set level_columns = levels[levels.index(level):] -%}
{%- set key_columns = entities[entity] -%}
{%- set group_columns = key_columns + level_columns -%}
{%- set is_per_user = 'user_id' in group_columns -%}
{%- set user_group_columns = group_columns if is_per_user else group_columns + ['user_id'] -%}
{%- set events_relation = ref('fct_usage_events') -%}
{%- set string_type = dbt.type_string() -%}
{%- set key_parts = ["cast(usage_date as " ~ string_type ~ ")"] -%}
{%- for column in key_columns + [level] -%}
    {%- do key_parts.extend(["'|'", "coalesce(" ~ column ~ ", '')"]) -%}
{%- endfor -%}

with events as (
    select * from {{ events_relation }}
    where
        {{ entity }}_id is not null
        and {{ affected_dates_filter(events_relation, 'event_date') }}
),

-- Per user first (one grouping pass), then per account: distinct and active users are the
-- user groups of the first step, so no count(distinct) is needed.
user_daily as (
    select
        event_date as usage_date,
        {{ user_group_columns | join(',\n        ') }},
        count(*) as event_count,
        sum(case when is_active_use then 1 else 0 end) as active_event_count,
        sum(case when is_value_event then 1 else 0 end) as value_event_count,
        sum(case when is_error then 1 else 0 end) as error_event_count,
        sum(quantity) as quantity,
        min(event_at) as first_event_at,
        max(event_at) as last_event_at,
        max(loaded_at) as loaded_at
    from events
    group by
        event_date,
        {{ user_group_columns | join(',\n        ') }}
),

{% if is_per_user %}
daily as (
    select * from user_daily
),
{% else %}
daily as (
    select
        usage_date,
        {{ group_columns | join(',\n        ') }},
        sum(event_count) as event_count,
        sum(active_event_count) as active_event_count,
        sum(value_event_count) as value_event_count,
        sum(error_event_count) as error_event_count,
        count(user_id) as user_count,
        count(case when active_event_count > 0 then user_id end) as active_user_count,
        sum(quantity) as quantity,
        min(first_event_at) as first_event_at,
        max(last_event_at) as last_event_at,
        max(loaded_at) as loaded_at
    from user_daily
    group by
        usage_date,
        {{ group_columns | join(',\n        ') }}
),
{% endif %}

final as (
    select
        {{ dbt.hash(dbt.concat(key_parts)) }} as {{ entity }}_daily_{{ level }}_usage_id,
        usage_date,
        {{ group_columns | join(',\n        ') }},
        cast(event_count as {{ dbt.type_bigint() }}) as event_count,
        cast(active_event_count as {{ dbt.type_bigint() }}) as active_event_count,
        cast(value_event_count as {{ dbt.type_bigint() }}) as value_event_count,
        cast(error_event_count as {{ dbt.type_bigint() }}) as error_event_count,
        {%- if entity == 'account' %}
        cast(user_count as {{ dbt.type_bigint() }}) as user_count,
        cast(active_user_count as {{ dbt.type_bigint() }}) as active_user_count,
        {%- endif %}
        cast(quantity as {{ dbt.type_numeric() }}) as quantity,
        first_event_at,
        last_event_at,
        loaded_at
    from daily
)

select * from final
{%- endmacro %}
