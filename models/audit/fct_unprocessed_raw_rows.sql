{#- Grain: one row per raw row (or usage event) that the pipeline has not accounted for:
    a good raw row whose key is in no staging row, a bad raw row missing from
    fct_quarantined_rows, or a staged usage event missing from fct_usage_events.

    Incremental models select rows by load time (watermark less var incremental_lookback_hours);
    a row that lands with a load time older than that, after a run already passed it (a loader
    committing out of order, a backfill with old load times), is never selected. It is listed
    here instead of being lost silently, and a test on this model fails the build: rebuild the
    named model with `dbt build --full-refresh --select <model>+`. Events suppressed by a
    privacy erasure are not missing. Always empty after a full refresh. -#}
{#- Anti-joins are `not exists`: DuckDB runs `not in` as a mark join that also tracks nulls
    (about a fifth of this model's time at 15.7M events). The keys compared are never null:
    good base rows have a key (a row without one is quarantined), and event ids are keys.
    Good and quarantined rows are checked in two parts of a union, one anti-join each (two
    `not exists` under an `or` make a mark join over every key). When only some days are
    checked, a row is first matched with the staged rows loaded on the checked days (a row
    staged normally keeps its own load time, and the condition on the load time skips the
    other days' row groups); only the keys left unmatched (a copy kept from another day, or
    a missing row) are looked up in the staging table, from the staging model's upsert horizon
    before the earliest checked day on (audit_staged_horizon_condition), and when none is
    left that scan is skipped. The events are matched the same way with the fct_usage_events rows loaded
    on the checked days. The base rows and staged events are read with only the columns compared here:
    each is read by several parts, and a copy of every wide row (payloads included) would
    outgrow the memory limit on a large history. -#}
{#- Days checked (docs/decision_log.md, "The audit reads the days that changed"): after a full
    build every day; else the load days that fct_load_day_accounting recounted (their row
    counts changed) since the last check recorded in fct_audit_checks, which is built after
    this model, and the days of the rows listed now, per raw table, and
    for the usage events the days of the tables whose rows are events (is_event_source in
    raw_table_registry) and of the events listed now: an event exists in fct_usage_events
    when its own row was staged, whatever the identity tables say about its user. -#}
-- depends_on: {{ ref('fct_load_day_accounting') }}
{%- set string_type = dbt.type_string() -%}
{%- set days = audit_days_to_recheck(ref('fct_load_day_accounting'), 'fct_audit_checks') -%}
{%- set event_days = audit_days_of_tables(days, 'fct_usage_events', event_source_tables()) %}

with erased_users as (
    select * from {{ ref('stg_app_db__erased_users') }}
),

anonymous_users as (
    select * from {{ ref('int_identity__anonymous_users') }}
),

staged_events as (
    select
        event_id,
        loaded_at,
        event_name,
        user_id,
        anonymous_id
    from {{ ref('int_usage_events__unioned') }}
    where {{ audit_day_condition('loaded_at', event_days, 'fct_usage_events') }}
),

{%- if audit_checks_some_days(event_days, 'fct_usage_events') %}

-- An event's loaded_at in fct_usage_events is its own, or later when its identity or account
-- was restated since (such an event is looked up in the whole table below).
usage_events_on_checked_days as (
    select event_id from {{ ref('fct_usage_events') }}
    where {{ audit_day_condition('loaded_at', event_days, 'fct_usage_events') }}
),

unmatched_events as (
    select * from staged_events
    where not exists (
        select 1 from usage_events_on_checked_days
        where usage_events_on_checked_days.event_id = staged_events.event_id
    )
),

usage_events as (
    select event_id from {{ ref('fct_usage_events') }}
    where event_id in (select unmatched_events.event_id from unmatched_events)
),
{%- else %}

unmatched_events as (
    select * from staged_events
),

usage_events as (
    select event_id from {{ ref('fct_usage_events') }}
),
{%- endif %}

quarantined_rows as (
    select * from {{ ref('fct_quarantined_rows') }}
),

{% for entry in raw_table_registry() %}
{%- set source_table = entry.source ~ '.' ~ entry.table %}
{{ entry.table }}_base as (
    select
        {{ entry.key }},
        quarantine_reason,
        {%- if entry.detail %}
        {{ entry.detail }},
        {%- endif %}
        loaded_at
    from {{ ref(entry.base) }}
    where {{ audit_day_condition('loaded_at', days, source_table) }}
),

{%- if audit_checks_some_days(days, source_table) %}

{{ entry.table }}_staged_on_checked_days as (
    select {{ entry.key }} from {{ ref(entry.staging) }}
    where {{ audit_day_condition('loaded_at', days, source_table) }}
),

{{ entry.table }}_unmatched as (
    select * from {{ entry.table }}_base
    where
        quarantine_reason is null
        and not exists (
            select 1 from {{ entry.table }}_staged_on_checked_days
            where {{ entry.table }}_staged_on_checked_days.{{ entry.key }} = {{ entry.table }}_base.{{ entry.key }}
        )
),

{{ entry.table }}_staged as (
    select {{ entry.key }} from {{ ref(entry.staging) }}
    where
        {{ entry.key }} in (select {{ entry.table }}_unmatched.{{ entry.key }} from {{ entry.table }}_unmatched)
        and {{ audit_staged_horizon_condition('loaded_at', days, entry) }}
),
{%- else %}

{{ entry.table }}_unmatched as (
    select * from {{ entry.table }}_base
    where quarantine_reason is null
),

{{ entry.table }}_staged as (
    select {{ entry.key }} from {{ ref(entry.staging) }}
),
{%- endif %}

{% endfor %}
missed_raw_rows as (
    {% for entry in raw_table_registry() %}
    {%- for missing_from in [entry.staging, 'fct_quarantined_rows'] %}
    {%- set rows = entry.table ~ ('_unmatched' if loop.first else '_base') -%}
    {%- set detail_column = rows ~ "." ~ entry.detail if entry.detail else "null" %}
    select
        '{{ entry.source }}.{{ entry.table }}' as source_table,
        cast({{ rows }}.{{ entry.key }} as {{ string_type }}) as source_record_id,
        {{ rows }}.quarantine_reason,
        {{ rows }}.loaded_at,
        cast({{ detail_column }} as {{ string_type }}) as detail,
        '{{ missing_from }}' as missing_from
    from {{ rows }}
    {%- if loop.first %}
    where
        not exists (
            select 1 from {{ entry.table }}_staged
            where {{ entry.table }}_staged.{{ entry.key }} = {{ rows }}.{{ entry.key }}
        )

    union all
    {%- else %}
    where
        {{ rows }}.quarantine_reason is not null
        and not exists (
            select 1 from quarantined_rows
            where
                quarantined_rows.source_table = '{{ entry.source }}.{{ entry.table }}'
                and coalesce(quarantined_rows.source_record_id, '')
                = coalesce(cast({{ rows }}.{{ entry.key }} as {{ string_type }}), '')
                and quarantined_rows.quarantine_reason = {{ rows }}.quarantine_reason
                and (
                    quarantined_rows.loaded_at = {{ rows }}.loaded_at
                    or (quarantined_rows.loaded_at is null and {{ rows }}.loaded_at is null)
                )
        )
    {%- endif %}
    {%- endfor %}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

erased_visitors as (
    select anonymous_id from anonymous_users
    where user_id in (select erased_users.user_id from erased_users)
),

missed_events as (
    select
        'fct_usage_events' as source_table,
        event_id as source_record_id,
        cast(null as {{ string_type }}) as quarantine_reason,
        loaded_at,
        cast(event_name as {{ string_type }}) as detail,
        'fct_usage_events' as missing_from
    from unmatched_events
    where
        not exists (
            select 1 from usage_events
            where usage_events.event_id = unmatched_events.event_id
        )
        and coalesce(user_id, '') not in (select erased_users.user_id from erased_users)
        and coalesce(anonymous_id, '') not in (select erased_visitors.anonymous_id from erased_visitors)
),

unprocessed as (
    select * from missed_raw_rows
    union all
    select * from missed_events
),

numbered as (
    select
        *,
        {{ raw_row_copy_number() }} as copy_number
    from unprocessed
),

final as (
    select
        {{ raw_row_id() }} as unprocessed_row_id,
        cast(source_table as {{ string_type }}) as source_table,
        cast(source_record_id as {{ string_type }}) as source_record_id,
        cast(quarantine_reason as {{ string_type }}) as quarantine_reason,
        cast(loaded_at as {{ dbt.type_timestamp() }}) as loaded_at,
        cast(detail as {{ string_type }}) as detail,
        cast(missing_from as {{ string_type }}) as missing_from
    from numbered
)

select * from final
