{{ config(full_refresh=false, **upsert_config('audit_check_id')) }}

{#- Grain: one row per build that completed fct_unprocessed_raw_rows (the row-by-row check of
    the raw rows): when it ran, the latest recount of fct_load_day_accounting it covered, and
    how many unprocessed rows it listed. Built after fct_unprocessed_raw_rows: a build that
    fails or stops before it adds no row, and so does a build that did not select it
    (`dbt build -s fct_audit_checks` alone): no check ran.

    The next incremental build rechecks, row by row, the load days recounted after
    checked_through_audited_at (audit_days_to_recheck): a build with nothing new rechecks
    nothing, and the days of a build that stopped between the recount and the check are
    rechecked by the next one. On Spark without a table format the table is rebuilt in each
    run and holds the latest check only, which is all the next build reads. A full refresh
    keeps the table (full_refresh false): it is the history of the checks. -#}

with load_days as (
    select * from {{ ref('fct_load_day_accounting') }}
),

unprocessed_rows as (
    select * from {{ ref('fct_unprocessed_raw_rows') }}
),

checked_through as (
    select max(audited_at) as checked_through_audited_at
    from load_days
),

listed as (
    select count(*) as unprocessed_row_count
    from unprocessed_rows
),

final as (
    select
        cast('{{ invocation_id }}' as {{ dbt.type_string() }}) as audit_check_id,
        cast({{ run_started_at_literal() }} as {{ dbt.type_timestamp() }}) as checked_at,
        cast(checked_through.checked_through_audited_at as {{ dbt.type_timestamp() }}) as checked_through_audited_at,
        cast(listed.unprocessed_row_count as {{ dbt.type_bigint() }}) as unprocessed_row_count
    from checked_through
    cross join listed
    -- a row only when this build ran the check
    where {{ '1 = 1' if selected_in_invocation('fct_unprocessed_raw_rows') else '1 = 0' }}
)

select * from final
