{{ config(
    pre_hook="{{ delete_affected_sessions(ref('int_sessions__clickstream_events')) }}",
    post_hook="{{ delete_erased_users('user_id', 'anonymous_id') }}",
    **upsert_config(['session_id', 'session_started_at'])
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

-- Per session, over every event: numbers only. The text columns come from at most three rows
-- of the session (boundary_events): a grouping of every event that carried them took twice
-- as long at 15.7M events.
session_counts as (
    select
        session_id,
        sum(case when source = 'segment_page' then 1 else 0 end) as page_view_count,
        max(loaded_at) as loaded_at
    from clickstream
    group by session_id
),

-- The session's first event, first page view and last page view. Person, start, end, number
-- of events and is_capped are the session's own (int_sessions__clickstream_events), the same
-- on every row; so is user_id (person_key names the user when there is one).
boundary_events as (
    select *
    from clickstream
    where
        event_number_in_session = 1
        or event_number_in_session = entry_page_event_number
        or event_number_in_session = exit_page_event_number
),

session_attributes as (
    select
        session_id,
        person_key,
        session_started_at,
        session_start_date,
        session_ended_at,
        session_event_count,
        is_capped,
        max(case when event_number_in_session = 1 then user_id end) as user_id,
        max(case when event_number_in_session = 1 then anonymous_id end) as anonymous_id,
        max(case when event_number_in_session = 1 then account_id end) as account_id,
        max(case when event_number_in_session = entry_page_event_number then page_path end) as entry_page_path,
        max(case when event_number_in_session = exit_page_event_number then page_path end) as exit_page_path,
        max(case when event_number_in_session = 1 then page_referrer end) as referrer,
        max(case when event_number_in_session = 1 then campaign_source end) as campaign_source,
        max(case when event_number_in_session = 1 then campaign_medium end) as campaign_medium,
        max(case when event_number_in_session = 1 then campaign_name end) as campaign_name,
        max(case when event_number_in_session = 1 then user_agent end) as user_agent
    from boundary_events
    group by
        session_id,
        person_key,
        session_started_at,
        session_start_date,
        session_ended_at,
        session_event_count,
        is_capped
),

aggregated as (
    select
        session_attributes.session_id,
        session_attributes.person_key,
        session_attributes.session_started_at,
        session_attributes.session_start_date,
        session_attributes.session_ended_at,
        session_attributes.is_capped,
        session_attributes.user_id,
        session_attributes.anonymous_id,
        session_attributes.account_id,
        session_attributes.entry_page_path,
        session_attributes.exit_page_path,
        session_attributes.referrer,
        session_attributes.campaign_source,
        session_attributes.campaign_medium,
        session_attributes.campaign_name,
        session_attributes.user_agent,
        session_attributes.session_event_count as event_count,
        session_counts.page_view_count,
        session_counts.loaded_at
    from session_attributes
    inner join session_counts
        on session_attributes.session_id = session_counts.session_id
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
