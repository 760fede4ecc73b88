{#- The good rows of a base model, one per key, processed incrementally.

    Rows that failed a check (quarantine_reason set) are left out: they are kept by the
    quarantine model instead. Among rows that share `unique_key`, the first by `order_by`
    is kept (keys are never null: base models quarantine rows without one); drop_columns
    are left out of the result. In an incremental run the new rows are ranked together with the copy already
    kept for the same key, so a copy that arrives later never replaces an earlier one and
    an incremental run ends equal to a full build. With a horizon column (upsert_config), the
    stored copies are looked up among the rows loaded in the last var upsert_horizon_days
    before the load window only: a copy landing later than that after the first is kept as
    a second row, which the key's unique test reports.

    The load window reads the last var incremental_lookback_hours again, so most of its rows
    are held by this table already, exactly as they are: those change nothing and are left
    out before the ranking (a held row is found among the rows this table holds from the same
    window, equal in every column), so only the rows new to the table are ranked with their
    stored copies and merged.

    The new rows and the candidates are read where they are used, not materialized: a
    materialized copy of every wide row (payloads included) outgrows the memory limit on a
    large history and spills, and reading the base model again costs less than that. -#}
{% macro deduplicate_incrementally(base_model, unique_key, order_by, drop_columns=[]) -%}
{%- set base_relation = ref(base_model) -%}
{%- set columns = column_list(base_relation, except=['quarantine_reason', 'corrected_at'] + drop_columns) -%}
{%- set compared = [] if columns == '*' else columns.split(', ') %}
with window_rows as {{ not_materialized() }} (
    select {{ columns }}
    from {{ base_relation }}
    where
        quarantine_reason is null
        and {{ load_window_filter('loaded_at') }}
),

{% if is_incremental() and compared %}
held_rows as {{ not_materialized() }} (
    select {{ columns }}
    from {{ this }}
    where {{ load_window_filter('loaded_at') }}
),

new_rows as {{ not_materialized() }} (
    select * from window_rows
    where not exists (
        select 1 from held_rows
        where
            {% for column in compared -%}
            {{ 'and ' if not loop.first }}{{ null_safe_equal('held_rows.' ~ column, 'window_rows.' ~ column) }}
            {% endfor %}
    )
),
{% else %}
new_rows as {{ not_materialized() }} (
    select * from window_rows
),
{% endif %}

{% if is_incremental() %}
candidates as {{ not_materialized() }} (
    select * from new_rows
    union all
    select {{ columns }}
    from {{ this }}
    where
        {{ upsert_horizon_condition() }}
        and {{ unique_key }} in (select new_rows.{{ unique_key }} from new_rows)
),
{% else %}
candidates as {{ not_materialized() }} (
    select * from new_rows
),
{% endif %}

-- Most keys arrive once: only the rows of keys with several copies are ranked (a sort of
-- a few rows instead of every row), the rest pass straight through.
{%- if is_incremental() %}
repeated_keys as (
    select {{ unique_key }}
    from candidates
    group by {{ unique_key }}
    having count(*) > 1
),
{%- else %}
-- A full build counts the base model's rows by key with no other column: the checks that
-- set quarantine_reason (JSON parsing, for log lines) are not computed for this read. The
-- keys of several rows, quarantined ones included, hold every key of several good rows; a
-- key listed for a quarantined copy has one good row, which is ranked alone and kept.
repeated_keys as (
    select {{ unique_key }}
    from {{ base_relation }}
    where {{ load_window_filter('loaded_at') }}
    group by {{ unique_key }}
    having count(*) > 1
),
{%- endif %}

single_copies as (
    select {{ columns }}
    from candidates
    where not exists (
        select 1 from repeated_keys
        where repeated_keys.{{ unique_key }} = candidates.{{ unique_key }}
    )
),

ranked_copies as (
    select
        *,
        row_number() over (partition by {{ unique_key }} order by {{ order_by }}) as copy_rank
    from candidates
    where {{ unique_key }} in (select repeated_keys.{{ unique_key }} from repeated_keys)
),

final as (
    select * from single_copies
    union all
    select {{ columns }}
    from ranked_copies
    where copy_rank = 1
)

select * from final
{%- endmacro %}
