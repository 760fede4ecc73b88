{{ config(**upsert_config('quarantine_id')) }}

{#- Grain: one row per raw row that failed a check and was kept out of the warehouse's
    tables, with the reason code (see docs/raw_landing_contract.md for the codes).
    Nothing is dropped silently: every raw row is either kept, a counted duplicate, or here.
    Identical bad rows loaded together are told apart by their position among themselves. -#}
{%- set string_type = dbt.type_string() -%}

with quarantined as (
    {% for entry in raw_table_registry() %}
    select
        '{{ entry.source }}.{{ entry.table }}' as source_table,
        cast({{ entry.key }} as {{ string_type }}) as source_record_id,
        quarantine_reason,
        loaded_at,
        {% if entry.detail %}cast({{ entry.detail }} as {{ string_type }}){% else %}cast(null as {{ string_type }}){% endif %} as detail
    from {{ ref(entry.base) }}
    where
        quarantine_reason is not null
        -- rows without a load time (missing_loaded_at) are re-selected on every run: their
        -- quarantine_id is stable, so the upsert keeps one row each
        and ({{ load_window_filter('loaded_at') }} or loaded_at is null)
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

numbered as (
    select
        *,
        {{ raw_row_copy_number() }} as copy_number
    from quarantined
),

final as (
    select
        {{ raw_row_id() }} as quarantine_id,
        source_table,
        source_record_id,
        cast(quarantine_reason as {{ string_type }}) as quarantine_reason,
        loaded_at,
        detail
    from numbered
)

select * from final
