{#-
    Incremental strategies per engine, chosen in one place.
    Models call `config(**upsert_config(...))` or `config(**partition_replace_config(...))`
    and filter new rows with `load_window_filter(...)`.
-#}

{#- Row-level upsert on a unique key (event-level models). With `horizon_column` (a load
    time), the stored rows a run looks up by key, and the upsert's delete, are bounded to the
    last var upsert_horizon_days before the load window (upsert_horizon_condition): every copy of
    a key must land within that many days of the first. With `time_column` (a single-column
    key only), the upsert's delete finds a stored row by its key and that time, which never
    changes once the row is stored, except for the rows that meet `time_moves_where` (a
    condition on the model's columns), found by key alone (timed_delete_insert). -#}
{% macro upsert_config(unique_key, horizon_column=none, time_column=none, time_moves_where=none) -%}
    {{ return(adapter.dispatch('upsert_config', 'usage_warehouse')(unique_key, horizon_column, time_column, time_moves_where)) }}
{%- endmacro %}

{% macro default__upsert_config(unique_key, horizon_column=none, time_column=none, time_moves_where=none) -%}
    {%- if time_column and (horizon_column or unique_key is not string) -%}
        {{ exceptions.raise_compiler_error(
            "upsert_config: time_column '" ~ time_column ~ "' needs a single-column unique_key and no horizon_column"
            ~ " (got unique_key " ~ unique_key ~ ", horizon_column " ~ horizon_column ~ ")."
        ) }}
    {%- endif -%}
    {%- set strategy = 'horizon_delete_insert' if horizon_column else ('timed_delete_insert' if time_column else 'delete+insert') -%}
    {{ return({
        'materialized': 'incremental', 'incremental_strategy': strategy, 'unique_key': unique_key,
        'on_schema_change': 'fail', 'upsert_horizon_column': horizon_column,
        'upsert_time_column': time_column, 'upsert_time_moves_where': time_moves_where,
    }) }}
{%- endmacro %}

{#- Spark without a transactional table format (Delta, Iceberg, Hudi) cannot update
    rows in place: event-level models are rebuilt whole there. -#}
{% macro spark__upsert_config(unique_key, horizon_column=none, time_column=none, time_moves_where=none) -%}
    {{ return({'materialized': 'table', 'file_format': 'parquet'}) }}
{%- endmacro %}


{#- var upsert_horizon_days: the days within which every copy of a key lands after the first
    (a whole number), or none (null: no horizon, every stored row is looked up). Any other
    value stops the run. docs/decision_log.md, "Upsert horizon". -#}
{% macro upsert_horizon_days() -%}
    {%- set days = var('upsert_horizon_days', none) -%}
    {%- if days is not none and (days is not number or days < 0) -%}
        {{ exceptions.raise_compiler_error(
            "var upsert_horizon_days is '" ~ days ~ "': use a whole number of days (30 by default), or null to "
            ~ "look up every stored row. See docs/decision_log.md, 'Upsert horizon'."
        ) }}
    {%- endif -%}
    {{ return(none if days is none else days | int) }}
{%- endmacro %}


{#- Whether this run bounds the stored rows of an upserted model by load time: the model has
    a horizon column (upsert_config), the run is incremental and var upsert_horizon_days is set
    (upsert_horizon_days). -#}
{% macro has_upsert_horizon() -%}
    {{ return(
        config.get('upsert_horizon_column') is not none
        and is_incremental()
        and upsert_horizon_days() is not none
    ) }}
{%- endmacro %}


{#- `where`-clause fragment that bounds the stored rows of an upserted model to those a new
    row's key can still match: `<horizon column> >= ` the load watermark (a literal read when
    the model runs, load_watermark_literal) less var upsert_horizon_days, a constant, so that
    the scan skips the older row groups. The same cutoff bounds the model's lookups of stored
    rows by key and the upsert's delete (horizon_delete_insert), so a run never writes a key
    it did not find. `1 = 1` when the run has no horizon (has_upsert_horizon). -#}
{% macro upsert_horizon_condition() -%}
    {%- if not has_upsert_horizon() -%}
        {{ return('1 = 1') }}
    {%- endif -%}
    {%- set column = config.get('upsert_horizon_column') -%}
    {%- set cutoff = dbt.dateadd('day', -1 * upsert_horizon_days(), load_watermark_literal(column)) | trim -%}
    {{ return(column ~ ' >= ' ~ cutoff) }}
{%- endmacro %}


{#- Incremental strategy horizon_delete_insert: delete+insert whose delete reads only the
    stored rows inside the upsert horizon (upsert_horizon_condition), the rows the model
    looked up. Any other incremental_predicates still apply. -#}
{% macro get_incremental_horizon_delete_insert_sql(arg_dict) -%}
    {%- set horizon = [upsert_horizon_condition()] if has_upsert_horizon() else [] -%}
    {%- set predicates = (arg_dict['incremental_predicates'] or []) + horizon -%}
    {%- set delete_insert_args = {} -%}
    {%- do delete_insert_args.update(arg_dict) -%}
    {%- do delete_insert_args.update({'incremental_predicates': predicates or none}) -%}
    {{ return(get_incremental_delete_insert_sql(delete_insert_args)) }}
{%- endmacro %}


{#- Stops a run of this project's own delete strategies (`strategy`: its name and the config
    that chooses it) when the model sets incremental_predicates, which they do not apply. -#}
{% macro refuse_incremental_predicates(arg_dict, strategy) -%}
    {%- if arg_dict['incremental_predicates'] -%}
        {{ exceptions.raise_compiler_error(
            strategy ~ " does not take incremental_predicates: model " ~ this ~ "."
        ) }}
    {%- endif -%}
{%- endmacro %}


{#- Incremental strategy timed_delete_insert (upsert_config with time_column): delete+insert
    whose delete finds a stored row by its key and its time (config upsert_time_column). A key
    that is a random id spreads over every row group, so a delete by key alone scans the whole
    key column, a cost that follows the history; with the time, the scan skips the row groups
    that hold none of the new rows' times (docs/decision_log.md, "Stored events are found by id
    and time"). New rows meeting upsert_time_moves_where, whose time can differ from the stored
    copy's, delete by key alone. The two deletes split the new rows between them (a null
    condition counts as false); the insert is dbt's append of the new rows. -#}
{% macro get_incremental_timed_delete_insert_sql(arg_dict) -%}
    {%- do refuse_incremental_predicates(arg_dict, 'timed_delete_insert (upsert_config with time_column)') -%}
    {%- set target, source, key = arg_dict['target_relation'], arg_dict['temp_relation'], arg_dict['unique_key'] -%}
    {%- set time_column = config.get('upsert_time_column') -%}
    {%- set moves = config.get('upsert_time_moves_where') -%}
    {%- set moves_sql = 'coalesce((' ~ moves ~ '), false)' if moves else 'false' -%}
    delete from {{ target }} as stored
    using (
        select {{ key }}, {{ time_column }} from {{ source }}
        where not {{ moves_sql }}
    ) as new_rows
    where
        stored.{{ key }} = new_rows.{{ key }}
        and stored.{{ time_column }} = new_rows.{{ time_column }};
    {%- if moves %}

    delete from {{ target }}
    where {{ key }} in (
        select {{ key }} from {{ source }}
        where {{ moves_sql }}
    );
    {%- endif %}

    {{ get_incremental_append_sql(arg_dict) }}
{%- endmacro %}


{#- Replace whole partitions (daily facts, period facts): every row of a partition that the
    new data touches is recomputed, so counts of distinct users stay exact. `partition_column`
    is one column (a day) or a list of columns (a period: its type and start). A partition of
    one column is replaced by dbt's delete+insert (`where <column> in (select ...)`); one of
    several columns by partition_delete_insert, whose delete matches each stored row with the
    new rows' distinct partitions. -#}
{% macro partition_replace_config(partition_column) -%}
    {{ return(adapter.dispatch('partition_replace_config', 'usage_warehouse')(partition_column)) }}
{%- endmacro %}

{% macro default__partition_replace_config(partition_column) -%}
    {%- set strategy = 'delete+insert' if partition_column is string else 'partition_delete_insert' -%}
    {{ return({'materialized': 'incremental', 'incremental_strategy': strategy, 'unique_key': partition_column, 'on_schema_change': 'fail'}) }}
{%- endmacro %}

{#- Spark: a day partition is overwritten in place (insert_overwrite); a table partitioned by
    several columns is rebuilt whole, as the event-level models are (spark__upsert_config). -#}
{% macro spark__partition_replace_config(partition_column) -%}
    {%- if partition_column is not string -%}
        {{ return({'materialized': 'table', 'file_format': 'parquet'}) }}
    {%- endif -%}
    {{ return({'materialized': 'incremental', 'incremental_strategy': 'insert_overwrite', 'partition_by': [partition_column], 'file_format': 'parquet', 'on_schema_change': 'fail'}) }}
{%- endmacro %}


{#- Incremental strategy partition_delete_insert (partition_replace_config with several
    columns): deletes the stored rows of every partition the new rows hold, then appends the
    new rows. dbt's delete+insert with a list of key columns joins the stored rows with every
    new row: a partition's key is shared by all its rows, so that join pairs each stored row
    of a partition with each of its new rows (at 52M events, 7.4 s for the 1.4M-row
    fct_user_lifecycle with 171k new rows in 13 periods); matched with the distinct
    partitions instead, each stored row meets one (0.01 s, the same rows deleted). -#}
{% macro get_incremental_partition_delete_insert_sql(arg_dict) -%}
    {%- do refuse_incremental_predicates(arg_dict, 'partition_delete_insert (partition_replace_config with several columns)') -%}
    {%- set target, source, columns = arg_dict['target_relation'], arg_dict['temp_relation'], arg_dict['unique_key'] -%}
    delete from {{ target }} as stored
    using (
        select distinct {{ columns | join(', ') }} from {{ source }}
    ) as replaced
    where
        {%- for column in columns %}
        {{ 'and ' if not loop.first }}stored.{{ column }} = replaced.{{ column }}
        {%- endfor %};

    {{ get_incremental_append_sql(arg_dict) }}
{%- endmacro %}


{#- The load-time watermark of an incremental model: the newest `column` already in the
    model, less the configured lookback (var incremental_lookback_hours). Rows loaded after
    it are processed again; the unique key keeps that idempotent. With `condition`, only the
    model's rows that meet it count (the rows a pre-hook is about to delete do not). -#}
{% macro load_watermark(column='loaded_at', condition=none) -%}
    {%- set newest -%}
        coalesce(
            (select max({{ column }}) from {{ this }}{% if condition %} where {{ condition }}{% endif %}),
            cast('1900-01-01' as {{ dbt.type_timestamp() }})
        )
    {%- endset -%}
    {{ dbt.dateadd('hour', -1 * (var('incremental_lookback_hours') | int), newest) }}
{%- endmacro %}


{#- `where`-clause fragment: true for rows to process in this run. On a full build every
    row qualifies. The watermark is a literal (load_watermark_literal): under a view, the
    condition reaches the raw table's scan, so only the new raw rows are parsed and checked. -#}
{% macro load_window_filter(column='loaded_at', watermark_column='loaded_at') -%}
    {%- if is_incremental() -%}
        {{ column }} > {{ load_watermark_literal(watermark_column) }}
    {%- else -%}
        1 = 1
    {%- endif -%}
{%- endmacro %}


{#- Column names of a relation, for explicit select lists (no engine-specific `* exclude`).
    Falls back to `*` when the relation has no columns to read: at parse time, in dbt unit
    tests (the input is a fixture, not a table) and when linting before the first build. -#}
{% macro column_list(relation, except=[]) -%}
    {%- if not execute -%}
        {{ return('*') }}
    {%- endif -%}
    {%- set names = [] -%}
    {%- for col in adapter.get_columns_in_relation(relation) -%}
        {%- if col.name | lower not in except -%}
            {%- do names.append(col.name) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(names | join(', ') if names else '*') }}
{%- endmacro %}


{#- `where`-clause fragment for partition-replacing models: true for the rows of every
    date that has an input row loaded after this model's watermark, so those dates are
    recomputed whole. On a full build every row qualifies. A model whose pre-hook deletes
    rows (delete_if_config_changed) passes `watermark_condition`, true for the rows it keeps:
    the dates are read before the pre-hook runs. A model with more than one input passes the
    others in `also_from` (same date column): a date any of them touched is recomputed from
    all of them, since the replace deletes every row of the date. A model cut at the as-of
    date names its own date column in `after_newest_of`: the dates after the newest one it
    holds are computed too (the days the as-of date moved over, whose rows may have been
    loaded before the watermark). -#}
{% macro affected_dates_filter(input_relation, date_column, input_date_column=none, watermark_condition=none, also_from=[], after_newest_of=none) -%}
    {%- set input_date_column = input_date_column or date_column -%}
    {%- if is_incremental() -%}
        {%- set relations = [input_relation] + also_from -%}
        {%- set watermark = load_watermark('loaded_at', condition=watermark_condition) -%}
        {%- set dates_sql -%}
            {%- for relation in relations %}
            select {{ input_date_column }} as affected_date
            from {{ relation }}
            where loaded_at > {{ watermark }}
            {%- if not loop.last %}
            union all
            {%- endif %}
            {%- endfor %}
        {%- endset -%}
        {%- set newer_dates = (' or ' ~ date_column ~ ' > ' ~ newest_date_literal(after_newest_of)) if after_newest_of else '' -%}
        ({{ affected_dates_condition(date_column, dates_sql, relations) }}{{ newer_dates }}{{ backfill_dates_condition(date_column) }})
    {%- else -%}
        1 = 1
    {%- endif -%}
{%- endmacro %}


{#- The newest `column` (a date) of this model, read when the model runs, as a date literal
    (1900-01-01 when the model is empty); the subquery while parsing and in unit tests. -#}
{% macro newest_date_literal(column) -%}
    {%- set newest = "coalesce((select max(" ~ column ~ ") from " ~ this ~ "), cast('1900-01-01' as date))" -%}
    {%- if not execute or this.identifier is not defined -%}
        {{ return(newest) }}
    {%- endif -%}
    {%- set value = run_query('select ' ~ newest ~ ' as newest_date').columns[0].values()[0] -%}
    {{ return("cast('" ~ value ~ "' as date)") }}
{%- endmacro %}


{#- `<date_column> in (...)` for the dates of `dates_sql` (column affected_date), with their
    range: the scan skips the row groups outside it (in_values_condition). -#}
{% macro affected_dates_condition(date_column, dates_sql, relations) -%}
    {{ return(in_values_condition(date_column, dates_sql, 'affected_date', relations, 'date', with_range=true)) }}
{%- endmacro %}


{#- `<column> in (...)` for the distinct values of `query`'s column `value_column`, read when
    the model runs and written as literals (inline_values): a constant condition reaches the
    table scan, where a subquery is a join that reads every row first. With `with_range`, also
    `between` the first and last value, so the scan skips the row groups outside it. No
    values: false. Values that cannot be inlined: the subquery itself. -#}
{% macro in_values_condition(column, query, value_column, relations, value_type='string', with_range=false) -%}
    {%- set values = inline_values(query, value_column, relations) -%}
    {%- if values is none -%}
        {{ return(column ~ ' in (select inlined.' ~ value_column ~ ' from (' ~ query ~ ') as inlined)') }}
    {%- endif -%}
    {%- if not values -%}
        {{ return('1 = 0') }}
    {%- endif -%}
    {%- set range_condition = '' -%}
    {%- if with_range -%}
        {%- set range_condition = column ~ ' between ' ~ sql_literals(values[:1], value_type)
            ~ ' and ' ~ sql_literals(values[-1:], value_type) ~ ' and ' -%}
    {%- endif -%}
    {{ return(range_condition ~ column ~ ' in (' ~ sql_literals(values, value_type) ~ ')') }}
{%- endmacro %}


{#- The distinct non-null values of `column` in `query`, sorted, read now: a list, or none
    when they cannot be read (parsing; a unit test, whose `relations` and `this` are fixtures,
    not tables) or there are more than var restatement_max_inline_keys of them. -#}
{% macro inline_values(query, column, relations=[]) -%}
    {%- if not execute -%}
        {{ return(none) }}
    {%- endif -%}
    {%- for relation in relations + [this] if relation.identifier is not defined -%}
        {{ return(none) }}
    {%- endfor -%}
    {%- set max_values = var('restatement_max_inline_keys') | int -%}
    {%- set result = run_query(
        'select distinct ' ~ column ~ ' from (' ~ query ~ ') as inline_source where '
        ~ column ~ ' is not null limit ' ~ (max_values + 1)
    ) -%}
    {%- set values = result.columns[0].values() | list -%}
    {%- if values | length > max_values -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(values | sort) }}
{%- endmacro %}


{#- ` or <date_column> between <start> and <end>` when vars backfill_start_date and
    backfill_end_date are set (a backfill: those dates are recomputed whole whatever was
    loaded), else nothing. Both or neither, ISO dates, start not after end. -#}
{% macro backfill_dates_condition(date_column) -%}
    {%- set start_date = var('backfill_start_date', none) -%}
    {%- set end_date = var('backfill_end_date', none) -%}
    {%- if start_date is none and end_date is none -%}
        {{ return('') }}
    {%- endif -%}
    {%- set problem = none -%}
    {%- if start_date is none or end_date is none -%}
        {%- set problem = 'set both or neither' -%}
    {%- else -%}
        {%- set parsed = [] -%}
        {%- for value in [start_date, end_date] -%}
            {%- if modules.re.match('^[0-9]{4}-[0-9]{2}-[0-9]{2}$', value | string) -%}
                {%- do parsed.append(modules.datetime.date.fromisoformat(value | string)) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- if parsed | length < 2 -%}
            {%- set problem = 'use ISO dates, e.g. 2026-10-01' -%}
        {%- elif parsed[0] > parsed[1] -%}
            {%- set problem = 'the start must not be after the end' -%}
        {%- endif -%}
    {%- endif -%}
    {%- if problem is not none -%}
        {{ exceptions.raise_compiler_error(
            "vars backfill_start_date (" ~ start_date ~ ") and backfill_end_date (" ~ end_date ~ "): "
            ~ problem ~ ". They name the dates a backfill recomputes (docs/orchestration.md)."
        ) }}
    {%- endif -%}
    {{ return(" or " ~ date_column ~ " between cast('" ~ start_date ~ "' as date) and cast('" ~ end_date ~ "' as date)") }}
{%- endmacro %}


{#- Configuration changes in incremental models (docs/decision_log.md, "Metrics are rows of a seed").
    A model that applies configuration seeds (metric definitions) to history stores a
    fingerprint of that configuration in every row. When the configuration changes, the
    pre-hook delete_if_config_changed empties the model, its watermark falls back to the
    beginning, and the run recomputes every day with the new configuration. -#}

{#- SQL scalar: a hash of every row of `relation` (all its columns, as text), so that any edit
    of a configuration table changes it. The same on every engine: fractional numbers are
    written as whole millionths (engines print doubles and decimals differently: 20.0 and 20,
    0E-9 and 0.000000000), and the rows are sorted by their own hash (hex digits sort alike
    under any collation). Decimals are found by their type's name: dbt's Column.is_numeric()
    is false for DuckDB's and Spark's `decimal(p,s)`. -#}
{% macro config_fingerprint(relation) -%}
    {#- No table to read at parse time, nor in a unit test (the input is a fixture CTE): ''. -#}
    {%- set parts = [] -%}
    {%- if execute and relation.identifier is defined -%}
        {%- for col in adapter.get_columns_in_relation(relation) | sort(attribute='name') -%}
            {%- set data_type = col.data_type | lower -%}
            {%- set fractional = col.is_float() or 'decimal' in data_type or 'numeric' in data_type -%}
            {%- set value = 'cast(round(' ~ col.name ~ ' * 1000000) as ' ~ dbt.type_bigint() ~ ')' if fractional else col.name -%}
            {%- do parts.append("coalesce(cast(" ~ value ~ " as " ~ dbt.type_string() ~ "), '~')") -%}
            {%- do parts.append("'|'") -%}
        {%- endfor -%}
    {%- endif -%}
    {%- if not parts -%}
        {{ return("cast('' as " ~ dbt.type_string() ~ ")") }}
    {%- endif -%}
    (select {{ dbt.hash(sorted_string_agg(dbt.hash(dbt.concat(parts)))) }} from {{ relation }})
{%- endmacro %}


{#- Aggregate: the values of `expression` joined with ';' in sorted order. -#}
{% macro sorted_string_agg(expression) -%}
    {{ return(adapter.dispatch('sorted_string_agg', 'usage_warehouse')(expression)) }}
{%- endmacro %}

{% macro default__sorted_string_agg(expression) -%}
    string_agg({{ expression }}, ';' order by {{ expression }})
{%- endmacro %}

{% macro spark__sorted_string_agg(expression) -%}
    array_join(array_sort(collect_list({{ expression }})), ';')
{%- endmacro %}


{#- Pre-hook: in an incremental run, delete every row whose stored fingerprint `column` is
    not `fingerprint_sql` (the configuration changed since it was written). -#}
{% macro delete_if_config_changed(column, fingerprint_sql) -%}
    {{ return(adapter.dispatch('delete_if_config_changed', 'usage_warehouse')(column, fingerprint_sql)) }}
{%- endmacro %}

{% macro default__delete_if_config_changed(column, fingerprint_sql) -%}
    {%- if is_incremental() -%}
        delete from {{ this }} where {{ column }} <> {{ fingerprint_sql }}
    {%- else -%}
        select 1 as config_unchanged
    {%- endif -%}
{%- endmacro %}

{#- Spark's parquet tables cannot delete rows: after a configuration edit, rebuild the model
    with --full-refresh (docs/engines_spark.md). -#}
{% macro spark__delete_if_config_changed(column, fingerprint_sql) -%}
    select 1 as config_unchanged
{%- endmacro %}


{#- `values` as a comma-separated list of SQL literals: quoted text, or dates
    (`value_type` 'date'). -#}
{% macro sql_literals(values, value_type='string') -%}
    {%- set literals = [] -%}
    {%- for value in values -%}
        {%- set quoted = "'" ~ (value | string | replace("'", "''")) ~ "'" -%}
        {%- do literals.append("cast(" ~ quoted ~ " as date)" if value_type == 'date' else quoted) -%}
    {%- endfor -%}
    {{ return(literals | join(', ')) }}
{%- endmacro %}


{#- The keys an incremental run must restate, for an `in (...)` condition: the distinct
    non-null values of `query`'s column restated_key, read when the model runs and written
    as a list of literals, so that the database can push the condition down to the tables
    under a view (a subquery condition is a join above the view, which computes the whole
    view first). When they cannot be inlined (inline_values): the query itself. -#}
{% macro restated_key_list(query) -%}
    {%- set keys = inline_values(query, 'restated_key') -%}
    {%- if keys is none -%}
        {{ return(query) }}
    {%- endif -%}
    {%- if not keys -%}
        {{ return('cast(null as ' ~ dbt.type_string() ~ ')') }}
    {%- endif -%}
    {{ return(sql_literals(keys)) }}
{%- endmacro %}


{#- The load watermark (load_watermark) read when the model runs, as a timestamp literal: a
    constant the database can push down into the tables under a view, where a scalar
    subquery stays a join above it. The subquery itself while parsing and in unit tests
    (`this` is a fixture there, not a table). -#}
{% macro load_watermark_literal(column='loaded_at') -%}
    {%- if not execute or this.identifier is not defined -%}
        {{ return(load_watermark(column)) }}
    {%- endif -%}
    {%- set result = run_query('select ' ~ load_watermark(column) ~ ' as watermark_at') -%}
    {%- set value = result.columns[0].values()[0] -%}
    {{ return(timestamp_literal(value)) }}
{%- endmacro %}


{#- A timestamp literal for a value read with run_query (a datetime or its text), so that the
    condition it is in is a constant the database can push down to a scan. -#}
{% macro timestamp_literal(value) -%}
    {{ return("cast('" ~ value ~ "' as " ~ dbt.type_timestamp() ~ ")") }}
{%- endmacro %}


{#- Post-hook of an incremental model cut at the as-of date: in an incremental run, deletes
    the rows after the as-of date (dim_dates), left by an earlier run when var as_of_date has
    been moved back. -#}
{% macro delete_after_as_of(date_column) -%}
    {{ return(adapter.dispatch('delete_after_as_of', 'usage_warehouse')(date_column)) }}
{%- endmacro %}

{% macro default__delete_after_as_of(date_column) -%}
    {%- if is_incremental() -%}
        delete from {{ this }}
        where {{ date_column }} > (select max(dates.as_of_date) from {{ ref('dim_dates') }} as dates)
    {%- else -%}
        select 1 as nothing_after_as_of
    {%- endif -%}
{%- endmacro %}

{#- Spark's parquet tables cannot delete rows: after moving var as_of_date back, rebuild the
    models cut at it with --full-refresh (docs/engines_spark.md). -#}
{% macro spark__delete_after_as_of(date_column) -%}
    select 1 as no_row_level_delete_on_spark
{%- endmacro %}


{#- Body of a CTE with one row, recompute_from_date: the earliest day an incremental run of a
    model that writes "every day from the first one new data can change" must write from. The
    earliest `date_column` of the rows of each (relation, date_column) in `inputs` loaded after
    the model's watermark; with `newest_of`, the day after the newest value of that column of
    the model (the as-of date moved over the days after it); `extra_sql`, further candidates
    (queries of one column recompute_from_date); the first day of a backfill (vars
    backfill_start_date / backfill_end_date). `no_change_date` when there is none. -#}
{% macro recompute_from_date(inputs, newest_of=none, extra_sql=[], no_change_date='1900-01-01') -%}
    select coalesce(min(recompute_from_date), cast('{{ no_change_date }}' as date)) as recompute_from_date
    from (
        {%- for relation, date_column in inputs %}
        select min({{ date_column }}) as recompute_from_date
        from {{ relation }}
        where loaded_at > {{ load_watermark('loaded_at') }}
        {{ 'union all' if not loop.last }}
        {%- endfor %}
        {%- if newest_of %}
        union all
        select cast({{ dbt.dateadd('day', 1, 'max(' ~ newest_of ~ ')') }} as date) as recompute_from_date
        from {{ this }}
        {%- endif %}
        {%- for sql in extra_sql %}
        union all
        {{ sql }}
        {%- endfor %}
        {%- if var('backfill_start_date', none) is not none %}
        union all
        select min(backfill_dates.date_day) as recompute_from_date
        from {{ ref('dim_dates') }} as backfill_dates
        where 1 = 0{{ backfill_dates_condition('backfill_dates.date_day') }}
        {%- endif %}
    ) as recompute_candidates
{%- endmacro %}


{#- Pre-hook of a partition-replacing model: in an incremental run, deletes the rows of every
    date the run recomputes (affected_dates_filter, same arguments). The replace deletes only
    the dates the new rows fall on, so a date left without rows (the only active user erased)
    would keep its old ones. -#}
{% macro delete_affected_dates(input_relation, date_column, input_date_column=none, also_from=[], after_newest_of=none) -%}
    {{ return(adapter.dispatch('delete_affected_dates', 'usage_warehouse')(
        input_relation, date_column, input_date_column, also_from, after_newest_of
    )) }}
{%- endmacro %}

{% macro default__delete_affected_dates(input_relation, date_column, input_date_column, also_from, after_newest_of) -%}
    {%- if is_incremental() -%}
        delete from {{ this }}
        where {{ affected_dates_filter(
            input_relation, date_column, input_date_column, also_from=also_from, after_newest_of=after_newest_of
        ) }}
    {%- else -%}
        select 1 as nothing_to_recompute
    {%- endif -%}
{%- endmacro %}

{#- Spark's parquet tables cannot delete rows: insert_overwrite replaces the partitions the new
    rows fall on (docs/engines_spark.md). -#}
{% macro spark__delete_affected_dates(input_relation, date_column, input_date_column, also_from, after_newest_of) -%}
    select 1 as no_row_level_delete_on_spark
{%- endmacro %}
