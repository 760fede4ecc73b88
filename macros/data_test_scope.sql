{#-
    Which rows a data test reads (docs/decision_log.md, "Tests in the daily build").

    With var data_test_scope 'all' (the default) every test reads the whole model. With
    'recent' (the daily job's incremental runs), a test on an incremental model with a
    loaded_at column reads only the rows loaded in the last var data_test_recent_hours before
    the model's newest load: the rows the run wrote. Older rows were tested by the runs that
    wrote them; the merge on the model's unique key keeps them from duplicating new rows. On a
    view with loaded_at (the base views over the raw tables), the tests that check each row on
    its own (not_null, not_null_columns, accepted_values, relationships, expression_is_true) read
    the recent rows too: a row's result does not depend on the others. Tests that compare rows (unique) on
    views, tests on tables rebuilt whole and seeds read every row, and so do tests that compare
    new rows with history (volume_anomaly, or meta data_test_scope: all on the test).

    Sources (the raw tables, append-only) are scoped by their loaded_at_field: a row-wise test
    reads the recent rows; a key test (unique, unique_combination) reads every row that shares
    its key with a recent row, so a new row that repeats an old row's key still fails it, while
    the keys of older rows alone, tested by earlier runs, are not grouped again.

    The cutoff is read when the test runs and written as a timestamp literal: a constant
    condition reaches the table scan under a view (only the recent raw rows are parsed and
    checked) and skips the older row groups of a table.

    Overrides dbt's get_where_subquery (the test's own `where` config still applies on top).
-#}
{% macro get_where_subquery(relation) -%}
    {%- set conditions = [] -%}
    {%- set where = config.get('where', '') -%}
    {%- if where -%}
        {%- do conditions.append('(' ~ where ~ ')') -%}
    {%- endif -%}
    {%- set recent = recent_rows_condition(relation) -%}
    {%- if recent -%}
        {%- do conditions.append(recent) -%}
    {%- endif -%}
    {%- if conditions -%}
        {%- set filtered -%}
            (select * from {{ relation }} as tested_rows where {{ conditions | join(' and ') }}) dbt_subquery
        {%- endset -%}
        {%- do return(filtered) -%}
    {%- endif -%}
    {%- do return(relation) -%}
{%- endmacro %}


{#- The `where` condition that keeps a test on `relation` (aliased tested_rows) to the recently
    loaded rows, or '' when the test reads every row (scope 'all', or not an incremental model
    or source with a load-time column). -#}
{% macro recent_rows_condition(relation) -%}
    {%- set scope = var('data_test_scope', 'all') -%}
    {%- if scope not in ['all', 'recent'] -%}
        {{ exceptions.raise_compiler_error(
            "var data_test_scope is '" ~ scope ~ "': use 'all' (every row) or 'recent' (the rows loaded in the "
            ~ "last data_test_recent_hours of incremental models). See docs/decision_log.md, 'Tests in the daily build'."
        ) }}
    {%- endif -%}
    {%- if scope == 'all' or not execute or relation.identifier is not defined -%}
        {{ return('') }}
    {%- endif -%}
    {#- Tests that compare new rows with older ones read every row: volume_anomaly (a day's
        count against the previous weeks), or a test with meta data_test_scope: all. -#}
    {%- set test_metadata = model.get('test_metadata') or {} -%}
    {%- set test_name = test_metadata.get('name') -%}
    {%- if test_name in ['volume_anomaly'] or (config.get('meta') or {}).get('data_test_scope') == 'all' -%}
        {{ return('') }}
    {%- endif -%}
    {%- set row_wise_tests = ['not_null', 'not_null_columns', 'accepted_values', 'relationships', 'expression_is_true'] -%}
    {%- set key_tests = {'unique': 'column_name', 'unique_combination': 'columns'} -%}
    {#- The model the test is attached to, or the source it tests, looked up once. -#}
    {%- set node = graph.nodes.get(model.get('attached_node') or '') -%}
    {%- if node -%}
        {%- set materialized = node.get('config', {}).get('materialized') -%}
        {%- if 'loaded_at' in node.get('columns', {})
            and (materialized == 'incremental' or (materialized == 'view' and test_name in row_wise_tests)) -%}
            {{ return(recent_loads_condition(relation, 'loaded_at')) }}
        {%- endif -%}
        {{ return('') }}
    {%- endif -%}
    {%- set source_ids = model.get('depends_on', {}).get('nodes', []) | select('in', graph.sources) | list -%}
    {%- set source = graph.sources[source_ids[0]] if source_ids | length == 1 else none -%}
    {#- A load-time column or key that is an expression, not a column name, is read whole. -#}
    {%- set is_column_name = modules.re.compile('^[A-Za-z_][A-Za-z0-9_]*$').match -%}
    {%- if source is none or not is_column_name(source.get('loaded_at_field') or '') -%}
        {{ return('') }}
    {%- endif -%}
    {%- if test_name in row_wise_tests -%}
        {{ return(recent_loads_condition(relation, source.loaded_at_field)) }}
    {%- elif test_name in key_tests -%}
        {%- set key = test_metadata.get('kwargs', {}).get(key_tests[test_name]) -%}
        {%- set key_columns = [key] if key is string else (key or []) -%}
        {%- if not key_columns -%}
            {{ return('') }}
        {%- endif -%}
        {%- for column in key_columns if column is not string or not is_column_name(column) -%}
            {{ return('') }}
        {%- endfor -%}
        {%- set recent = recent_loads_condition(relation, source.loaded_at_field, alias='recent_rows') -%}
        {%- if not recent -%}
            {{ return('') }}
        {%- endif -%}
        {%- set matches = [] -%}
        {%- for column in key_columns -%}
            {%- do matches.append(null_safe_equal('recent_rows.' ~ column, 'tested_rows.' ~ column)) -%}
        {%- endfor -%}
        {{ return('exists (select 1 from ' ~ relation ~ ' as recent_rows where ' ~ recent ~ ' and ' ~ (matches | join(' and ')) ~ ')') }}
    {%- endif -%}
    {{ return('') }}
{%- endmacro %}


{#- `<alias.>column > <literal>`: the rows of `relation` loaded in the last var
    data_test_recent_hours before its newest load (read now); '' when it has no rows. -#}
{% macro recent_loads_condition(relation, column, alias='tested_rows') -%}
    {%- set hours = var('data_test_recent_hours') | int -%}
    {%- set newest = '(select max(' ~ column ~ ') from ' ~ relation ~ ')' -%}
    {%- set cutoff = run_query('select ' ~ dbt.dateadd('hour', -1 * hours, newest) ~ ' as cutoff_at').columns[0].values()[0] -%}
    {{ return('' if cutoff is none else alias ~ '.' ~ column ~ ' > ' ~ timestamp_literal(cutoff)) }}
{%- endmacro %}
