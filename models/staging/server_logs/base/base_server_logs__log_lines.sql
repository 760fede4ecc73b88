{{ assert_raw_contract('server_logs', 'log_lines') }}

{%- set line_keys = [
    'ts', 'level', 'service', 'event', 'account_id', 'user_id', 'request_id', 'status', 'duration_ms',
    'quantity', 'error_code',
] %}

with source as (
    select * from {{ source('server_logs', 'log_lines') }}
),

parsed as (
    select
        {{ dbt.hash(dbt.concat(["coalesce(log_file, '')", "':'", "coalesce(cast(line_number as " ~ dbt.type_string() ~ "), '')"])) }}
            as log_line_id,
        log_file,
        cast(line_number as {{ dbt.type_bigint() }}) as line_number,
        cast(_loaded_at as {{ dbt.type_timestamp() }}) as loaded_at,
        coalesce(length(line_text), 0) as payload_length_chars,
        {{ dbt.hash('line_text') }} as payload_hash,
        {{ is_json_object('line_text') }} as is_json_object,
        {{ has_invalid_encoding('line_text') }} as has_invalid_encoding,
        left({{ redact_emails('line_text') }}, 300) as line_excerpt,
        -- the keys of the line, read from its JSON in one pass
        {{ json_text_fields(try_parse_json('line_text'), line_keys) }} as line_fields
    from source
),

extracted as (
    select
        log_line_id,
        log_file,
        line_number,
        loaded_at,
        payload_length_chars,
        payload_hash,
        is_json_object,
        has_invalid_encoding,
        line_excerpt,
        nullif(trim({{ json_text_field('line_fields', line_keys, 'ts') }}), '') as raw_ts,
        nullif(trim({{ json_text_field('line_fields', line_keys, 'level') }}), '') as raw_level,
        nullif(trim({{ json_text_field('line_fields', line_keys, 'service') }}), '') as raw_service,
        nullif(trim({{ json_text_field('line_fields', line_keys, 'event') }}), '') as raw_event,
        nullif(trim({{ json_text_field('line_fields', line_keys, 'account_id') }}), '') as raw_account_id,
        nullif(trim({{ json_text_field('line_fields', line_keys, 'user_id') }}), '') as raw_user_id,
        nullif(trim({{ json_text_field('line_fields', line_keys, 'request_id') }}), '') as raw_request_id,
        nullif(trim({{ json_text_field('line_fields', line_keys, 'status') }}), '') as raw_status,
        nullif(trim({{ json_text_field('line_fields', line_keys, 'duration_ms') }}), '') as raw_duration_ms,
        nullif(trim({{ json_text_field('line_fields', line_keys, 'quantity') }}), '') as raw_quantity,
        nullif(trim({{ json_text_field('line_fields', line_keys, 'error_code') }}), '') as raw_error_code
    from parsed
),

typed as (
    select
        log_line_id,
        log_file,
        line_number,
        loaded_at,
        payload_length_chars,
        payload_hash,
        is_json_object,
        has_invalid_encoding,
        line_excerpt,
        raw_ts,
        {{ parse_utc_timestamp('raw_ts') }} as event_at,
        lower(raw_level) as log_level,
        raw_service as service,
        raw_event as event_name,
        raw_account_id as account_id,
        raw_user_id as user_id,
        raw_request_id as request_id,
        raw_status,
        raw_duration_ms,
        raw_quantity,
        {{ try_cast_integer('raw_status') }} as status_code,
        {{ try_cast_number('raw_duration_ms') }} as duration_ms,
        {{ try_cast_number('raw_quantity') }} as quantity,
        raw_error_code as error_code
    from extracted
),

checked as (
    select
        log_line_id,
        log_file,
        line_number,
        loaded_at,
        payload_hash,
        line_excerpt,
        event_at,
        log_level,
        service,
        event_name,
        account_id,
        user_id,
        request_id,
        status_code,
        duration_ms,
        quantity,
        error_code,
        coalesce(log_level = 'error' or log_level = 'fatal' or status_code >= 500, false) as is_error,
        {{ quarantine_reason([
            ("loaded_at is null", "missing_loaded_at"),
            ("log_file is null or line_number is null", "missing_line_position"),
            ("payload_length_chars > " ~ var('max_payload_chars'), "payload_too_large"),
            ("not is_json_object", "invalid_json"),
            ("has_invalid_encoding", "invalid_encoding"),
            ("raw_ts is null", "missing_timestamp"),
            ("event_at is null", "invalid_timestamp"),
            ("event_at < cast('" ~ var('earliest_valid_event_at') ~ "' as " ~ dbt.type_timestamp() ~ ")", "invalid_timestamp"),
            ("event_name is null", "missing_event_name"),
            ("account_id is null", "missing_account_id"),
            ("raw_status is not null and status_code is null", "invalid_number"),
            ("raw_duration_ms is not null and duration_ms is null", "invalid_number"),
            ("raw_quantity is not null and quantity is null", "invalid_number"),
        ]) }} as quarantine_reason
    from typed
)

select * from checked
