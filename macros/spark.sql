{#- Spark (dbt-spark) versions of the contract-type translation in contract_types.sql:
    Spark has no unbounded `varchar` and spells the 8-byte float `double`. -#}
{% macro spark__engine_data_type(data_type) -%}
    {%- set normalised = data_type | trim | lower -%}
    {%- set translations = {'varchar': 'string', 'text': 'string', 'double precision': 'double'} -%}
    {{ return(translations.get(normalised, data_type)) }}
{%- endmacro %}


{#- dbt's cast (used for the contract check's empty-schema query) with the type translated. -#}
{% macro spark__cast(field, type) -%}
    cast({{ field }} as {{ engine_data_type(type) }})
{%- endmacro %}


{#- A seed's model with its `column_types` translated, for creating its table and for the
    casts of the rows loaded into it. -#}
{% macro spark_translated_seed_model(model) -%}
    {%- set translated_types = {} -%}
    {%- for name, data_type in model['config'].get('column_types', {}).items() -%}
        {%- do translated_types.update({name: engine_data_type(data_type)}) -%}
    {%- endfor -%}
    {{ return(dict(model, config=dict(model['config'], column_types=translated_types))) }}
{%- endmacro %}

{% macro spark__create_csv_table(model, agate_table) -%}
    {{ return(dbt.spark__create_csv_table(spark_translated_seed_model(model), agate_table)) }}
{%- endmacro %}

{#- A seed's rows as SQL literals. dbt-spark's own version passes them as bindings, which its
    session method substitutes without escaping quotes (a seed text with an apostrophe fails). -#}
{% macro spark__load_csv_rows(model, agate_table) -%}
    {%- set column_types = spark_translated_seed_model(model)['config'].get('column_types', {}) -%}
    {%- set types = [] -%}
    {%- for col_name in agate_table.column_names -%}
        {%- do types.append(column_types.get(col_name, adapter.convert_type(agate_table, loop.index0))) -%}
    {%- endfor -%}
    {%- set statements = [] -%}
    {%- for chunk in agate_table.rows | batch(get_batch_size()) -%}
        {%- set sql -%}
            insert into {{ this.render() }} values
            {% for row in chunk -%}
                ({%- for value in row -%}
                    {%- if value is none -%}
                        cast(null as {{ types[loop.index0] }})
                    {%- else -%}
                        cast('{{ (value | string) | replace("\\", "\\\\") | replace("'", "\\'") }}' as {{ types[loop.index0] }})
                    {%- endif -%}
                    {%- if not loop.last %}, {% endif -%}
                {%- endfor -%}){%- if not loop.last %},{% endif %}
            {% endfor %}
        {%- endset -%}
        {%- do adapter.add_query(sql, abridge_sql_log=True) -%}
        {%- do statements.append(sql) -%}
    {%- endfor -%}
    {{ return(statements[0] if statements else '') }}
{%- endmacro %}


{#- Grants with no grantee are skipped: the marts' `+grants` has `select: []` unless
    USAGE_WAREHOUSE_BI_ROLE is set, and dbt would otherwise read the current grants
    (`show grants`, which Spark without a grants-aware catalog rejects) on every rebuild. -#}
{% macro spark__apply_grants(relation, grant_config, should_revoke=True) -%}
    {%- set wanted = {} -%}
    {%- for privilege, grantees in (grant_config or {}).items() if grantees -%}
        {%- do wanted.update({privilege: grantees}) -%}
    {%- endfor -%}
    {%- if wanted -%}
        {{ return(dbt.default__apply_grants(relation, wanted, should_revoke)) }}
    {%- endif -%}
{%- endmacro %}
