{#-
    Incremental strategies per engine, chosen in one place.
    Models call `config(**upsert_config(...))` or `config(**partition_replace_config(...))`
    and filter new rows with `load_window_filter(...)`.
-#}

{#- Row-level upsert on a unique key (event-level models). -#}
{% macro upsert_config(unique_key) -%}
    {{ return(adapter.dispatch('upsert_config', 'usage_warehouse')(unique_key)) }}
{%- endmacro %}

{% macro default__upsert_config(unique_key) -%}
    {{ return({'materialized': 'incremental', 'incremental_strategy': 'delete+insert', 'unique_key': unique_key, 'on_schema_change': 'fail'}) }}
{%- endmacro %}

{#- Spark without a transactional table format (Delta, Iceberg, Hudi) cannot update
    rows in place: event-level models are rebuilt whole there. -#}
{% macro spark__upsert_config(unique_key) -%}
    {{ return({'materialized': 'table', 'file_format': 'parquet'}) }}
{%- endmacro %}


{#- Replace whole partitions (daily facts): every row of a day that the new data touches
    is recomputed, so counts of distinct users stay exact. -#}
{% macro partition_replace_config(partition_column) -%}
    {{ return(adapter.dispatch('partition_replace_config', 'usage_warehouse')(partition_column)) }}
{%- endmacro %}

{% macro default__partition_replace_config(partition_column) -%}
    {{ return({'materialized': 'incremental', 'incremental_strategy': 'delete+insert', 'unique_key': partition_column, 'on_schema_change': 'fail'}) }}
{%- endmacro %}

{% macro spark__partition_replace_config(partition_column) -%}
    {{ return({'materialized': 'incremental', 'incremental_strategy': 'insert_overwrite', 'partition_by': [partition_column], 'file_format': 'parquet', 'on_schema_change': 'fail'}) }}
{%- endmacro %}


{#- The load-time watermark of an incremental model: the newest `column` already in the
    model, less the configured lookback (var incremental_lookback_hours). Rows loaded after
    it are processed again; the unique key keeps that idempotent. -#}
{% macro load_watermark(column='loaded_at', relation=none) -%}
    {%- set relation = relation if relation is not none else this -%}
    {%- set newest -%}
        coalesce((select max({{ column }}) from {{ relation }}), cast('1900-01-01' as {{ dbt.type_timestamp() }}))
    {%- endset -%}
    {{ dbt.dateadd('hour', -1 * (var('incremental_lookback_hours') | int), newest) }}
{%- endmacro %}


{#- `where`-clause fragment: true for rows to process in this run. On a full build every
    row qualifies. -#}
{% macro load_window_filter(column='loaded_at', watermark_column='loaded_at') -%}
    {%- if is_incremental() -%}
        {{ column }} > {{ load_watermark(watermark_column) }}
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
    recomputed whole. On a full build every row qualifies. -#}
{% macro affected_dates_filter(input_relation, date_column, input_date_column=none) -%}
    {%- set input_date_column = input_date_column or date_column -%}
    {%- if is_incremental() -%}
        ({{ date_column }} in (
            select distinct {{ input_date_column }}
            from {{ input_relation }}
            where loaded_at > {{ load_watermark('loaded_at') }}
        ){{ backfill_dates_condition(date_column) }})
    {%- else -%}
        1 = 1
    {%- endif -%}
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
