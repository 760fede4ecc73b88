{{ assert_raw_contract('segment', 'pages') }}

with source as (
    select * from {{ source('segment', 'pages') }}
),

renamed as (
    select
        {{ segment_common_columns() }},
        coalesce(nullif(trim(name), ''), 'Unnamed Page') as event_name,
        coalesce(path, context_page_path) as path,
        coalesce(url, context_page_url) as url,
        coalesce(referrer, context_page_referrer) as referrer,
        coalesce(title, context_page_title) as title,
        {{ redact_emails('search') }} as search,
        {{ redact_emails('properties') }} as properties,
        {{ dbt.hash('properties') }} as payload_hash,
        coalesce(length(properties), 0) as payload_length_chars
    from source
),

{{ segment_checked_ctes(extra_checks=[
    ("properties is not null and not " ~ is_json_object("properties"), "invalid_json"),
    (has_invalid_encoding("properties"), "invalid_encoding"),
]) }}

select * from checked
