{#- Grain: one row per raw landing table. Accounts for every raw row:
    raw_row_count = kept_row_count + duplicate_row_count + quarantined_row_count.

    raw and kept rows are counted now in the raw table and in the staging model (the rows the
    warehouse uses); duplicates (the good rows beyond the one kept per key: re-deliveries,
    older versions of app records) and quarantined rows (the rows that failed a check) are
    the sums of fct_load_day_accounting over the load days. is_balanced is false when the
    three do not add up to the raw count: a defect, caught by a test. -#}

with load_days as (
    select * from {{ ref('fct_load_day_accounting') }}
),

day_totals as (
    select
        source_table,
        sum(duplicate_row_count) as duplicate_row_count,
        sum(quarantined_row_count) as quarantined_row_count
    from load_days
    group by source_table
),

table_counts as (
    {% for entry in raw_table_registry() %}
    select
        '{{ entry.source }}.{{ entry.table }}' as source_table,
        '{{ entry.source }}' as source_name,
        (select count(*) from {{ source(entry.source, entry.table) }}) as raw_row_count,
        (select count(*) from {{ ref(entry.staging) }}) as kept_row_count
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

counts as (
    select
        table_counts.source_table,
        table_counts.source_name,
        table_counts.raw_row_count,
        table_counts.kept_row_count,
        coalesce(day_totals.duplicate_row_count, 0) as duplicate_row_count,
        coalesce(day_totals.quarantined_row_count, 0) as quarantined_row_count
    from table_counts
    left join day_totals
        on table_counts.source_table = day_totals.source_table
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
