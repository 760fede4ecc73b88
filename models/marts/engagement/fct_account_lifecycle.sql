{#- Grain: one row per account × period type (week, month) × period, dense from the period of
    the account's signup (or of its first active day, when earlier) to the period holding the
    as-of date.

    An account is active on a day when any of its users is. Status: 'churned' (reason
    subscription_ended) when the account's subscription has ended by the period's reference
    date (its last day, or the as-of date for the running period) and none is in force;
    otherwise the activity states of macro lifecycle_status, with 'churned' (reason inactive)
    after more than var dormant_after_days without an active user, and 'not_activated' for
    the periods before its first active day. -#}
{%- set grain = ['account_id'] -%}

with user_active_days as (
    select * from {{ ref('int_engagement__user_active_days') }}
),

dates as (
    select * from {{ ref('dim_dates') }}
),

accounts as (
    select * from {{ ref('dim_accounts') }}
),

engagement_daily as (
    select * from {{ ref('fct_account_engagement_daily') }}
),

periods as (
    {{ lifecycle_periods() }}
),

{# An account is active on a day when any of its users is. #}
period_activity as (
    {{ lifecycle_period_activity('user_active_days', grain, [
        'count(distinct usage_date) as active_day_count',
        'count(distinct user_id) as active_user_count',
        'max(usage_date) as last_active_date',
    ]) }}
),

first_active_periods as (
    {{ lifecycle_first_active_periods(grain) }}
),

account_starts as (
    select
        accounts.account_id,
        'week' as period_type,
        cast({{ dbt.date_trunc('week', 'accounts.signup_date') }} as date) as signup_period_start_date
    from accounts
    union all
    select
        accounts.account_id,
        'month' as period_type,
        cast({{ dbt.date_trunc('month', 'accounts.signup_date') }} as date) as signup_period_start_date
    from accounts
),

account_first_periods as (
    select
        account_starts.account_id,
        account_starts.period_type,
        first_active_periods.first_active_period_start_date,
        case
            when first_active_periods.first_active_period_start_date < account_starts.signup_period_start_date
                then first_active_periods.first_active_period_start_date
            else account_starts.signup_period_start_date
        end as first_period_start_date
    from account_starts
    left join first_active_periods
        on
            account_starts.account_id = first_active_periods.account_id
            and account_starts.period_type = first_active_periods.period_type
),

activity_periods as (
    {{ lifecycle_dense_periods(
        'account_first_periods', grain, 'first_period_start_date', ['active_day_count', 'active_user_count']
    ) }}
),

{# Whether the subscription has ended by the period's reference date. #}
account_periods as (
    select
        activity_periods.*,
        coalesce(engagement_daily.is_subscription_ended, false) as is_subscription_ended
    from activity_periods
    left join engagement_daily
        on
            activity_periods.account_id = engagement_daily.account_id
            and activity_periods.reference_date = engagement_daily.date_day
),

sequenced as (
    {{ lifecycle_sequenced('account_periods', grain) }}
),

classified as (
    {{ lifecycle_classified('sequenced', status_column='activity_status') }}
),

statuses as (
    select
        *,
        case when is_subscription_ended then 'churned' else activity_status end as lifecycle_status,
        case
            when is_subscription_ended then 'subscription_ended'
            when activity_status = 'churned' then 'inactive'
        end as churn_reason
    from classified
),

final as (
    select
        account_id,
        cast(period_type as {{ dbt.type_string() }}) as period_type,
        period_start_date,
        period_end_date,
        reference_date,
        period_end_date <= as_of_date as is_complete_period,
        cast(lifecycle_status as {{ dbt.type_string() }}) as lifecycle_status,
        cast(churn_reason as {{ dbt.type_string() }}) as churn_reason,
        cast(activity_status as {{ dbt.type_string() }}) as activity_status,
        cast(
            {{ lifecycle_previous('lifecycle_status', grain) | indent(4) }} as {{ dbt.type_string() }}
        ) as previous_lifecycle_status,
        is_subscription_ended,
        active_day_count > 0 as is_active,
        cast(active_day_count as {{ dbt.type_int() }}) as active_day_count,
        cast(active_user_count as {{ dbt.type_bigint() }}) as active_user_count,
        first_active_period_start_date,
        last_active_date,
        cast(days_since_last_active as {{ dbt.type_int() }}) as days_since_last_active
    from statuses
)

select * from final
