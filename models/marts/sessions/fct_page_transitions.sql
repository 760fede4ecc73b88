{{ config(
    pre_hook="{{ delete_emptied_session_dates(ref('int_sessions__clickstream_events')) }}",
    **partition_replace_config('session_start_date')
) }}

{#- Grain: one row per session_start_date × from_page_path × to_page_path. -#}

with page_views as (
    select * from {{ ref('fct_page_views') }}
    where {{ session_affected_dates_filter(ref('int_sessions__clickstream_events')) }}
),

transitions as (
    select
        session_start_date,
        session_id,
        loaded_at,
        coalesce(page_path, '(none)') as from_page_path,
        case when is_exit then '(exit)' else coalesce(next_page_path, '(none)') end as to_page_path
    from page_views
),

aggregated as (
    select
        session_start_date,
        from_page_path,
        to_page_path,
        count(*) as transition_count,
        count(distinct session_id) as session_count,
        max(loaded_at) as loaded_at
    from transitions
    group by
        session_start_date,
        from_page_path,
        to_page_path
),

final as (
    select
        cast({{ dbt.hash(dbt.concat([
            'cast(session_start_date as ' ~ dbt.type_string() ~ ')', "'|'", 'from_page_path', "'|'", 'to_page_path'
        ])) }} as {{ dbt.type_string() }}) as page_transition_id,
        cast(session_start_date as date) as session_start_date,
        cast(from_page_path as {{ dbt.type_string() }}) as from_page_path,
        cast(to_page_path as {{ dbt.type_string() }}) as to_page_path,
        cast(transition_count as {{ dbt.type_bigint() }}) as transition_count,
        cast(session_count as {{ dbt.type_bigint() }}) as session_count,
        cast(loaded_at as {{ dbt.type_timestamp() }}) as loaded_at
    from aggregated
)

select * from final
