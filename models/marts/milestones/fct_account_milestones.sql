{#- Grain: one row per account (dim_accounts, signed up on or before the as-of date) × onboarding
    milestone (seed onboarding_milestones).

    reached_at is the first matching event up to the as-of date. Scope 'account': any event of the
    account (with or without a user). Scope 'user': only events of an identified user, so the
    account reaches it when its first user does (reached_by_user_id).
    The first event is found by grouping (each user's first time, then the earliest), not by
    sorting the history: only the events at that time are ranked, by event_id.
    days_from_signup counts UTC calendar days from the signup date to the reaching date; target
    date = signup date + target_days. On time: reached on or before the target date; late: after
    it; overdue: not reached and the as-of date is after the target date; pending: not reached,
    target date not passed (the target date itself is still pending). -#}
with accounts as (
    select * from {{ ref('dim_accounts') }}
),

dates as (
    select * from {{ ref('dim_dates') }}
),

-- Not materialized: both branches of matched read it (through events_to_date), and a
-- materialized CTE would copy every event before filtering.
events as {{ not_materialized() }} (
    select * from {{ ref('fct_usage_events') }}
),

milestone_definitions as (
    select * from {{ ref('onboarding_milestones') }}
),

as_of as (
    select as_of_date
    from dates
    where is_as_of_date
),

milestones as (
    select
        lower(trim(milestone_key)) as milestone_key,
        trim(milestone_name) as milestone_name,
        lower(trim(match_level)) as match_level,
        case
            when lower(trim(match_level)) = 'feature' then lower(trim(match_value))
            else trim(match_value)
        end as match_value,
        lower(trim(scope)) as scope,
        cast(target_days as {{ dbt.type_int() }}) as target_days,
        cast(sort_order as {{ dbt.type_int() }}) as sort_order
    from milestone_definitions
),

onboarding_accounts as (
    select
        accounts.account_id,
        accounts.signup_date,
        as_of.as_of_date
    from accounts
    cross join as_of
    where accounts.signup_date <= as_of.as_of_date
),

-- Read by each match level's branch: not materialized, so each branch's join with the few
-- milestone values filters the events as they are scanned instead of copying them all first.
events_to_date as {{ not_materialized() }} (
    select
        events.event_id,
        events.account_id,
        events.user_id,
        events.event_at,
        events.event_name,
        events.feature
    from events
    cross join as_of
    where
        events.account_id is not null
        and events.event_date <= as_of.as_of_date
),

matched as (
    {%- for level in ['feature', 'event_name'] %}
    select
        milestones.milestone_key,
        events_to_date.account_id,
        events_to_date.user_id,
        events_to_date.event_id,
        events_to_date.event_at
    from events_to_date
    inner join milestones
        on
            milestones.match_level = '{{ level }}'
            and events_to_date.{{ level }} = milestones.match_value
    where
        milestones.scope = 'account'
        or events_to_date.user_id is not null
    {%- if not loop.last %}

    union all
    {% endif %}
    {%- endfor %}
),

-- A user's first matching event; events without a user (scope 'account') form one group.
user_firsts as (
    select
        account_id,
        milestone_key,
        user_id,
        min(event_at) as first_event_at
    from matched
    group by
        account_id,
        milestone_key,
        user_id
),

firsts as (
    select
        account_id,
        milestone_key,
        min(first_event_at) as reached_at,
        count(user_id) as reached_user_count
    from user_firsts
    group by
        account_id,
        milestone_key
),

-- Only the few matched events at the first time are ranked: the smallest event_id wins a tie.
first_events as (
    select
        matched.account_id,
        matched.milestone_key,
        matched.user_id,
        row_number() over (
            partition by matched.account_id, matched.milestone_key
            order by matched.event_id asc nulls last
        ) as tie_rank
    from matched
    inner join firsts
        on
            matched.account_id = firsts.account_id
            and matched.milestone_key = firsts.milestone_key
            and matched.event_at = firsts.reached_at
),

reached as (
    select
        firsts.account_id,
        firsts.milestone_key,
        firsts.reached_at,
        first_events.user_id as reached_by_user_id,
        firsts.reached_user_count
    from firsts
    left join first_events
        on
            firsts.account_id = first_events.account_id
            and firsts.milestone_key = first_events.milestone_key
            and first_events.tie_rank = 1
),

account_milestones as (
    select
        onboarding_accounts.account_id,
        onboarding_accounts.signup_date,
        onboarding_accounts.as_of_date,
        milestones.milestone_key,
        milestones.milestone_name,
        milestones.scope,
        milestones.sort_order,
        milestones.target_days,
        cast(
            {{ dbt.dateadd('day', 'milestones.target_days', 'onboarding_accounts.signup_date') }} as date
        ) as target_date,
        reached.reached_at,
        reached.reached_by_user_id,
        coalesce(reached.reached_user_count, 0) as reached_user_count,
        {{ dbt.datediff('onboarding_accounts.signup_date', 'cast(reached.reached_at as date)', 'day') }}
            as days_from_signup
    from onboarding_accounts
    cross join milestones
    left join reached
        on
            onboarding_accounts.account_id = reached.account_id
            and milestones.milestone_key = reached.milestone_key
),

classified as (
    select
        *,
        case
            when reached_at is not null and days_from_signup <= target_days then 'on_time'
            when reached_at is not null then 'late'
            when as_of_date > target_date then 'overdue'
            else 'pending'
        end as status
    from account_milestones
),

final as (
    select
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        cast(milestone_key as {{ dbt.type_string() }}) as milestone_key,
        cast(milestone_name as {{ dbt.type_string() }}) as milestone_name,
        cast(scope as {{ dbt.type_string() }}) as scope,
        cast(sort_order as {{ dbt.type_int() }}) as sort_order,
        cast(target_days as {{ dbt.type_int() }}) as target_days,
        cast(signup_date as date) as signup_date,
        cast(target_date as date) as target_date,
        cast(as_of_date as date) as as_of_date,
        cast(reached_at as {{ dbt.type_timestamp() }}) as reached_at,
        cast(reached_by_user_id as {{ dbt.type_string() }}) as reached_by_user_id,
        cast(reached_user_count as {{ dbt.type_bigint() }}) as reached_user_count,
        cast(days_from_signup as {{ dbt.type_int() }}) as days_from_signup,
        reached_at is not null as is_reached,
        status = 'on_time' as is_on_time,
        status = 'late' as is_late,
        status = 'overdue' as is_overdue,
        cast(status as {{ dbt.type_string() }}) as status
    from classified
)

select * from final
