{{ assert_raw_contract('segment', 'groups') }}

with source as (
    select * from {{ source('segment', 'groups') }}
),

renamed as (
    select
        {{ segment_common_columns() }},
        nullif(trim(group_id), '') as account_id,
        {{ has_invalid_encoding('traits') }} as has_invalid_encoding,
        {{ dbt.hash('traits') }} as payload_hash,
        coalesce(length(traits), 0) as payload_length_chars
    from source
),

{{ segment_checked_ctes(extra_checks=[
    ("account_id is null", "missing_group_id"),
    ("has_invalid_encoding", "invalid_encoding"),
]) }}

select * from checked
