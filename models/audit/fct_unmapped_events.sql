{#- Grain: one row per (source, event name) that no taxonomy rule maps, with its volume.
    The list to work through when extending the taxonomy (seeds/usage_taxonomy.csv). -#}

with events as (
    select * from {{ ref('fct_usage_events') }}
    where not is_mapped
),

final as (
    select
        source,
        event_name,
        cast(count(*) as {{ dbt.type_bigint() }}) as event_count,
        cast(count(distinct account_id) as {{ dbt.type_bigint() }}) as account_count,
        cast(count(distinct user_id) as {{ dbt.type_bigint() }}) as user_count,
        min(event_at) as first_event_at,
        max(event_at) as last_event_at
    from events
    group by source, event_name
)

select * from final
