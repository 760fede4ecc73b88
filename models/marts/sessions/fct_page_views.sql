{{ config(
    pre_hook="{{ delete_affected_sessions(ref('int_sessions__clickstream_events')) }}",
    post_hook="{{ delete_erased_users('user_id') }}",
    **upsert_config(['event_id', 'viewed_at'])
) }}

{#- Grain: one row per page view (Segment page call), with its place in the session.
    Incremental: the page views of every session that the intermediate model's runs since
    this table's watermark wrote to or moved events away from are recomputed; the pre-hook
    deletes the page views of those sessions first. -#}

with clickstream as (
    select * from {{ ref('int_sessions__clickstream_events') }}
    where
        has_person
        and {{ session_written_rows_filter() }}
),

-- The session's end, number of events and last page view are columns of the clickstream
-- model (the same on every row of a session), not windows over every event here.
page_views as (
    select * from clickstream
    where source = 'segment_page'
),

sequenced as (
    select
        *,
        row_number() over (
            partition by session_id order by event_number_in_session asc nulls last
        ) as page_view_number,
        lag(page_path) over (partition by session_id order by event_number_in_session asc nulls last) as previous_page_path,
        lead(page_path) over (partition by session_id order by event_number_in_session asc nulls last) as next_page_path,
        lead(event_at) over (partition by session_id order by event_number_in_session asc nulls last) as next_page_viewed_at
    from page_views
),

final as (
    select
        cast(event_id as {{ dbt.type_string() }}) as event_id,
        cast(session_id as {{ dbt.type_string() }}) as session_id,
        cast(person_key as {{ dbt.type_string() }}) as person_key,
        cast(user_id as {{ dbt.type_string() }}) as user_id,
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        cast(session_start_date as date) as session_start_date,
        cast(event_at as {{ dbt.type_timestamp() }}) as viewed_at,
        cast(page_view_number as {{ dbt.type_bigint() }}) as page_view_number,
        cast(page_path as {{ dbt.type_string() }}) as page_path,
        cast(page_title as {{ dbt.type_string() }}) as page_title,
        cast(event_name as {{ dbt.type_string() }}) as page_name,
        cast(
            case
                when next_page_viewed_at is not null then {{ seconds_between('event_at', 'next_page_viewed_at') }}
                when event_number_in_session < session_event_count then {{ seconds_between('event_at', 'session_ended_at') }}
            end as {{ type_double() }}
        ) as time_on_page_seconds,
        cast(previous_page_path as {{ dbt.type_string() }}) as previous_page_path,
        cast(next_page_path as {{ dbt.type_string() }}) as next_page_path,
        cast(page_view_number = 1 as {{ dbt.type_boolean() }}) as is_entry,
        cast(event_number_in_session = exit_page_event_number as {{ dbt.type_boolean() }}) as is_exit,
        cast(loaded_at as {{ dbt.type_timestamp() }}) as loaded_at
    from sequenced
)

select * from final
