{{ config(
    pre_hook="{{ delete_emptied_session_dates(ref('int_sessions__clickstream_events')) }}",
    **partition_replace_config('session_start_date')
) }}

{#- Grain: one row per session_start_date × from_action × to_action. -#}

with clickstream as (
    select * from {{ ref('int_sessions__clickstream_events') }}
    where
        has_person
        and {{ session_affected_dates_filter(ref('int_sessions__clickstream_events')) }}
),

named_actions as (
    select
        session_id,
        session_start_date,
        event_number_in_session,
        event_at,
        loaded_at,
        case
            when source = 'segment_page' then {{ dbt.concat(["'Page: '", "coalesce(page_path, '(none)')"]) }}
            else coalesce(event_name, '(none)')
        end as action_name
    from clickstream
),

-- Actions are a few dozen names: the windows and groupings below partition by a number for
-- each instead of by the names, a cheaper sort (at 11.5M events the build's median ranking
-- took half as long); the names are joined back to the grouped rows. The session end is the
-- name '(session end)', numbered with the others (an event of that name shares its number).
action_codes as (
    select
        action_name,
        row_number() over (order by action_name) as action_code
    from (
        select action_name from named_actions
        union
        select '(session end)' as action_name
    ) as distinct_actions
),

session_end as (
    select action_code as session_end_code
    from action_codes
    where action_name = '(session end)'
),

actions as (
    select
        named_actions.session_id,
        named_actions.session_start_date,
        named_actions.event_number_in_session,
        named_actions.event_at,
        named_actions.loaded_at,
        action_codes.action_code
    from named_actions
    inner join action_codes
        on named_actions.action_name = action_codes.action_name
),

next_actions as (
    select
        *,
        lead(action_code) over (partition by session_id order by event_number_in_session asc nulls last) as next_action_code,
        lead(event_at) over (partition by session_id order by event_number_in_session asc nulls last) as next_action_at
    from actions
),

transitions as (
    select
        next_actions.session_start_date,
        next_actions.action_code as from_code,
        coalesce(next_actions.next_action_code, session_end.session_end_code) as to_code,
        next_actions.session_id,
        case
            when next_actions.next_action_at is not null
                then {{ seconds_between('next_actions.event_at', 'next_actions.next_action_at') }}
        end as seconds_to_next_action,
        next_actions.loaded_at
    from next_actions
    cross join session_end
),

-- One row per session and transition first: the sessions of a transition are then counted
-- as rows and its transitions summed, in one grouping (a count(distinct) beside the median
-- made one grouping that took ten times as long).
session_transitions as (
    select
        session_start_date,
        from_code,
        to_code,
        session_id,
        count(*) as transition_count,
        max(loaded_at) as loaded_at
    from transitions
    group by
        session_start_date,
        from_code,
        to_code,
        session_id
),

transition_stats as (
    select
        session_start_date,
        from_code,
        to_code,
        sum(transition_count) as transition_count,
        count(*) as session_count,
        max(loaded_at) as loaded_at
    from session_transitions
    group by
        session_start_date,
        from_code,
        to_code
),

-- The median from ranks: the middle one or two timed transitions of each group. A
-- median aggregate over hundreds of thousands of small groups was the slowest step of the
-- whole build (92 s against 12 s for the whole model at 11.5M events); one sort by group and
-- time gives the same value (interpolated when even).
timed_transitions as (
    select
        session_start_date,
        from_code,
        to_code,
        seconds_to_next_action,
        row_number() over (
            partition by session_start_date, from_code, to_code
            order by seconds_to_next_action asc
        ) as time_rank,
        count(*) over (partition by session_start_date, from_code, to_code) as timed_count
    from transitions
    where seconds_to_next_action is not null
),

median_times as (
    select
        session_start_date,
        from_code,
        to_code,
        avg(seconds_to_next_action) as median_seconds_to_next_action
    from timed_transitions
    where
        time_rank = cast(floor((timed_count + 1) / 2.0) as {{ dbt.type_bigint() }})
        or time_rank = cast(floor((timed_count + 2) / 2.0) as {{ dbt.type_bigint() }})
    group by
        session_start_date,
        from_code,
        to_code
),

aggregated as (
    select
        transition_stats.session_start_date,
        from_actions.action_name as from_action,
        transition_stats.transition_count,
        transition_stats.session_count,
        median_times.median_seconds_to_next_action,
        transition_stats.loaded_at,
        to_actions.action_name as to_action
    from transition_stats
    inner join action_codes as from_actions
        on transition_stats.from_code = from_actions.action_code
    inner join action_codes as to_actions
        on transition_stats.to_code = to_actions.action_code
    left join median_times
        on
            transition_stats.session_start_date = median_times.session_start_date
            and transition_stats.from_code = median_times.from_code
            and transition_stats.to_code = median_times.to_code
),

final as (
    select
        cast({{ dbt.hash(dbt.concat([
            'cast(session_start_date as ' ~ dbt.type_string() ~ ')', "'|'", 'from_action', "'|'", 'to_action'
        ])) }} as {{ dbt.type_string() }}) as event_transition_id,
        cast(session_start_date as date) as session_start_date,
        cast(from_action as {{ dbt.type_string() }}) as from_action,
        cast(to_action as {{ dbt.type_string() }}) as to_action,
        cast(transition_count as {{ dbt.type_bigint() }}) as transition_count,
        cast(session_count as {{ dbt.type_bigint() }}) as session_count,
        cast(median_seconds_to_next_action as {{ type_double() }}) as median_seconds_to_next_action,
        cast(loaded_at as {{ dbt.type_timestamp() }}) as loaded_at
    from aggregated
)

select * from final
