{#- Grain: one row per signup cohort (the Monday-starting UTC week of the account's signup
    date) × onboarding milestone, plus one row per cohort with milestone_key 'all_milestones'
    (is_all_milestones) for the accounts that reached every milestone.

    Counts are as of the as-of date (fct_account_milestones): a young cohort still has pending
    accounts. Each account has one status per row, so on_time + late + overdue + pending =
    account_count. On the all_milestones row an account is overdue when any milestone is
    overdue, else pending when any is pending, else late when any was late, else on time;
    reached = on time + late = reached every milestone. -#}
with account_milestones as (
    select * from {{ ref('fct_account_milestones') }}
),

cohorted as (
    select
        *,
        cast({{ dbt.date_trunc('week', 'signup_date') }} as date) as cohort_week_start_date
    from account_milestones
),

milestone_rows as (
    select
        cohort_week_start_date,
        milestone_key,
        milestone_name,
        sort_order,
        false as is_all_milestones,
        max(as_of_date) as as_of_date,
        count(*) as account_count,
        sum(case when status = 'on_time' then 1 else 0 end) as on_time_account_count,
        sum(case when status = 'late' then 1 else 0 end) as late_account_count,
        sum(case when status = 'overdue' then 1 else 0 end) as overdue_account_count,
        sum(case when status = 'pending' then 1 else 0 end) as pending_account_count,
        avg(case when is_reached then days_from_signup end) as avg_days_to_reach
    from cohorted
    group by
        cohort_week_start_date,
        milestone_key,
        milestone_name,
        sort_order
),

account_overall as (
    select
        account_id,
        cohort_week_start_date,
        max(as_of_date) as as_of_date,
        case
            when bool_or(status = 'overdue') then 'overdue'
            when bool_or(status = 'pending') then 'pending'
            when bool_or(status = 'late') then 'late'
            else 'on_time'
        end as overall_status,
        max(days_from_signup) as days_to_last_milestone
    from cohorted
    group by
        account_id,
        cohort_week_start_date
),

last_sort_order as (
    select max(sort_order) as max_sort_order
    from account_milestones
),

all_milestone_rows as (
    select
        account_overall.cohort_week_start_date,
        'all_milestones' as milestone_key,
        'All milestones' as milestone_name,
        max(last_sort_order.max_sort_order) + 1 as sort_order,
        true as is_all_milestones,
        max(account_overall.as_of_date) as as_of_date,
        count(*) as account_count,
        sum(case when account_overall.overall_status = 'on_time' then 1 else 0 end) as on_time_account_count,
        sum(case when account_overall.overall_status = 'late' then 1 else 0 end) as late_account_count,
        sum(case when account_overall.overall_status = 'overdue' then 1 else 0 end) as overdue_account_count,
        sum(case when account_overall.overall_status = 'pending' then 1 else 0 end) as pending_account_count,
        avg(
            case
                when account_overall.overall_status in ('on_time', 'late') then account_overall.days_to_last_milestone
            end
        ) as avg_days_to_reach
    from account_overall
    cross join last_sort_order
    group by account_overall.cohort_week_start_date
),

cohort_rows as (
    select * from milestone_rows
    union all
    select * from all_milestone_rows
),

final as (
    select
        cast(cohort_week_start_date as date) as cohort_week_start_date,
        cast(milestone_key as {{ dbt.type_string() }}) as milestone_key,
        cast(milestone_name as {{ dbt.type_string() }}) as milestone_name,
        cast(sort_order as {{ dbt.type_int() }}) as sort_order,
        cast(is_all_milestones as {{ dbt.type_boolean() }}) as is_all_milestones,
        cast(as_of_date as date) as as_of_date,
        cast(account_count as {{ dbt.type_bigint() }}) as account_count,
        cast(on_time_account_count + late_account_count as {{ dbt.type_bigint() }}) as reached_account_count,
        cast(on_time_account_count as {{ dbt.type_bigint() }}) as on_time_account_count,
        cast(late_account_count as {{ dbt.type_bigint() }}) as late_account_count,
        cast(overdue_account_count as {{ dbt.type_bigint() }}) as overdue_account_count,
        cast(pending_account_count as {{ dbt.type_bigint() }}) as pending_account_count,
        cast(
            (on_time_account_count + late_account_count) * 1.0 / nullif(account_count, 0) as {{ type_double() }}
        ) as completion_rate,
        cast(on_time_account_count * 1.0 / nullif(account_count, 0) as {{ type_double() }}) as on_time_rate,
        cast(avg_days_to_reach as {{ type_double() }}) as avg_days_to_reach
    from cohort_rows
)

select * from final
