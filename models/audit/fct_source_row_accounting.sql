{#- Grain: one row per raw landing table. Accounts for every raw row:
    raw_row_count = kept_row_count + duplicate_row_count + quarantined_row_count.

    kept rows are counted in the staging model (the rows the warehouse uses), duplicates
    are the good rows beyond the first per key (for app-database tables: older versions
    of a record), quarantined rows are the rows that failed a check. is_balanced is false
    when the three do not add up to the raw count: a defect, caught by a test. -#}

with counts as (
    {% for entry in raw_table_registry() %}
    select
        '{{ entry.source }}.{{ entry.table }}' as source_table,
        '{{ entry.source }}' as source_name,
        (select count(*) from {{ source(entry.source, entry.table) }}) as raw_row_count,
        (select count(*) from {{ ref(entry.staging) }}) as kept_row_count,
        base_counts.good_row_count - base_counts.good_key_count as duplicate_row_count,
        base_counts.quarantined_row_count
    from (
        -- one pass over the base model (its checks are computed once)
        select
            coalesce(sum(case when quarantine_reason is null then 1 else 0 end), 0) as good_row_count,
            count(distinct case when quarantine_reason is null then {{ entry.key }} end) as good_key_count,
            coalesce(sum(case when quarantine_reason is not null then 1 else 0 end), 0) as quarantined_row_count
        from {{ ref(entry.base) }}
    ) as base_counts
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

final as (
    select
        source_table,
        source_name,
        cast(raw_row_count as {{ dbt.type_bigint() }}) as raw_row_count,
        cast(kept_row_count as {{ dbt.type_bigint() }}) as kept_row_count,
        cast(duplicate_row_count as {{ dbt.type_bigint() }}) as duplicate_row_count,
        cast(quarantined_row_count as {{ dbt.type_bigint() }}) as quarantined_row_count,
        raw_row_count = kept_row_count + duplicate_row_count + quarantined_row_count as is_balanced
    from counts
)

select * from final
