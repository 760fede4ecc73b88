{#- Salted hash of a personal identifier (email, IP, name). Normalised (trimmed,
    lower-cased) so the same person hashes the same everywhere; null stays null. -#}
{% macro hash_pii(expr) -%}
    case
        when nullif(trim({{ expr }}), '') is not null
            then {{ dbt.hash(dbt.concat(["'" ~ var('pii_hash_salt') ~ "'", "lower(trim(" ~ expr ~ "))"])) }}
    end
{%- endmacro %}


{#- Free text with every email address replaced by a marker, so PII that clients put
    into event properties never reaches a mart. -#}
{% macro redact_emails(expr) -%}
    case
        when {{ expr }} like '%@%'
            then {{ regexp_replace_all(expr, '[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,}', '[redacted-email]') }}
        else {{ expr }}
    end
{%- endmacro %}


{#- Post-hook for incremental tables that hold a user id: deletes the rows of every user
    with a privacy erasure request (stg_app_db__erased_users), and, when anonymous_column is
    given, the rows of every visitor id identified as such a user
    (int_identity__anonymous_users). Use as
    `config(post_hook="{{ delete_erased_users('user_id', 'anonymous_id') }}")`.
    The two models are found in the graph, not ref'd, so the hook needs no `depends_on`; every
    model with a user id already runs after them (through fct_usage_events). Needed because a
    partition-replacing model recomputes only the days its new rows fall on: a day whose only
    events were an erased user's would keep its old rows. -#}
{% macro delete_erased_users(user_column='user_id', anonymous_column=none) -%}
    {{ return(adapter.dispatch('delete_erased_users', 'usage_warehouse')(user_column, anonymous_column)) }}
{%- endmacro %}

{#- The graph node of a model of this project by name, or none while parsing (or when there
    is no such model). -#}
{% macro project_model_node(model_name) -%}
    {%- if execute -%}
        {%- for node in graph.nodes.values() if node.resource_type == 'model' and node.name == model_name -%}
            {{ return(node) }}
        {%- endfor -%}
    {%- endif -%}
    {{ return(none) }}
{%- endmacro %}

{#- The built relation of a model of this project by name, or none before it is built. -#}
{% macro privacy_model_relation(model_name) -%}
    {%- set node = project_model_node(model_name) -%}
    {%- if node is none -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(adapter.get_relation(database=node.database, schema=node.schema, identifier=node.alias)) }}
{%- endmacro %}

{% macro default__delete_erased_users(user_column, anonymous_column) -%}
    {%- set erased = privacy_model_relation('stg_app_db__erased_users') -%}
    {%- set visitors = privacy_model_relation('int_identity__anonymous_users') -%}
    {%- if erased is none -%}
        select 1 as no_erased_users_yet
    {%- else -%}
        delete from {{ this }}
        where
            {{ user_column }} in (select erased.user_id from {{ erased }} as erased)
            {%- if anonymous_column and visitors is not none %}
            or {{ anonymous_column }} in (
                select visitors.anonymous_id from {{ visitors }} as visitors
                where visitors.user_id in (select erased.user_id from {{ erased }} as erased)
            )
            {%- endif %}
    {%- endif -%}
{%- endmacro %}

{#- Spark parquet tables cannot delete rows: there the event-level models are rebuilt whole
    (upsert_config) and daily facts replace the partitions an erasure restates. -#}
{% macro spark__delete_erased_users(user_column, anonymous_column) -%}
    select 1 as no_row_level_delete_on_spark
{%- endmacro %}
