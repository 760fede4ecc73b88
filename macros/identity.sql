{#- `where`-clause fragment for int_identity__anonymous_users: in an incremental run, true for
    the anonymous ids that have a link (a call of `link_models` carrying both ids) loaded after
    the watermark, written as literals (in_values_condition), so that every link of those
    visitors, old and new, is ranked again. On a full build every row qualifies. -#}
{% macro anonymous_ids_with_new_links(link_models) -%}
    {%- if not is_incremental() -%}
        {{ return('1 = 1') }}
    {%- endif -%}
    {#- The watermark is read once (load_window_filter runs a query) for every link model. -#}
    {%- set load_window = load_window_filter('loaded_at') -%}
    {%- set link_relations = [] -%}
    {%- set queries = [] -%}
    {%- for model_name in link_models -%}
        {%- do link_relations.append(ref(model_name)) -%}
        {%- do queries.append(
            'select anonymous_id from ' ~ ref(model_name)
            ~ ' where anonymous_id is not null and user_id is not null and ' ~ load_window
        ) -%}
    {%- endfor -%}
    {{ return(in_values_condition('anonymous_id', queries | join(' union all '), 'anonymous_id', link_relations)) }}
{%- endmacro %}
