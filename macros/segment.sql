{#- Typed, renamed columns that every Segment call table shares. PII is hashed here:
    raw IP addresses never leave staging. -#}
{% macro segment_common_columns() -%}
        nullif(trim(cast(id as {{ dbt.type_string() }})), '') as message_id,
        nullif(trim(anonymous_id), '') as anonymous_id,
        nullif(trim(user_id), '') as user_id,
        cast(original_timestamp as {{ dbt.type_timestamp() }}) as original_timestamp,
        cast(sent_at as {{ dbt.type_timestamp() }}) as sent_at,
        cast(received_at as {{ dbt.type_timestamp() }}) as received_at,
        cast(timestamp as {{ dbt.type_timestamp() }}) as segment_timestamp,
        cast(uuid_ts as {{ dbt.type_timestamp() }}) as loaded_at,
        context_library_name as library_name,
        context_library_version as library_version,
        {{ hash_pii('context_ip') }} as ip_hash,
        context_user_agent as user_agent,
        context_page_path as page_path,
        context_page_url as page_url,
        context_page_referrer as page_referrer,
        context_page_title as page_title,
        context_campaign_name as campaign_name,
        context_campaign_source as campaign_source,
        context_campaign_medium as campaign_medium
{%- endmacro %}


{#- The event-time CTEs every Segment base model runs after `renamed`: the corrected
    time, the impossible-time fallback and the quarantine reason. -#}
{% macro segment_checked_ctes(extra_checks=[], payload_column='payload_length_chars') -%}
corrected as (
    select
        *,
        {{ segment_corrected_at('received_at', 'sent_at', 'original_timestamp', 'segment_timestamp') }} as corrected_at
    from renamed
),

timed as (
    select
        *,
        coalesce({{ is_impossible_event_time('corrected_at', 'received_at') }}, false) as is_event_time_adjusted,
        case
            when {{ is_impossible_event_time('corrected_at', 'received_at') }} then received_at
            else corrected_at
        end as event_at
    from corrected
),

checked as (
    select
        *,
        {{ quarantine_reason(segment_common_checks() + extra_checks + segment_trailing_checks(payload_column)) }} as quarantine_reason
    from timed
)
{%- endmacro %}
