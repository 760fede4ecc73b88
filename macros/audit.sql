{#- The audit checks only the load days that changed (docs/decision_log.md, "The audit reads
    the days that changed"). fct_load_day_accounting keeps, per raw table and load day, the
    counts it found; a run compares them with cheap counts of the base and staging models
    and recomputes the days that differ. fct_unprocessed_raw_rows then looks, row by row, at
    the days that run recomputed and at the days it already lists. -#}


{#- SQL: per raw table and load day, the rows in its base model and the rows its staging model
    keeps. One scan of a load-time column per model: the checks of the base view are not
    computed for a count. -#}
{% macro audit_current_day_counts() -%}
    {%- for entry in raw_table_registry() %}
    select
        '{{ entry.source }}.{{ entry.table }}' as source_table,
        cast(loaded_at as date) as load_date,
        count(*) as raw_row_count,
        0 as kept_row_count
    from {{ ref(entry.base) }}
    group by cast(loaded_at as date)
    union all
    select
        '{{ entry.source }}.{{ entry.table }}' as source_table,
        cast(loaded_at as date) as load_date,
        0 as raw_row_count,
        count(*) as kept_row_count
    from {{ ref(entry.staging) }}
    group by cast(loaded_at as date)
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
{%- endmacro %}


{#- For fct_load_day_accounting's incremental runs: the (table, load day) pairs whose current
    counts (audit_current_day_counts) differ from the stored ones, as audit_days. A day with
    no row left, and the rows without a load time (null never equals null), are always in. -#}
{% macro audit_changed_days() -%}
    {%- set changed_days_sql -%}
        with current_counts as (
            {{ audit_current_day_counts() }}
        ),

        current_days as (
            select
                source_table,
                load_date,
                sum(raw_row_count) as raw_row_count,
                sum(kept_row_count) as kept_row_count
            from current_counts
            group by source_table, load_date
        )

        select
            coalesce(current_days.source_table, stored.source_table) as source_table,
            coalesce(current_days.load_date, stored.load_date) as load_date
        from current_days
        full outer join {{ this }} as stored
            on
                current_days.source_table = stored.source_table
                and current_days.load_date = stored.load_date
        where
            current_days.source_table is null
            or stored.source_table is null
            or current_days.raw_row_count <> stored.raw_row_count
            or current_days.kept_row_count <> stored.kept_row_count
    {%- endset -%}
    {{ return(audit_days(changed_days_sql)) }}
{%- endmacro %}


{#- For fct_unprocessed_raw_rows, as audit_days: after a full refresh or on the first build,
    none (every day); else the days fct_load_day_accounting recounted after the latest check
    recorded in `checks_identifier` (fct_audit_checks, in the same schema: it is built after
    this model, so it is found by name, not ref'd) and the days of the rows listed now. A build
    with nothing new then rechecks nothing, and days recounted by a build that stopped before
    the check are rechecked by the next one. Without that table (a warehouse built before it
    existed): the days of the latest recount. -#}
{% macro audit_days_to_recheck(load_days_relation, checks_identifier) -%}
    {%- if not execute or flags.FULL_REFRESH or this.identifier is not defined
        or adapter.get_relation(this.database, this.schema, this.identifier) is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set checks = adapter.get_relation(this.database, this.schema, checks_identifier) -%}
    {%- set days_sql -%}
        select
            source_table,
            load_date
        from {{ load_days_relation }}
        {%- if checks is not none %}
        where audited_at > coalesce(
            (select max(checked_through_audited_at) from {{ checks }}),
            cast('1900-01-01' as {{ dbt.type_timestamp() }})
        )
        {%- else %}
        where audited_at = (select max(audited_at) from {{ load_days_relation }})
        {%- endif %}
        union all
        select
            source_table,
            cast(loaded_at as date) as load_date
        from {{ this }}
    {%- endset -%}
    {{ return(audit_days(days_sql)) }}
{%- endmacro %}


{#- The load days to check, read now from `query` (columns source_table, load_date): a dict
    from source table to its list of dates (none stands for the rows without a load time).
    A table missing from the dict has no day to check; a table mapped to none has more than
    var audit_max_inline_days of them and is checked whole. none (check everything) while
    parsing and in unit tests. -#}
{% macro audit_days(query) -%}
    {%- if not execute or this.identifier is not defined -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set result = run_query('select distinct source_table, load_date from (' ~ query ~ ') as audit_days') -%}
    {%- set days = {} -%}
    {%- for row in result.rows -%}
        {%- do days.setdefault(row[0], []).append(row[1]) -%}
    {%- endfor -%}
    {%- set max_days = var('audit_max_inline_days') | int -%}
    {%- for table in days.keys() | list -%}
        {%- if days[table] | length > max_days -%}
            {%- do days.update({table: none}) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(days) }}
{%- endmacro %}


{#- `where`-clause fragment: true for the rows of `column` (a load time) on the load days of
    `source_table` in `days` (audit_days): one time range per day, so that under a view the
    scan reads those days' row groups only. No day: false. -#}
{% macro audit_day_condition(column, days, source_table) -%}
    {%- if days is none -%}
        {{ return('1 = 1') }}
    {%- endif -%}
    {%- if source_table not in days -%}
        {{ return('1 = 0') }}
    {%- endif -%}
    {%- set dates = days[source_table] -%}
    {%- if dates is none -%}
        {{ return('1 = 1') }}
    {%- endif -%}
    {%- set ranges = [] -%}
    {%- for value in dates -%}
        {%- if value is none -%}
            {%- do ranges.append(column ~ ' is null') -%}
        {%- else -%}
            {%- set day = audit_date(value) -%}
            {%- set next_day = day + modules.datetime.timedelta(days=1) -%}
            {%- do ranges.append(
                '(' ~ column ~ ' >= ' ~ timestamp_literal(day.isoformat())
                ~ ' and ' ~ column ~ ' < ' ~ timestamp_literal(next_day.isoformat()) ~ ')'
            ) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return('(' ~ ranges | join(' or ') ~ ')') }}
{%- endmacro %}


{#- `where`-clause fragment for a lookup by key, in `entry`'s staging model (raw_table_registry),
    of the keys of rows loaded on the checked days (`days`, audit_days): the staged rows
    loaded from var upsert_horizon_days before the earliest checked day of the table on
    (`column`, their load time). The staging model keeps one row per key among the copies
    that land within that horizon of each other (its upsert horizon, docs/decision_log.md,
    "Upsert horizon"), so the kept row of a copy loaded on a checked day is inside the bound,
    and the scan skips the older row groups. `1 = 1` (the whole model) when every day or the
    whole table is checked, when the staging model has no horizon (upsert_config: the
    app-database models, which keep a key's newest version, and every model on Spark) or
    the var is null; `1 = 0` when the table has no day to check. -#}
{% macro audit_staged_horizon_condition(column, days, entry) -%}
    {%- set source_table = entry.source ~ '.' ~ entry.table -%}
    {%- set horizon_days = upsert_horizon_days() -%}
    {%- if days is none or horizon_days is none or not staging_has_upsert_horizon(entry.staging) -%}
        {{ return('1 = 1') }}
    {%- endif -%}
    {%- if source_table not in days -%}
        {{ return('1 = 0') }}
    {%- endif -%}
    {%- set dates = [] -%}
    {%- for value in days[source_table] or [] if value is not none -%}
        {%- do dates.append(audit_date(value)) -%}
    {%- endfor -%}
    {%- if not dates -%}
        {{ return('1 = 1') }}
    {%- endif -%}
    {%- set cutoff = (dates | min) - modules.datetime.timedelta(days=horizon_days) -%}
    {{ return(column ~ ' >= ' ~ timestamp_literal(cutoff.isoformat())) }}
{%- endmacro %}


{#- Whether the staging model named `model_name` bounds its lookups of stored copies by load
    time (upsert_config with a horizon column); false while parsing. -#}
{% macro staging_has_upsert_horizon(model_name) -%}
    {%- set node = project_model_node(model_name) -%}
    {{ return(node is not none and node.config.get('upsert_horizon_column') is not none) }}
{%- endmacro %}


{#- A load day of audit_days (a date, or its text as run_query returns it) as a date. -#}
{% macro audit_date(value) -%}
    {{ return(modules.datetime.date.fromisoformat((value | string)[:10])) }}
{%- endmacro %}


{#- True when `days` (audit_days) checks only some load days of `source_table` (an
    incremental run): a model can then narrow what it compares those days' rows with. -#}
{% macro audit_checks_some_days(days, source_table) -%}
    {{ return(days is not none and (source_table not in days or days[source_table] is not none)) }}
{%- endmacro %}


{#- `days` (audit_days) merged over the tables named in `tables` and `name` itself, under
    `name`: the load days of any of them. -#}
{% macro audit_days_of_tables(days, name, tables) -%}
    {%- if days is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set merged = [] -%}
    {%- for table, dates in days.items() if table in tables or table == name -%}
        {%- if dates is none -%}
            {{ return({name: none}) }}
        {%- endif -%}
        {%- for value in dates if value not in merged -%}
            {%- do merged.append(value) -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- if merged | length > var('audit_max_inline_days') | int -%}
        {{ return({name: none}) }}
    {%- endif -%}
    {{ return({name: merged} if merged else {}) }}
{%- endmacro %}


{#- Whether this invocation selected the model of this project named `model_name` (dbt's
    selected_resources): a model that records what another did in the same build checks that
    the other one ran. False while parsing. -#}
{% macro selected_in_invocation(model_name) -%}
    {%- set node = project_model_node(model_name) -%}
    {{ return(node is not none and node.unique_id in (selected_resources or [])) }}
{%- endmacro %}


{#- The run's start as a timestamp literal (UTC): the same value in every model of a run. -#}
{% macro run_started_at_literal() -%}
    {{ return(timestamp_literal(run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f"))) }}
{%- endmacro %}


{#- The measure columns of one part of fct_load_day_accounting's per-day counts, in order:
    `values` gives the expression of some (e.g. {'kept_row_count': 'count(*)'}), the rest are 0. -#}
{% macro audit_day_measures(values) -%}
    {%- set columns = [] -%}
    {%- for name in [
        'raw_row_count', 'good_row_count', 'quarantined_row_count',
        'kept_row_count', 'good_key_count', 'kept_elsewhere_key_count',
    ] -%}
        {%- do columns.append(values.get(name, '0') ~ ' as ' ~ name) -%}
    {%- endfor -%}
    {{ return(columns | join(',\n        ')) }}
{%- endmacro %}
