{{ config(materialized='table') }}

{#- One row per user: the account the user belongs to now.

    The app database is authoritative (users.account_id). For users it does not know yet,
    the account of the most recently received Segment group call is used.

    loaded_at is when the current assignment was first seen: the load time of the first
    version (app) or call (Segment) in the latest unbroken run of the same account. It
    changes when the account or its source changes, which tells fct_usage_events to restate
    that user's events (their account_match too).

    account_loaded_at is since when the user's events have been attributed to this account:
    loaded_at, except for a user whom the app database first knew in the account that the
    user's Segment group calls already named. Those events were attributed to the account by
    the group calls before the app record landed, so account_loaded_at is the load time of
    the first call in the latest unbroken run of calls naming it (loaded before the app
    record). fct_usage_events stamps its rows with it, so that the daily facts do not
    recompute every date of a user whose account did not change. -#}

with app_user_versions as (
    select
        user_id,
        account_id,
        loaded_at,
        cast(null as {{ dbt.type_timestamp() }}) as received_at,
        'app_db' as account_source
    from {{ ref('stg_app_db__user_account_versions') }}
),

group_calls as (
    select
        user_id,
        account_id,
        loaded_at,
        received_at,
        'segment_group' as account_source
    from {{ ref('stg_segment__groups') }}
    where user_id is not null
),

assignments as (
    select * from app_user_versions
    union all
    select * from group_calls
    where user_id not in (select app_user_versions.user_id from app_user_versions)
),

ordered as (
    select
        *,
        row_number() over (
            partition by user_id
            order by loaded_at desc, received_at desc nulls last, account_id asc
        ) as recency_rank
    from assignments
),

current_assignment as (
    select
        user_id,
        account_id,
        account_source
    from ordered
    where recency_rank = 1
),

current_run_start as (
    {{ latest_account_run_start('assignments', 'current_assignment') }}
),

first_app_versions as (
    select
        user_id,
        min(loaded_at) as first_app_loaded_at
    from app_user_versions
    group by user_id
),

-- The group calls that attributed an app user's events before the app record landed.
earlier_group_calls as (
    select
        group_calls.user_id,
        group_calls.account_id,
        group_calls.loaded_at
    from group_calls
    inner join first_app_versions
        on group_calls.user_id = first_app_versions.user_id
    where group_calls.loaded_at < first_app_versions.first_app_loaded_at
),

-- The first call of the latest run of calls naming the current account, when the calls
-- after the last one naming another account all name it (a tie with another account's
-- call leaves none: the app record's load time stands).
earlier_group_run_start as (
    {{ latest_account_run_start('earlier_group_calls', 'current_assignment') }}
),

final as (
    select
        current_assignment.user_id,
        current_assignment.account_id,
        current_assignment.account_source,
        current_run_start.loaded_at,
        case
            when current_run_start.loaded_at = first_app_versions.first_app_loaded_at
                then coalesce(earlier_group_run_start.loaded_at, current_run_start.loaded_at)
            else current_run_start.loaded_at
        end as account_loaded_at
    from current_assignment
    inner join current_run_start
        on current_assignment.user_id = current_run_start.user_id
    left join first_app_versions
        on current_assignment.user_id = first_app_versions.user_id
    left join earlier_group_run_start
        on current_assignment.user_id = earlier_group_run_start.user_id
)

select * from final
