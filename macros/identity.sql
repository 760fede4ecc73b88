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


{#- Body of a CTE: per user, the load time of the first row of the latest unbroken run of rows
    of `assignments` (user_id, account_id, loaded_at) naming the account of `current` (user_id,
    account_id): the first one after the last row naming another account. A user whose latest
    row for another account ties with a row for the current one has no run (no row). -#}
{% macro latest_account_run_start(assignments, current) -%}
    select
        {{ assignments }}.user_id,
        min({{ assignments }}.loaded_at) as loaded_at
    from {{ assignments }}
    inner join {{ current }}
        on {{ assignments }}.user_id = {{ current }}.user_id
    left join (
        select
            other_rows.user_id,
            max(other_rows.loaded_at) as last_other_loaded_at
        from {{ assignments }} as other_rows
        inner join {{ current }} as other_current
            on other_rows.user_id = other_current.user_id
        where other_rows.account_id <> other_current.account_id
        group by other_rows.user_id
    ) as last_other_account
        on {{ assignments }}.user_id = last_other_account.user_id
    where
        {{ assignments }}.account_id = {{ current }}.account_id
        and (
            last_other_account.last_other_loaded_at is null
            or {{ assignments }}.loaded_at > last_other_account.last_other_loaded_at
        )
    group by {{ assignments }}.user_id
{%- endmacro %}
