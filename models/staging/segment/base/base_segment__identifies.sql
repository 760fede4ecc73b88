{{ assert_raw_contract('segment', 'identifies') }}

with source as (
    select * from {{ source('segment', 'identifies') }}
),

renamed as (
    select
        {{ segment_common_columns() }},
        {{ hash_pii(safe_json_extract_text('traits', 'email')) }} as email_hash,
        {{ safe_json_extract_text('traits', 'role') }} as trait_role,
        {{ safe_json_extract_text('traits', 'plan') }} as trait_plan,
        traits is null or {{ is_json_object('traits') }} as has_valid_traits,
        {{ has_invalid_encoding('traits') }} as has_invalid_encoding,
        {{ dbt.hash('traits') }} as payload_hash,
        coalesce(length(traits), 0) as payload_length_chars
    from source
),

{{ segment_checked_ctes(extra_checks=[
    ("not has_valid_traits", "invalid_json"),
    ("has_invalid_encoding", "invalid_encoding"),
]) }}

select * from checked
