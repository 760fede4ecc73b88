{#- The first failed check names why a raw row is quarantined; null when the row is good.
    `checks` is a list of (condition that is true for a bad row, reason code) pairs, in
    priority order. Reason codes are listed in docs/raw_landing_contract.md. -#}
{% macro quarantine_reason(checks) -%}
    case
        {%- for condition, reason in checks %}
        when {{ condition }} then '{{ reason }}'
        {%- endfor %}
    end
{%- endmacro %}


{#- Checks every Segment call must pass, before the call-specific ones. -#}
{% macro segment_common_checks() -%}
    {{ return([
        ("message_id is null", "missing_message_id"),
        ("loaded_at is null", "missing_loaded_at"),
        ("received_at is null", "missing_received_at"),
        ("anonymous_id is null and user_id is null", "missing_identity"),
    ]) }}
{%- endmacro %}


{#- Checks every Segment call must pass after the call-specific ones. -#}
{% macro segment_trailing_checks(payload_column) -%}
    {{ return([
        (payload_column ~ " > " ~ var('max_payload_chars'), "payload_too_large"),
        (seconds_between('event_at', 'received_at') ~ " > " ~ (var('late_arrival_horizon_days') | int * 86400), "late_beyond_horizon"),
    ]) }}
{%- endmacro %}


{#- The true time of a Segment call, as Segment defines `timestamp`: the server's receive
    time less the device's own delay between the event and sending it, which cancels any
    error of the device clock. Falls back to the `timestamp` column, then received_at.
    A result in the future of received_at (beyond var max_future_skew_minutes) or before
    var earliest_valid_event_at is impossible: received_at is used and the row flagged. -#}
{% macro segment_corrected_at(received_at, sent_at, original_timestamp, segment_timestamp) -%}
    case
        when {{ original_timestamp }} is not null and {{ sent_at }} is not null
            then {{ shift_timestamp(received_at, sent_at, original_timestamp) }}
        else coalesce({{ segment_timestamp }}, {{ received_at }})
    end
{%- endmacro %}

{% macro is_impossible_event_time(corrected_at, received_at) -%}
    (
        {{ corrected_at }} > {{ dbt.dateadd('minute', var('max_future_skew_minutes') | int, received_at) }}
        or {{ corrected_at }} < cast('{{ var("earliest_valid_event_at") }}' as {{ dbt.type_timestamp() }})
    )
{%- endmacro %}
