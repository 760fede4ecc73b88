{#- dbt-spark's snapshot materialization, which on its own requires a transactional table
    format (Delta, Iceberg, Hudi) for its `merge`. Here a parquet snapshot (this project's
    Spark setting) works too: the merge is done by rebuilding the table
    (spark_parquet_snapshot_merge), with the same outcome row for row. Delta, Iceberg and Hudi
    tables still use dbt-spark's merge. -#}

{#- The merge of a snapshot's staging rows into a parquet snapshot table, as statements run
    here; returns the final statement. The current version of every updated or deleted
    record is closed (dbt_valid_to set), new versions are appended, and the table is
    replaced with the result (parquet tables cannot be updated in place, and Spark cannot
    overwrite a table it reads in the same statement, so the result goes through a table
    beside it). -#}
{% macro spark_parquet_snapshot_merge(target_relation, staging_relation, columns) -%}
    {%- set merged_relation = target_relation.incorporate(path={'identifier': target_relation.identifier ~ '__dbt_merged'}) -%}
    {%- set target_columns = adapter.get_columns_in_relation(target_relation) | map(attribute='name') | list -%}
    {%- set valid_to_current = config.get('dbt_valid_to_current') -%}
    {%- set is_current -%}
        (destination.{{ columns.dbt_valid_to }} is null
        {%- if valid_to_current %} or destination.{{ columns.dbt_valid_to }} = {{ valid_to_current }}{% endif %})
    {%- endset -%}
    {% do adapter.drop_relation(merged_relation) %}
    {% call statement('spark_parquet_snapshot_merged') %}
        create table {{ merged_relation }} using parquet as
        select
            {%- for column in target_columns %}
            {% if column | lower == columns.dbt_valid_to | lower -%}
            case
                when {{ is_current }} and changes.{{ columns.dbt_scd_id }} is not null
                    then changes.{{ columns.dbt_valid_to }}
                else destination.{{ column }}
            end
            {%- else -%}
            destination.{{ column }}
            {%- endif %} as {{ column }}{{ ',' if not loop.last }}
            {%- endfor %}
        from {{ target_relation }} as destination
        left join (
            select * from {{ staging_relation }} where dbt_change_type in ('update', 'delete')
        ) as changes
            on destination.{{ columns.dbt_scd_id }} = changes.{{ columns.dbt_scd_id }}

        union all

        select
            {%- for column in target_columns %}
            inserts.{{ column }}{{ ',' if not loop.last }}
            {%- endfor %}
        from {{ staging_relation }} as inserts
        where
            inserts.dbt_change_type = 'insert'
            and inserts.{{ columns.dbt_scd_id }} not in (
                select existing.{{ columns.dbt_scd_id }} from {{ target_relation }} as existing
            )
    {% endcall %}
    {%- set final_sql -%}
        insert overwrite table {{ target_relation }} select * from {{ merged_relation }}
    {%- endset -%}
    {{ return(final_sql) }}
{%- endmacro %}


{% materialization snapshot, adapter='spark' %}


  {%- set target_table = model.get('alias', model.get('name')) -%}

  {%- set strategy_name = config.get('strategy') -%}
  {%- set unique_key = config.get('unique_key') %}
  {%- set file_format = config.get('file_format') or 'parquet' -%}
  {%- set grant_config = config.get('grants') -%}

  {% set target_relation_exists, target_relation = get_or_create_relation(
          database=none,
          schema=model.schema,
          identifier=target_table,
          type='table') -%}

  {%- set is_transactional = file_format in ['delta', 'iceberg', 'hudi'] -%}
  {%- if target_relation_exists and is_transactional and not (target_relation.is_delta or target_relation.is_iceberg or target_relation.is_hudi) -%}
    {% do exceptions.raise_compiler_error(
        'Snapshot ' ~ model.name ~ ': file_format is ' ~ file_format ~ ' but the existing table ' ~ target_relation
        ~ ' is in another format. Drop it or run the snapshot with its current format.') %}
  {%- endif %}

  {% if not adapter.check_schema_exists(model.database, model.schema) %}
    {% do create_schema(model.schema) %}
  {% endif %}

  {%- if not target_relation.is_table -%}
    {% do exceptions.relation_wrong_type(target_relation, 'table') %}
  {%- endif -%}

  {{ run_hooks(pre_hooks, inside_transaction=False) }}

  {{ run_hooks(pre_hooks, inside_transaction=True) }}

  {% set strategy_macro = strategy_dispatch(strategy_name) %}
  {% set strategy = strategy_macro(model, "snapshotted_data", "source_data", model['config'], target_relation_exists) %}

  {% if not target_relation_exists %}

      {% set build_sql = build_snapshot_table(strategy, model['compiled_code']) %}
      {% set final_sql = create_table_as(False, target_relation, build_sql) %}

  {% else %}

      {% set columns = config.get("snapshot_table_column_names") or get_snapshot_table_column_names() %}

      {{ adapter.valid_snapshot_target(target_relation, columns) }}

      {% set staging_table = spark_build_snapshot_staging_table(strategy, sql, target_relation) %}

      -- this may no-op if the database does not require column expansion
      {% do adapter.expand_target_column_types(from_relation=staging_table,
                                               to_relation=target_relation) %}

      {% set missing_columns = adapter.get_missing_columns(staging_table, target_relation)
                                   | rejectattr('name', 'equalto', 'dbt_change_type')
                                   | rejectattr('name', 'equalto', 'DBT_CHANGE_TYPE')
                                   | rejectattr('name', 'equalto', 'dbt_unique_key')
                                   | rejectattr('name', 'equalto', 'DBT_UNIQUE_KEY')
                                   | list %}

      {% do create_columns(target_relation, missing_columns) %}

      {% set source_columns = adapter.get_columns_in_relation(staging_table)
                                   | rejectattr('name', 'equalto', 'dbt_change_type')
                                   | rejectattr('name', 'equalto', 'DBT_CHANGE_TYPE')
                                   | rejectattr('name', 'equalto', 'dbt_unique_key')
                                   | rejectattr('name', 'equalto', 'DBT_UNIQUE_KEY')
                                   | list %}

      {% set quoted_source_columns = [] %}
      {% for column in source_columns %}
        {% do quoted_source_columns.append(adapter.quote(column.name)) %}
      {% endfor %}

      {% if is_transactional %}
        {% set final_sql = snapshot_merge_sql(
              target = target_relation,
              source = staging_table,
              insert_cols = quoted_source_columns
           )
        %}
      {% else %}
        {% set final_sql = spark_parquet_snapshot_merge(target_relation, staging_table, columns) %}
      {% endif %}

  {% endif %}

  {% call statement('main') %}
      {{ final_sql }}
  {% endcall %}

  {% set should_revoke = should_revoke(target_relation_exists, full_refresh_mode) %}
  {% do apply_grants(target_relation, grant_config, should_revoke) %}

  {% do persist_docs(target_relation, model) %}

  {{ run_hooks(post_hooks, inside_transaction=True) }}

  {{ adapter.commit() }}

  {% if staging_table is defined %}
      {% do post_snapshot(staging_table) %}
      {% do adapter.drop_relation(target_relation.incorporate(path={'identifier': target_relation.identifier ~ '__dbt_merged'})) %}
  {% endif %}

  {{ run_hooks(post_hooks, inside_transaction=False) }}

  {{ return({'relations': [target_relation]}) }}

{% endmaterialization %}
