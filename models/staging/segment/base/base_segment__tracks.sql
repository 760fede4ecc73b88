{{ assert_raw_contract('segment', 'tracks') }}

with source as (
    select * from {{ source('segment', 'tracks') }}
),

renamed as (
    select
        {{ segment_common_columns() }},
        -- the name as sent (event is Segment's slug of it); rows that only carry event keep it
        coalesce(nullif(trim(event_text), ''), nullif(trim(event), '')) as event_name,
        {{ redact_emails('properties') }} as properties,
        {{ dbt.hash('properties') }} as payload_hash,
        coalesce(length(properties), 0) as payload_length_chars
    from source
),

{{ segment_checked_ctes(extra_checks=[
    ("event_name is null", "missing_event_name"),
    ("properties is not null and not " ~ is_json_object("properties"), "invalid_json"),
    (has_invalid_encoding("properties"), "invalid_encoding"),
]) }}

select * from checked
