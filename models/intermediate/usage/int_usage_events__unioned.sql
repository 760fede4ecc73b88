{#- Every deduplicated usage event from every source, in one shape. Identity is not yet
    stitched and the taxonomy not yet applied. -#}
{%- set string_type = dbt.type_string() -%}
{%- set null_string = 'cast(null as ' ~ string_type ~ ')' -%}
{%- set null_timestamp = 'cast(null as ' ~ dbt.type_timestamp() ~ ')' -%}

with tracks as (
    select * from {{ ref('stg_segment__tracks') }}
),

pages as (
    select * from {{ ref('stg_segment__pages') }}
),

log_events as (
    select * from {{ ref('stg_server_logs__log_events') }}
),

app_events as (
    select * from {{ ref('int_app_db__records_as_events') }}
),

unioned as (
    select
        {{ dbt.concat(["'segment_track:'", "message_id"]) }} as event_id,
        'segment_track' as source,
        message_id as source_record_id,
        event_name,
        event_at,
        received_at,
        loaded_at,
        anonymous_id,
        user_id,
        {{ null_string }} as account_id,
        properties,
        false as is_error,
        is_event_time_adjusted,
        page_path,
        page_referrer,
        page_title,
        campaign_source,
        campaign_medium,
        campaign_name,
        user_agent,
        library_name
    from tracks

    union all

    select
        {{ dbt.concat(["'segment_page:'", "message_id"]) }} as event_id,
        'segment_page' as source,
        message_id as source_record_id,
        event_name,
        event_at,
        received_at,
        loaded_at,
        anonymous_id,
        user_id,
        {{ null_string }} as account_id,
        properties,
        false as is_error,
        is_event_time_adjusted,
        path as page_path,
        referrer as page_referrer,
        title as page_title,
        campaign_source,
        campaign_medium,
        campaign_name,
        user_agent,
        library_name
    from pages

    union all

    select
        {{ dbt.concat(["'server_log:'", "log_line_id"]) }} as event_id,
        'server_log' as source,
        log_line_id as source_record_id,
        event_name,
        event_at,
        {{ null_timestamp }} as received_at,
        loaded_at,
        {{ null_string }} as anonymous_id,
        user_id,
        account_id,
        {{ json_object_text([
            ('service', 'service'),
            ('log_level', 'log_level'),
            ('status_code', 'status_code'),
            ('duration_ms', 'duration_ms'),
            ('quantity', 'quantity'),
            ('error_code', 'error_code'),
            ('request_id', 'request_id'),
        ]) }} as properties,
        is_error,
        false as is_event_time_adjusted,
        {{ null_string }} as page_path,
        {{ null_string }} as page_referrer,
        {{ null_string }} as page_title,
        {{ null_string }} as campaign_source,
        {{ null_string }} as campaign_medium,
        {{ null_string }} as campaign_name,
        {{ null_string }} as user_agent,
        {{ null_string }} as library_name
    from log_events

    union all

    select
        event_id,
        'app_db' as source,
        source_record_id,
        event_name,
        event_at,
        {{ null_timestamp }} as received_at,
        loaded_at,
        {{ null_string }} as anonymous_id,
        user_id,
        account_id,
        properties,
        false as is_error,
        false as is_event_time_adjusted,
        {{ null_string }} as page_path,
        {{ null_string }} as page_referrer,
        {{ null_string }} as page_title,
        {{ null_string }} as campaign_source,
        {{ null_string }} as campaign_medium,
        {{ null_string }} as campaign_name,
        {{ null_string }} as user_agent,
        {{ null_string }} as library_name
    from app_events
)

select * from unioned
