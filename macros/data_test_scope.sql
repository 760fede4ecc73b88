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
            (select * from {{ relation }} where {{ conditions | join(' and ') }}) dbt_subquery
        {%- endset -%}
        {%- do return(filtered) -%}
    {%- endif -%}
    {%- do return(relation) -%}
{%- endmacro %}


{#- The `where` condition that keeps a test on `relation` to the recently loaded rows, or ''
    when the test reads every row (scope 'all', or not an incremental model with loaded_at). -#}
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
    {%- set test_name = (model.get('test_metadata') or {}).get('name') -%}
    {%- if test_name in ['volume_anomaly'] or (config.get('meta') or {}).get('data_test_scope') == 'all' -%}
        {{ return('') }}
    {%- endif -%}
    {#- The model the test is attached to (the tested relation), looked up once. -#}
    {%- set node = graph.nodes.get(model.get('attached_node') or '') or {} -%}
    {%- set materialized = node.get('config', {}).get('materialized') -%}
    {%- set row_wise_tests = ['not_null', 'not_null_columns', 'accepted_values', 'relationships', 'expression_is_true'] -%}
    {%- if 'loaded_at' not in node.get('columns', {}) -%}
        {{ return('') }}
    {%- endif -%}
    {%- if materialized == 'incremental' or (materialized == 'view' and test_name in row_wise_tests) -%}
        {%- set hours = var('data_test_recent_hours') | int -%}
        {%- set newest = '(select max(loaded_at) from ' ~ relation ~ ')' -%}
        {%- set cutoff = run_query('select ' ~ dbt.dateadd('hour', -1 * hours, newest) ~ ' as cutoff_at').columns[0].values()[0] -%}
        {#- An empty model: nothing to scope. -#}
        {{ return('' if cutoff is none else 'loaded_at > ' ~ timestamp_literal(cutoff)) }}
    {%- endif -%}
    {{ return('') }}
{%- endmacro %}
