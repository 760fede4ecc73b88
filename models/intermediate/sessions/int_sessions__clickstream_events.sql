{{ config(
    post_hook="{{ delete_erased_users('user_id', 'anonymous_id') }}",
    **upsert_config(['event_id', 'event_at'])
) }}

{#- One row per clickstream event (Segment tracks and pages) with its session.

    A person's activity run starts when the gap to the person's previous event is more than
    var session_inactivity_minutes (exactly that many minutes apart: same run). A run is cut
    into sessions of at most var session_max_minutes counted from the run start (chunk k =
    floor(seconds since run start / max seconds)); every session of a run that was cut is
    is_capped.

    Method, on narrow rows (event, person, time): one window pass in session order gives each
    event its person_event_number and the previous event's time; a second, ordered by that
    number, carries the latest run start forward (running max), from which the chunk follows.
    One group-by makes the sessions (person, run start, chunk: first and last event, number of
    events, first and last page view, id); the run's end is the latest end of its sessions.
    Events join their session, then their other columns (by a row locator, see below). The
    session's own figures (end, number of events, positions of its first and last page view)
    are on every row, so the session marts read them instead of computing them again over
    every event.

    Incremental: for every person touched by a new or restated event (its new person and,
    via this table, its old one) the events from restate_from on are sessionized again:
    restate_from is the earliest of the touched event times and the start of the person's
    earliest stored run whose events reach within the inactivity gap of that time. Runs
    before it end more than the gap before any change, so they cannot change.

    A stored event is found by event_id and event_at, here and in the upsert's delete: an
    event's time never changes (the staging tables keep a Segment call's first copy), and a
    condition on the time lets the scan skip the row groups of older events, so finding the
    stored copies costs what the new events cost, not what the history holds
    (docs/decision_log.md, "Stored events are found by id and time"). -#}

{%- set inactivity_seconds = session_inactivity_seconds() -%}
{%- set max_seconds = session_max_seconds() -%}
{%- set session_order = 'event_at asc nulls last, event_id asc nulls last' -%}
{#- The join back of the sessionized rows to their events: on a full build, where every event
    comes from one table, by the table's row locator where the engine has one (DuckDB's rowid,
    an integer instead of the text event_id: at 15.7M events the query took 15.4-17.1 s
    instead of 18.5-19.1 s alone, and 21.3-21.6 s instead of 28.2-29.2 s with half the
    memory); on incremental runs, whose events also come from this table, and in unit tests
    (their input is a fixture, not a table), by event_id. -#}
{%- set row_locator = none if is_incremental() or model.resource_type == 'unit_test' else table_row_locator() -%}
{%- set join_key = 'event_locator' if row_locator else 'event_id' -%}

-- Not materialized: on a full build the sessionizing reads its three columns and the join
-- back the whole event, each straight from the table, instead of from a copy of every column.
with usage_events as {{ not_materialized() }} (
    select
        {%- if row_locator %}
        {{ row_locator }} as event_locator,
        {%- endif %}
        *
    from {{ ref('fct_usage_events') }}
),

new_events as (
    select
        event_id,
        coalesce(
            {{ dbt.concat(["'user:'", 'user_id']) }},
            {{ dbt.concat(["'anon:'", 'anonymous_id']) }},
            {{ dbt.concat(["'event:'", 'event_id']) }}
        ) as person_key,
        user_id,
        anonymous_id,
        account_id,
        source,
        event_name,
        event_at,
        page_path,
        page_referrer,
        page_title,
        campaign_source,
        campaign_medium,
        campaign_name,
        user_agent,
        {%- if row_locator %}
        event_locator,
        {%- endif %}
        loaded_at
    from usage_events
    where
        source in ('segment_track', 'segment_page')
        and {{ load_window_filter() }}
),

{% if is_incremental() %}
-- Read three times, each with its own join condition: not materialized, so each read scans
-- only the columns and rows it needs instead of a copy of the whole table.
existing as {{ not_materialized() }} (
    select * from {{ this }}
),

-- The stored version of events that arrive again (restated identity, lookback).
changed_existing as (
    select
        existing.event_id,
        existing.person_key,
        existing.event_at,
        existing.session_id,
        existing.session_started_at
    from existing
    inner join new_events
        on
            existing.event_id = new_events.event_id
            and existing.event_at = new_events.event_at
),

touched_times as (
    select
        new_events.person_key,
        new_events.event_at
    from new_events

    union all

    select
        changed_existing.person_key,
        changed_existing.event_at
    from changed_existing
),

touched_persons as (
    select
        person_key,
        min(event_at) as touched_from
    from touched_times
    group by person_key
),

restate_points as (
    select
        touched_persons.person_key,
        min(
            case
                when existing.run_started_at < touched_persons.touched_from then existing.run_started_at
                else touched_persons.touched_from
            end
        ) as restate_from
    from touched_persons
    left join existing
        on
            touched_persons.person_key = existing.person_key
            and existing.event_at >= {{ dbt.dateadd('second', -1 * inactivity_seconds, 'touched_persons.touched_from') }}
    group by touched_persons.person_key
),

-- Stored events sessionized again, less the ones that arrive again (they come from new_events).
restated_existing as (
    select
        existing.event_id,
        existing.person_key,
        existing.user_id,
        existing.anonymous_id,
        existing.account_id,
        existing.source,
        existing.event_name,
        existing.event_at,
        existing.page_path,
        existing.page_referrer,
        existing.page_title,
        existing.campaign_source,
        existing.campaign_medium,
        existing.campaign_name,
        existing.user_agent,
        existing.loaded_at,
        existing.session_id as previous_session_id,
        existing.session_started_at as previous_session_started_at
    from existing
    inner join restate_points
        on
            existing.person_key = restate_points.person_key
            and existing.event_at >= restate_points.restate_from
    where
        not exists (
            select 1 from new_events
            where
                new_events.event_id = existing.event_id
                and new_events.event_at = existing.event_at
        )
),

to_sessionize as (
    select
        new_events.event_id,
        new_events.person_key,
        new_events.user_id,
        new_events.anonymous_id,
        new_events.account_id,
        new_events.source,
        new_events.event_name,
        new_events.event_at,
        new_events.page_path,
        new_events.page_referrer,
        new_events.page_title,
        new_events.campaign_source,
        new_events.campaign_medium,
        new_events.campaign_name,
        new_events.user_agent,
        new_events.loaded_at,
        changed_existing.session_id as previous_session_id,
        changed_existing.session_started_at as previous_session_started_at
    from new_events
    left join changed_existing
        on new_events.event_id = changed_existing.event_id

    union all

    select * from restated_existing
),
{% else %}
to_sessionize as (
    select
        *,
        cast(null as {{ dbt.type_string() }}) as previous_session_id,
        cast(null as {{ dbt.type_timestamp() }}) as previous_session_started_at
    from new_events
),
{% endif %}

-- Sessionizing works on narrow rows (event, person, time): the window sorts, the group-by
-- and the join to the sessions move a few columns instead of every column of the event;
-- the other columns are joined back at the end (by join_key, above).
ordered as (
    select
        {{ join_key }},
        person_key,
        event_at,
        loaded_at,
        source,
        lag(event_at) over (partition by person_key order by {{ session_order }}) as previous_event_at,
        row_number() over (partition by person_key order by {{ session_order }}) as person_event_number
    from to_sessionize
),

-- run_started_at: the time of the latest run start up to the event. Run starts only grow
-- with person_event_number, so it is their running max (ordered by the integer, a cheaper
-- sort than the session order).
runs as (
    select
        {{ join_key }},
        person_key,
        event_at,
        loaded_at,
        source,
        person_event_number,
        max(
            case
                when
                    previous_event_at is null
                    or {{ seconds_between('previous_event_at', 'event_at') }} > {{ inactivity_seconds }}
                    then event_at
            end
        ) over (
            partition by person_key
            order by person_event_number asc
            rows between unbounded preceding and current row
        ) as run_started_at
    from ordered
),

chunks as (
    select
        *,
        cast(floor({{ seconds_between('run_started_at', 'event_at') }} / {{ max_seconds }}) as {{ dbt.type_bigint() }})
            as chunk_number
    from runs
),

-- One row per session: a session is the events of one chunk of one run.
session_bounds as (
    select
        person_key,
        run_started_at,
        chunk_number,
        min(event_at) as session_started_at,
        max(event_at) as session_ended_at,
        max(loaded_at) as session_loaded_at,
        count(*) as session_event_count,
        min(person_event_number) as first_person_event_number,
        min(case when source = 'segment_page' then person_event_number end) as first_page_person_event_number,
        max(case when source = 'segment_page' then person_event_number end) as last_page_person_event_number
    from chunks
    group by person_key, run_started_at, chunk_number
),

-- The run ends with the last event of its last session: every session of a run that lasted
-- the maximum is capped.
session_keys as (
    select
        person_key,
        run_started_at,
        chunk_number,
        session_started_at,
        session_ended_at,
        session_loaded_at,
        session_event_count,
        first_person_event_number,
        first_page_person_event_number - first_person_event_number + 1 as entry_page_event_number,
        last_page_person_event_number - first_person_event_number + 1 as exit_page_event_number,
        {{ seconds_between('run_started_at', 'max(session_ended_at) over (partition by person_key, run_started_at)') }} >= {{ max_seconds }}
            as is_capped
    from session_bounds
),

sessions as (
    select
        chunks.{{ join_key }},
        chunks.run_started_at,
        session_keys.is_capped,
        chunks.chunk_number,
        session_keys.session_started_at,
        session_keys.session_ended_at,
        session_keys.session_loaded_at,
        session_keys.session_event_count,
        session_keys.entry_page_event_number,
        session_keys.exit_page_event_number,
        chunks.person_event_number - session_keys.first_person_event_number + 1 as event_number_in_session
    from chunks
    inner join session_keys
        on
            chunks.person_key = session_keys.person_key
            and chunks.run_started_at = session_keys.run_started_at
            and chunks.chunk_number = session_keys.chunk_number
),

-- A person's sessions never start at the same instant: person and start identify a session.
-- The id is computed here, per event, rather than carried through the join back:
-- a wider build side of that join spilled to disk at 15.7M events and took three times as long.
sessionized as (
    select
        to_sessionize.*,
        sessions.run_started_at,
        sessions.is_capped,
        sessions.chunk_number,
        {{ dbt.hash(dbt.concat([
            'to_sessionize.person_key', "'|'", 'cast(sessions.session_started_at as ' ~ dbt.type_string() ~ ')'
        ])) }} as session_id,
        sessions.session_started_at,
        sessions.session_ended_at,
        sessions.session_loaded_at,
        sessions.session_event_count,
        sessions.entry_page_event_number,
        sessions.exit_page_event_number,
        sessions.event_number_in_session
    from to_sessionize
    inner join sessions
        on to_sessionize.{{ join_key }} = sessions.{{ join_key }}
),

final as (
    select
        cast(event_id as {{ dbt.type_string() }}) as event_id,
        cast(session_id as {{ dbt.type_string() }}) as session_id,
        cast(person_key as {{ dbt.type_string() }}) as person_key,
        cast(user_id as {{ dbt.type_string() }}) as user_id,
        cast(anonymous_id as {{ dbt.type_string() }}) as anonymous_id,
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        cast(source as {{ dbt.type_string() }}) as source,
        cast(event_name as {{ dbt.type_string() }}) as event_name,
        cast(event_at as {{ dbt.type_timestamp() }}) as event_at,
        cast(page_path as {{ dbt.type_string() }}) as page_path,
        cast(page_referrer as {{ dbt.type_string() }}) as page_referrer,
        cast(page_title as {{ dbt.type_string() }}) as page_title,
        cast(campaign_source as {{ dbt.type_string() }}) as campaign_source,
        cast(campaign_medium as {{ dbt.type_string() }}) as campaign_medium,
        cast(campaign_name as {{ dbt.type_string() }}) as campaign_name,
        cast(user_agent as {{ dbt.type_string() }}) as user_agent,
        cast(run_started_at as {{ dbt.type_timestamp() }}) as run_started_at,
        cast(chunk_number as {{ dbt.type_bigint() }}) as run_chunk_number,
        cast(session_started_at as {{ dbt.type_timestamp() }}) as session_started_at,
        cast({{ dbt.date_trunc('day', 'session_started_at') }} as date) as session_start_date,
        cast(event_number_in_session as {{ dbt.type_bigint() }}) as event_number_in_session,
        cast(session_ended_at as {{ dbt.type_timestamp() }}) as session_ended_at,
        cast(session_event_count as {{ dbt.type_bigint() }}) as session_event_count,
        cast(entry_page_event_number as {{ dbt.type_bigint() }}) as entry_page_event_number,
        cast(exit_page_event_number as {{ dbt.type_bigint() }}) as exit_page_event_number,
        cast(is_capped as {{ dbt.type_boolean() }}) as is_capped,
        cast(user_id is not null or anonymous_id is not null as {{ dbt.type_boolean() }}) as has_person,
        cast(previous_session_id as {{ dbt.type_string() }}) as previous_session_id,
        cast(previous_session_started_at as {{ dbt.type_timestamp() }}) as previous_session_started_at,
        cast(loaded_at as {{ dbt.type_timestamp() }}) as loaded_at,
        {#- a full build writes every row, and the marts are built with it: each session's newest
            load time, so the next run's lookback recomputes only the sessions with a recently
            loaded row, and every row of a session carries the same value (the session marts
            read the rows written since their watermark as whole sessions) -#}
        {%- if is_incremental() %}
        cast((select max(new_events.loaded_at) from new_events) as {{ dbt.type_timestamp() }}) as sessionized_loaded_at
        {%- else %}
        cast(session_loaded_at as {{ dbt.type_timestamp() }}) as sessionized_loaded_at
        {%- endif %}
    from sessionized
)

select * from final
