{#-
    Sessions and paths (models/intermediate/sessions, models/marts/sessions).
-#}

{#- Device type of a browser user agent: bot, tablet, mobile, desktop or unknown (no user
    agent, or none of the patterns). Checked in that order: a crawler that claims to be an
    iPhone is a bot, an iPad is a tablet although it says "Mobile", Android without
    "Mobile" is a tablet. Plain `like` on lower-cased text: the same on every engine. -#}
{% macro device_type(user_agent) -%}
    {%- set ua = 'lower(' ~ user_agent ~ ')' -%}
    case
        when {{ user_agent }} is null then 'unknown'
        when
            {{ ua }} like '%bot%' or {{ ua }} like '%crawl%' or {{ ua }} like '%spider%'
            or {{ ua }} like '%slurp%' or {{ ua }} like '%headless%' or {{ ua }} like '%python-requests%'
            or {{ ua }} like '%curl/%'
            then 'bot'
        when
            {{ ua }} like '%ipad%' or {{ ua }} like '%tablet%'
            or ({{ ua }} like '%android%' and {{ ua }} not like '%mobile%')
            then 'tablet'
        when
            {{ ua }} like '%mobi%' or {{ ua }} like '%iphone%' or {{ ua }} like '%ipod%'
            or {{ ua }} like '%android%'
            then 'mobile'
        when
            {{ ua }} like '%windows%' or {{ ua }} like '%macintosh%' or {{ ua }} like '%x11%'
            or {{ ua }} like '%linux%' or {{ ua }} like '%cros%'
            then 'desktop'
        else 'unknown'
    end
{%- endmacro %}


{#- Session vars (dbt_project.yml), in seconds. -#}
{% macro session_inactivity_seconds() -%}
    {{ return((var('session_inactivity_minutes') | int) * 60) }}
{%- endmacro %}

{% macro session_max_seconds() -%}
    {{ return((var('session_max_minutes') | int) * 60) }}
{%- endmacro %}


{#- The session_start_date values a session mart must recompute in this run, as a query
    (column affected_date): the dates of the sessions that the rows written by
    int_sessions__clickstream_events in its runs since this mart's watermark belong to now
    (session_start_date) and belonged to before (previous_session_started_at).
    sessionized_loaded_at marks the rows a run wrote. -#}
{% macro session_affected_dates(clickstream_relation) -%}
    select clickstream.session_start_date as affected_date
    from {{ clickstream_relation }} as clickstream
    where clickstream.sessionized_loaded_at > {{ load_watermark('loaded_at') }}
    union all
    select cast({{ dbt.date_trunc('day', 'clickstream.previous_session_started_at') }} as date) as affected_date
    from {{ clickstream_relation }} as clickstream
    where
        clickstream.sessionized_loaded_at > {{ load_watermark('loaded_at') }}
        and clickstream.previous_session_started_at is not null
{%- endmacro %}


{#- `where`-clause fragment for the session marts: true for the rows of every affected
    session_start_date (all rows on a full build), written as literals when the model runs
    (affected_dates_condition). -#}
{% macro session_affected_dates_filter(clickstream_relation, date_column='session_start_date') -%}
    {%- if is_incremental() -%}
        ({{ affected_dates_condition(date_column, session_affected_dates(clickstream_relation), [clickstream_relation]) }})
    {%- else -%}
        1 = 1
    {%- endif -%}
{%- endmacro %}


{#- The sessions fct_sessions and fct_page_views must recompute in this run, as a query
    (column affected_session_id): the sessions that the rows written by
    int_sessions__clickstream_events since the mart's watermark belong to now (session_id)
    and belonged to before (previous_session_id). -#}
{% macro session_affected_ids(clickstream_relation) -%}
    select clickstream.session_id as affected_session_id
    from {{ clickstream_relation }} as clickstream
    where clickstream.sessionized_loaded_at > {{ load_watermark('loaded_at') }}
    union all
    select clickstream.previous_session_id as affected_session_id
    from {{ clickstream_relation }} as clickstream
    where
        clickstream.sessionized_loaded_at > {{ load_watermark('loaded_at') }}
        and clickstream.previous_session_id is not null
{%- endmacro %}


{#- `where`-clause fragment of the session-keyed marts' pre-hook (delete_affected_sessions):
    true for the rows of every affected session, now and before (all rows on a full build),
    written as literals when the model runs (in_values_condition). The marts' own query reads
    the rows written since their watermark instead (session_written_rows_filter). -#}
{% macro session_affected_ids_filter(clickstream_relation, column='session_id') -%}
    {%- if is_incremental() -%}
        ({{ in_values_condition(column, session_affected_ids(clickstream_relation), 'affected_session_id', [clickstream_relation]) }})
    {%- else -%}
        1 = 1
    {%- endif -%}
{%- endmacro %}


{#- `where`-clause fragment for the session-keyed marts: true for the rows that
    int_sessions__clickstream_events wrote since the mart's watermark (all rows on a full
    build). They are whole sessions: every row of a session carries the same
    sessionized_loaded_at (an incremental run writes a touched person's sessions whole, from
    a run start on; a full build gives each row its session's newest load time), so these
    are exactly the rows of the sessions session_affected_ids names now. A condition on one
    timestamp, with the watermark read when the model runs (a literal, read before the
    pre-hook deletes, like the session ids it deletes), reaches the scan: the other columns
    are read for the matching rows only, where a list of session ids is matched against
    every stored row. -#}
{% macro session_written_rows_filter() -%}
    {%- if is_incremental() -%}
        sessionized_loaded_at > {{ load_watermark_literal('loaded_at') }}
    {%- else -%}
        1 = 1
    {%- endif -%}
{%- endmacro %}


{#- Pre-hook of the session-keyed marts: deletes the rows of every affected session. The
    delete+insert on the model's key replaces the sessions that still exist; this removes the
    ones that do not any more (merged into another session by a late event, or moved to
    another person by an identity restatement). Spark rebuilds these marts whole
    (upsert_config), where is_incremental() is false. -#}
{% macro delete_affected_sessions(clickstream_relation) -%}
    {%- if is_incremental() -%}
    delete from {{ this }}
    where {{ session_affected_ids_filter(clickstream_relation) }}
    {%- else -%}
    select 1 as nothing_to_delete
    {%- endif -%}
{%- endmacro %}


{#- Pre-hook of the session marts. delete+insert on session_start_date replaces the dates
    that have rows in the new data; an affected date whose sessions all moved away (a late
    event merged its only session into one that started the day before) has none, so its
    old rows are deleted here. Written as literals, the dates of this hook and of the model's
    query are both read before this delete runs; as a subquery (too many dates), the query
    reads them after it, and deleting rows can only lower the watermark (more dates, never
    fewer). The dates deleted here have no rows to recompute. -#}
{% macro delete_emptied_session_dates(clickstream_relation) -%}
    {{ return(adapter.dispatch('delete_emptied_session_dates', 'usage_warehouse')(clickstream_relation)) }}
{%- endmacro %}

{% macro default__delete_emptied_session_dates(clickstream_relation) -%}
    {%- if is_incremental() -%}
    {%- set affected = affected_dates_condition(
        'session_start_date', session_affected_dates(clickstream_relation), [clickstream_relation]
    ) -%}
    delete from {{ this }}
    where
        {{ affected }}
        and session_start_date not in (
            select remaining.session_start_date from {{ clickstream_relation }} as remaining
            where
                remaining.has_person
                and {{ affected }}
        )
    {%- else -%}
    select 1 as nothing_to_delete
    {%- endif -%}
{%- endmacro %}

{#- Spark parquet tables cannot delete rows; insert_overwrite replaces only the dates that
    have rows. A date emptied by a merge keeps its old rows until a full refresh. -#}
{% macro spark__delete_emptied_session_dates(clickstream_relation) -%}
    select 1 as nothing_to_delete
{%- endmacro %}
