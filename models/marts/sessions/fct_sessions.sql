{{ config(
    pre_hook="{{ delete_affected_sessions(ref('int_sessions__clickstream_events')) }}",
    post_hook="{{ delete_erased_users('user_id', 'anonymous_id') }}",
    **upsert_config('session_id')
) }}

{#- Grain: one row per session (int_sessions__clickstream_events). Incremental: every
    session that the intermediate model's runs since this table's watermark wrote to or moved
    events away from is recomputed; the pre-hook deletes the ones that no longer exist. -#}

with clickstream as (
    select * from {{ ref('int_sessions__clickstream_events') }}
    where
        has_person
        and {{ session_written_rows_filter() }}
),

session_events as (
    select
        *,
        min(case when source = 'segment_page' then event_number_in_session end) over (
            partition by session_id
        ) as first_page_view_number,
        max(case when source = 'segment_page' then event_number_in_session end) over (
            partition by session_id
        ) as last_page_view_number
    from clickstream
),

aggregated as (
    select
        session_id,
        person_key,
        session_started_at,
        session_start_date,
        max(user_id) as user_id,
        max(case when event_number_in_session = 1 then anonymous_id end) as anonymous_id,
        max(case when event_number_in_session = 1 then account_id end) as account_id,
        max(event_at) as session_ended_at,
        sum(case when source = 'segment_page' then 1 else 0 end) as page_view_count,
        count(*) as event_count,
        max(case when event_number_in_session = first_page_view_number then page_path end) as entry_page_path,
        max(case when event_number_in_session = last_page_view_number then page_path end) as exit_page_path,
        max(case when event_number_in_session = 1 then page_referrer end) as referrer,
        max(case when event_number_in_session = 1 then campaign_source end) as campaign_source,
        max(case when event_number_in_session = 1 then campaign_medium end) as campaign_medium,
        max(case when event_number_in_session = 1 then campaign_name end) as campaign_name,
        max(case when event_number_in_session = 1 then user_agent end) as user_agent,
        {{ dbt.bool_or('is_capped') }} as is_capped,
        max(loaded_at) as loaded_at
    from session_events
    group by
        session_id,
        person_key,
        session_started_at,
        session_start_date
),

final as (
    select
        cast(session_id as {{ dbt.type_string() }}) as session_id,
        cast(person_key as {{ dbt.type_string() }}) as person_key,
        cast(user_id as {{ dbt.type_string() }}) as user_id,
        cast(anonymous_id as {{ dbt.type_string() }}) as anonymous_id,
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        cast(session_started_at as {{ dbt.type_timestamp() }}) as session_started_at,
        cast(session_ended_at as {{ dbt.type_timestamp() }}) as session_ended_at,
        cast(session_start_date as date) as session_start_date,
        cast({{ seconds_between('session_started_at', 'session_ended_at') }} as {{ type_double() }}) as duration_seconds,
        cast(page_view_count as {{ dbt.type_bigint() }}) as page_view_count,
        cast(event_count as {{ dbt.type_bigint() }}) as event_count,
        cast(entry_page_path as {{ dbt.type_string() }}) as entry_page_path,
        cast(exit_page_path as {{ dbt.type_string() }}) as exit_page_path,
        cast(referrer as {{ dbt.type_string() }}) as referrer,
        cast(campaign_source as {{ dbt.type_string() }}) as campaign_source,
        cast(campaign_medium as {{ dbt.type_string() }}) as campaign_medium,
        cast(campaign_name as {{ dbt.type_string() }}) as campaign_name,
        cast({{ device_type('user_agent') }} as {{ dbt.type_string() }}) as device_type,
        cast(is_capped as {{ dbt.type_boolean() }}) as is_capped,
        cast(page_view_count = 1 and event_count = 1 as {{ dbt.type_boolean() }}) as is_bounce,
        cast(loaded_at as {{ dbt.type_timestamp() }}) as loaded_at
    from aggregated
)

select * from final
