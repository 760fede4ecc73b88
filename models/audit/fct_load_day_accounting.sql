{{ config(**upsert_config('load_day_id')) }}

{#- Grain: one row per raw landing table and load day (the UTC date of loaded_at; null for
    rows without a load time). Accounts for every raw row of the day:
    raw_row_count = kept_row_count + duplicate_row_count + quarantined_row_count.

    kept rows are the staging rows whose kept copy was loaded that day. A good row is a
    duplicate when its key has another row kept (an earlier copy, or for app-database
    tables a newer version): good rows of the day, less the day's distinct good keys, plus
    the keys kept on another day. A good key that no staging row keeps, or a staging row
    whose key has no good row that day, unbalances the day.

    Incremental runs recompute only the days whose row counts in the base or staging model
    changed since the last run (audit_current_day_counts, read before the model runs); the
    other days keep their rows. audited_at names the run that last counted a day, and
    fct_unprocessed_raw_rows checks the rows of the days that run recounted. -#}
{%- set string_type = dbt.type_string() -%}
{%- set days = audit_changed_days() if is_incremental() else none %}

with
{% for entry in raw_table_registry() %}
{%- set source_table = entry.source ~ '.' ~ entry.table %}
{{ entry.table }}_rows as (
    select
        cast(loaded_at as date) as load_date,
        {{ entry.key }} as record_key,
        quarantine_reason
    from {{ ref(entry.base) }}
    where {{ audit_day_condition('loaded_at', days, source_table) }}
),

{{ entry.table }}_good_keys as (
    select distinct
        load_date,
        record_key
    from {{ entry.table }}_rows
    where quarantine_reason is null
),

{{ entry.table }}_counts as (
    select
        load_date,
        {{ audit_day_measures({
            'raw_row_count': 'count(*)',
            'good_row_count': 'sum(case when quarantine_reason is null then 1 else 0 end)',
            'quarantined_row_count': 'sum(case when quarantine_reason is not null then 1 else 0 end)'
        }) }}
    from {{ entry.table }}_rows
    group by load_date
    union all
    select
        cast(loaded_at as date) as load_date,
        {{ audit_day_measures({'kept_row_count': 'count(*)'}) }}
    from {{ ref(entry.staging) }}
    where {{ audit_day_condition('loaded_at', days, source_table) }}
    group by cast(loaded_at as date)
    union all
    select
        load_date,
        {{ audit_day_measures({'good_key_count': 'count(*)'}) }}
    from {{ entry.table }}_good_keys
    group by load_date
    union all
    -- keys of the day whose kept row was loaded on another day: all their rows that day are duplicates
    -- (in an incremental run, a kept row inside the staging model's upsert horizon of the day)
    select
        good_keys.load_date,
        {{ audit_day_measures({'kept_elsewhere_key_count': 'count(*)'}) }}
    from {{ entry.table }}_good_keys as good_keys
    inner join {{ ref(entry.staging) }} as staged
        on staged.{{ entry.key }} = good_keys.record_key
    where
        cast(staged.loaded_at as date) <> good_keys.load_date
        and {{ audit_staged_horizon_condition('staged.loaded_at', days, entry) }}
    group by good_keys.load_date
    {%- if is_incremental() %}
    union all
    -- a recounted day that has no row left is written with zeros
    select
        load_date,
        {{ audit_day_measures({}) }}
    from {{ this }}
    where
        source_table = '{{ source_table }}'
        and {{ audit_day_condition('cast(load_date as ' ~ dbt.type_timestamp() ~ ')', days, source_table) }}
    {%- endif %}
),

{% endfor %}
counted as (
    {% for entry in raw_table_registry() %}
    select
        '{{ entry.source }}.{{ entry.table }}' as source_table,
        '{{ entry.source }}' as source_name,
        load_date,
        sum(raw_row_count) as raw_row_count,
        sum(kept_row_count) as kept_row_count,
        sum(good_row_count) - sum(good_key_count) + sum(kept_elsewhere_key_count) as duplicate_row_count,
        sum(quarantined_row_count) as quarantined_row_count
    from {{ entry.table }}_counts
    group by load_date
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

final as (
    select
        {{ dbt.hash(dbt.concat([
            "source_table", "'|'", "coalesce(cast(load_date as " ~ string_type ~ "), '')",
        ])) }} as load_day_id,
        cast(source_table as {{ string_type }}) as source_table,
        cast(source_name as {{ string_type }}) as source_name,
        cast(load_date as date) as load_date,
        cast(raw_row_count as {{ dbt.type_bigint() }}) as raw_row_count,
        cast(kept_row_count as {{ dbt.type_bigint() }}) as kept_row_count,
        cast(duplicate_row_count as {{ dbt.type_bigint() }}) as duplicate_row_count,
        cast(quarantined_row_count as {{ dbt.type_bigint() }}) as quarantined_row_count,
        raw_row_count = kept_row_count + duplicate_row_count + quarantined_row_count as is_balanced,
        {{ run_started_at_literal() }} as audited_at
    from counted
)

select * from final
