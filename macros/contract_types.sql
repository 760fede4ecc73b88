{#- Contract data types (model YAML `data_type`) are written with DuckDB's names. The few that
    another engine spells differently are translated here, where dbt builds a contracted
    table and where it checks a model's columns against its contract. -#}
{% macro engine_data_type(data_type) -%}
    {{ return(adapter.dispatch('engine_data_type', 'usage_warehouse')(data_type)) }}
{%- endmacro %}

{% macro default__engine_data_type(data_type) -%}
    {{ return(data_type) }}
{%- endmacro %}

{% macro postgres__engine_data_type(data_type) -%}
    {%- set translations = {'double': 'double precision', 'varchar': 'text'} -%}
    {{ return(translations.get(data_type | trim | lower, data_type)) }}
{%- endmacro %}


{#- dbt's cast (used for the contract check's empty-schema query) with the type translated. -#}
{% macro postgres__cast(field, type) -%}
    cast({{ field }} as {{ engine_data_type(type) }})
{%- endmacro %}


{#- The column list of a contracted table (dbt's table_columns_and_constraints) with the types
    translated. -#}
{% macro postgres__get_table_columns_and_constraints() -%}
    {%- set translated_columns = {} -%}
    {%- for name, column in model['columns'].items() -%}
        {%- if column.get('data_type') -%}
            {%- do translated_columns.update({name: dict(column, data_type=engine_data_type(column['data_type']))}) -%}
        {%- else -%}
            {%- do translated_columns.update({name: column}) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set raw_column_constraints = adapter.render_raw_columns_constraints(raw_columns=translated_columns) -%}
    {%- set raw_model_constraints = adapter.render_raw_model_constraints(raw_constraints=model['constraints']) -%}
    (
    {% for c in raw_column_constraints -%}
        {{ c }}{{ "," if not loop.last or raw_model_constraints }}
    {% endfor %}
    {% for c in raw_model_constraints -%}
        {{ c }}{{ "," if not loop.last }}
    {% endfor -%}
    )
{%- endmacro %}


{#- A seed's table with its `column_types` translated. -#}
{% macro postgres__create_csv_table(model, agate_table) -%}
    {%- set translated_types = {} -%}
    {%- for name, data_type in model['config'].get('column_types', {}).items() -%}
        {%- do translated_types.update({name: engine_data_type(data_type)}) -%}
    {%- endfor -%}
    {%- set translated_model = dict(model, config=dict(model['config'], column_types=translated_types)) -%}
    {{ return(dbt.default__create_csv_table(translated_model, agate_table)) }}
{%- endmacro %}
