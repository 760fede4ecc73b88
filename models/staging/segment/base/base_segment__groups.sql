with source as (
    select * from {{ source('segment', 'groups') }}
),

renamed as (
    select
        {{ segment_common_columns() }},
        nullif(trim(group_id), '') as account_id,
        {{ dbt.hash('traits') }} as payload_hash,
        coalesce(length(traits), 0) as payload_length_chars
    from source
),

{{ segment_checked_ctes(extra_checks=[("account_id is null", "missing_group_id")]) }}

select * from checked
