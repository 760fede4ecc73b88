{#- PostgreSQL has no safe casts or JSON validation before version 16: these functions
    give the dispatched macros in cross_db.sql the same behaviour as DuckDB's. They are
    created by the on-run-start hook, in the schema <target schema>_udf. -#}
{% macro create_portable_functions() -%}
    {{ return(adapter.dispatch('create_portable_functions', 'usage_warehouse')()) }}
{%- endmacro %}

{% macro default__create_portable_functions() -%}
    select 1
{%- endmacro %}

{% macro postgres__create_portable_functions() -%}
    create schema if not exists {{ target.schema }}_udf;

    create or replace function {{ target.schema }}_udf.is_json_object(value text) returns boolean
    language plpgsql immutable as $$
    begin
        return jsonb_typeof(value::jsonb) = 'object';
    exception when others then
        return false;
    end;
    $$;

    create or replace function {{ target.schema }}_udf.try_parse_jsonb(value text) returns jsonb
    language plpgsql immutable as $$
    begin
        return value::jsonb;
    exception when others then
        return null;
    end;
    $$;

    -- A value as JSON text, written as DuckDB and Spark write it: a whole double keeps its
    -- ".0" (Postgres writes 840.0 as 840), null is null.
    create or replace function {{ target.schema }}_udf.json_value_text(value anyelement) returns text
    language plpgsql immutable as $$
    declare
        json_text text := to_json(value)::text;
    begin
        if value is null then
            return 'null';
        end if;
        if pg_typeof(value) in ('double precision'::regtype, 'real'::regtype) and json_text ~ '^-?[0-9]+$' then
            return json_text || '.0';
        end if;
        return json_text;
    end;
    $$;

    create or replace function {{ target.schema }}_udf.try_parse_utc_timestamp(value text) returns timestamp
    language plpgsql immutable as $$
    begin
        return (value::timestamptz) at time zone 'UTC';
    exception when others then
        return null;
    end;
    $$;
{%- endmacro %}
