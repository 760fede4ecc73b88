{{ config(materialized='table') }}

{#- One row per user: the account the user belongs to now.

    The app database is authoritative (users.account_id). For users it does not know yet,
    the account of the most recently received Segment group call is used.

    loaded_at is when the current assignment was first seen: the load time of the first
    version (app) or call (Segment) in the latest unbroken run of the same account. It
    changes only when the account changes, which tells incremental models to restate that
    user's events. -#}

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

last_other_account as (
    select
        assignments.user_id,
        max(assignments.loaded_at) as last_other_loaded_at
    from assignments
    inner join current_assignment
        on assignments.user_id = current_assignment.user_id
    where assignments.account_id <> current_assignment.account_id
    group by assignments.user_id
),

current_run_start as (
    select
        assignments.user_id,
        min(assignments.loaded_at) as loaded_at
    from assignments
    inner join current_assignment
        on assignments.user_id = current_assignment.user_id
    left join last_other_account
        on assignments.user_id = last_other_account.user_id
    where
        assignments.account_id = current_assignment.account_id
        and (
            last_other_account.last_other_loaded_at is null
            or assignments.loaded_at > last_other_account.last_other_loaded_at
        )
    group by assignments.user_id
),

final as (
    select
        current_assignment.user_id,
        current_assignment.account_id,
        current_assignment.account_source,
        current_run_start.loaded_at
    from current_assignment
    inner join current_run_start
        on current_assignment.user_id = current_run_start.user_id
)

select * from final
