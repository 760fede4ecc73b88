{{ config(
    post_hook="{{ delete_after_as_of('period_start_date') }}",
    **partition_replace_config(['period_type', 'period_start_date'])
) }}

{#- Grain: one row per feature × period type (week, month) × period × segment (segment_type
    'all' with value 'all', and 'plan' with the plan), for every period and segment with at
    least one active account, up to the as-of date.

    Adoption: an active account (any active user in the period) or active user that had any
    event of the feature in the period, as a share of the active accounts / users of the
    segment. An account's plan for a period is the plan in force on the period's reference
    day (fct_account_engagement_daily), else its current plan. Time to first use: accounts
    whose first event of the feature falls in the period, median days from signup (0 when the
    first use came before signup).

    Incremental: a period's rows read the activity of the period and, beyond it, only which
    accounts are in which plan segment, which first uses fall in it, whether it is complete
    and the taxonomy. Those are hashed per period (segments_fingerprint). A run recomputes the
    periods whose hash changed and the periods that end on or after the earliest day of an
    activity row loaded after the watermark; the others keep their rows. -#}

with user_active_days as {{ not_materialized() }} (
    select * from {{ ref('int_engagement__user_active_days') }}
),

account_daily_usage as {{ not_materialized() }} (
    select * from {{ ref('fct_account_daily_usage') }}
),

user_daily_usage as {{ not_materialized() }} (
    select * from {{ ref('fct_user_daily_usage') }}
),

dates as (
    select * from {{ ref('dim_dates') }}
),

accounts as (
    select * from {{ ref('dim_accounts') }}
),

features as (
    select * from {{ ref('dim_features') }}
),

engagement_daily as (
    select * from {{ ref('fct_account_engagement_daily') }}
),

periods as (
    select
        'week' as period_type,
        week_start_date as period_start_date,
        cast({{ dbt.dateadd('day', 6, 'week_start_date') }} as date) as period_end_date,
        max(date_day) as reference_date,
        max(as_of_date) as as_of_date
    from dates
    group by week_start_date
    union all
    select
        'month' as period_type,
        month_start_date as period_start_date,
        cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 1, 'month_start_date')) }} as date) as period_end_date,
        max(date_day) as reference_date,
        max(as_of_date) as as_of_date
    from dates
    group by month_start_date
),

-- Every account active in a period, over the whole history: with the first uses, the
-- accounts whose plan segment a period's rows depend on.
all_active_account_periods as (
    {{- distinct_rows_per_period('user_active_days', ['account_id'], 'is_active') }}
),

account_feature_days as (
    select
        account_daily_usage.account_id,
        account_daily_usage.feature,
        account_daily_usage.usage_date,
        dates.week_start_date,
        dates.month_start_date
    from account_daily_usage
    inner join dates
        on account_daily_usage.usage_date = dates.date_day
    where account_daily_usage.feature <> 'unmapped'
),

first_uses as (
    select
        account_id,
        feature,
        min(usage_date) as first_used_date,
        min(week_start_date) as first_used_week_start_date,
        min(month_start_date) as first_used_month_start_date
    from account_feature_days
    group by
        account_id,
        feature
),

first_use_days as (
    select
        first_uses.account_id,
        first_uses.feature,
        first_uses.first_used_week_start_date,
        first_uses.first_used_month_start_date,
        case
            when first_uses.first_used_date < accounts.signup_date then 0
            else {{ days_between('accounts.signup_date', 'first_uses.first_used_date') }}
        end as days_to_first_use
    from first_uses
    inner join accounts
        on first_uses.account_id = accounts.account_id
),

first_use_periods as (
    select
        account_id,
        feature,
        'week' as period_type,
        first_used_week_start_date as period_start_date,
        days_to_first_use
    from first_use_days
    union all
    select
        account_id,
        feature,
        'month' as period_type,
        first_used_month_start_date as period_start_date,
        days_to_first_use
    from first_use_days
),

candidate_account_periods as (
    select
        account_id,
        period_type,
        period_start_date
    from all_active_account_periods
    union all
    select
        account_id,
        period_type,
        period_start_date
    from first_use_periods
),

segmented_account_periods as (
    select distinct
        account_id,
        period_type,
        period_start_date
    from candidate_account_periods
),

account_period_plans as (
    select
        segmented_account_periods.account_id,
        segmented_account_periods.period_type,
        segmented_account_periods.period_start_date,
        coalesce(engagement_daily.plan, accounts.plan, 'unknown') as plan
    from segmented_account_periods
    inner join periods
        on
            segmented_account_periods.period_type = periods.period_type
            and segmented_account_periods.period_start_date = periods.period_start_date
    inner join accounts
        on segmented_account_periods.account_id = accounts.account_id
    left join engagement_daily
        on
            segmented_account_periods.account_id = engagement_daily.account_id
            and periods.reference_date = engagement_daily.date_day
),

taxonomy as (
    {%- set feature_text = dbt.concat([
        'feature', "'/'", "coalesce(module, '')", "'/'", "coalesce(product, '')",
    ]) %}
    select {{ sorted_string_agg(feature_text) }} as taxonomy_text
    from features
),

-- What a period's rows read beyond its own activity: the plan segment of each account, the
-- first uses that fall in it, whether it is complete, and the taxonomy.
fingerprint_parts as (
    select
        period_type,
        period_start_date,
        {{ dbt.concat(["'plan|'", 'account_id', "'|'", 'plan']) }} as part
    from account_period_plans
    union all
    select
        period_type,
        period_start_date,
        {{ dbt.concat([
            "'first_use|'", 'account_id', "'|'", 'feature', "'|'",
            'cast(days_to_first_use as ' ~ dbt.type_string() ~ ')',
        ]) }} as part
    from first_use_periods
    union all
    select
        periods.period_type,
        periods.period_start_date,
        {{ dbt.concat([
            "'complete|'", "case when periods.period_end_date <= periods.as_of_date then 'yes' else 'no' end",
            "'|taxonomy|'", 'taxonomy.taxonomy_text',
        ]) }} as part
    from periods
    cross join taxonomy
),

active_periods as (
    select distinct
        period_type,
        period_start_date
    from all_active_account_periods
),

-- One hash per period with an active account (the periods that have rows).
period_fingerprints as (
    select
        fingerprint_parts.period_type,
        fingerprint_parts.period_start_date,
        {{ dbt.hash(sorted_string_agg('fingerprint_parts.part')) }} as segments_fingerprint
    from fingerprint_parts
    inner join active_periods
        on
            fingerprint_parts.period_type = active_periods.period_type
            and fingerprint_parts.period_start_date = active_periods.period_start_date
    group by
        fingerprint_parts.period_type,
        fingerprint_parts.period_start_date
),

{% if is_incremental() %}
-- The earliest day of an activity row loaded after the watermark.
recompute as (
    {{ recompute_from_date(
        [('user_active_days', 'usage_date'), ('account_daily_usage', 'usage_date'), ('user_daily_usage', 'usage_date')],
        no_change_date='9999-12-31'
    ) | indent(4) }}
),

stored_periods as (
    select
        period_type,
        period_start_date,
        max(segments_fingerprint) as segments_fingerprint,
        bool_and(is_complete_period) as is_complete_period
    from {{ this }}
    group by
        period_type,
        period_start_date
),
{% endif %}

-- The periods this run writes: on a full build every one; else the periods whose hash
-- changed or that were still running, and those that end on or after the earliest day with
-- new activity.
recomputed_periods as (
    {%- if is_incremental() %}
    select
        period_fingerprints.period_type,
        period_fingerprints.period_start_date
    from period_fingerprints
    inner join periods
        on
            period_fingerprints.period_type = periods.period_type
            and period_fingerprints.period_start_date = periods.period_start_date
    cross join recompute
    left join stored_periods
        on
            period_fingerprints.period_type = stored_periods.period_type
            and period_fingerprints.period_start_date = stored_periods.period_start_date
    where
        stored_periods.segments_fingerprint is null
        or stored_periods.segments_fingerprint <> period_fingerprints.segments_fingerprint
        or not stored_periods.is_complete_period
        or periods.period_end_date >= recompute.recompute_from_date
    {%- else %}
    select
        period_type,
        period_start_date
    from period_fingerprints
    {%- endif %}
),

first_recomputed as (
    select min(period_start_date) as period_start_date
    from recomputed_periods
),

-- From here on, only the periods this run writes.
recent_user_active_days as (
    select *
    from user_active_days
    where
        is_active
        and usage_date >= (select first_recomputed.period_start_date from first_recomputed)
),

active_user_periods as (
    {{ rows_of_recomputed_periods('recent_user_active_days', ['user_id', 'account_id']) }}
),

active_account_periods as (
    select distinct
        account_id,
        period_type,
        period_start_date
    from active_user_periods
),

recent_account_feature_days as (
    select *
    from account_feature_days
    where usage_date >= (select first_recomputed.period_start_date from first_recomputed)
),

account_feature_periods as (
    {{ rows_of_recomputed_periods('recent_account_feature_days', ['account_id', 'feature']) }}
),

user_feature_days as (
    select
        user_daily_usage.user_id,
        user_daily_usage.account_id,
        user_daily_usage.feature,
        dates.week_start_date,
        dates.month_start_date
    from user_daily_usage
    inner join dates
        on user_daily_usage.usage_date = dates.date_day
    where
        user_daily_usage.feature <> 'unmapped'
        and user_daily_usage.account_id is not null
        and user_daily_usage.usage_date >= (select first_recomputed.period_start_date from first_recomputed)
),

user_feature_periods as (
    {{ rows_of_recomputed_periods('user_feature_days', ['user_id', 'account_id', 'feature']) }}
),

-- A period's load time: the newest of its account daily rows (every event with an account;
-- the user-level rows are parts of them), up to the as-of date.
period_loads as (
    select
        recomputed_periods.period_type,
        recomputed_periods.period_start_date,
        max(period_days.loaded_at) as loaded_at
    from (
        select
            'week' as period_type,
            dates.week_start_date as period_start_date,
            account_daily_usage.loaded_at
        from account_daily_usage
        inner join dates
            on account_daily_usage.usage_date = dates.date_day
        where account_daily_usage.usage_date >= (select first_recomputed.period_start_date from first_recomputed)
        union all
        select
            'month' as period_type,
            dates.month_start_date as period_start_date,
            account_daily_usage.loaded_at
        from account_daily_usage
        inner join dates
            on account_daily_usage.usage_date = dates.date_day
        where account_daily_usage.usage_date >= (select first_recomputed.period_start_date from first_recomputed)
    ) as period_days
    inner join recomputed_periods
        on
            period_days.period_type = recomputed_periods.period_type
            and period_days.period_start_date = recomputed_periods.period_start_date
    group by
        recomputed_periods.period_type,
        recomputed_periods.period_start_date
),

recomputed_account_period_plans as (
    select account_period_plans.*
    from account_period_plans
    inner join recomputed_periods
        on
            account_period_plans.period_type = recomputed_periods.period_type
            and account_period_plans.period_start_date = recomputed_periods.period_start_date
),

account_segments as (
    select
        account_id,
        period_type,
        period_start_date,
        'all' as segment_type,
        'all' as segment_value
    from recomputed_account_period_plans
    union all
    select
        account_id,
        period_type,
        period_start_date,
        'plan' as segment_type,
        plan as segment_value
    from recomputed_account_period_plans
),

segment_denominators as (
    select
        account_segments.period_type,
        account_segments.period_start_date,
        account_segments.segment_type,
        account_segments.segment_value,
        count(distinct active_user_periods.account_id) as active_account_count,
        count(distinct active_user_periods.user_id) as active_user_count
    from account_segments
    inner join active_user_periods
        on
            account_segments.account_id = active_user_periods.account_id
            and account_segments.period_type = active_user_periods.period_type
            and account_segments.period_start_date = active_user_periods.period_start_date
    group by
        account_segments.period_type,
        account_segments.period_start_date,
        account_segments.segment_type,
        account_segments.segment_value
),

adopting_accounts as (
    select
        account_feature_periods.feature,
        account_segments.period_type,
        account_segments.period_start_date,
        account_segments.segment_type,
        account_segments.segment_value,
        count(distinct account_feature_periods.account_id) as adopting_account_count
    from account_feature_periods
    inner join active_account_periods
        on
            account_feature_periods.account_id = active_account_periods.account_id
            and account_feature_periods.period_type = active_account_periods.period_type
            and account_feature_periods.period_start_date = active_account_periods.period_start_date
    inner join account_segments
        on
            account_feature_periods.account_id = account_segments.account_id
            and account_feature_periods.period_type = account_segments.period_type
            and account_feature_periods.period_start_date = account_segments.period_start_date
    group by
        account_feature_periods.feature,
        account_segments.period_type,
        account_segments.period_start_date,
        account_segments.segment_type,
        account_segments.segment_value
),

adopting_users as (
    select
        user_feature_periods.feature,
        account_segments.period_type,
        account_segments.period_start_date,
        account_segments.segment_type,
        account_segments.segment_value,
        count(distinct user_feature_periods.user_id) as adopting_user_count
    from user_feature_periods
    inner join active_user_periods
        on
            user_feature_periods.user_id = active_user_periods.user_id
            and user_feature_periods.account_id = active_user_periods.account_id
            and user_feature_periods.period_type = active_user_periods.period_type
            and user_feature_periods.period_start_date = active_user_periods.period_start_date
    inner join account_segments
        on
            user_feature_periods.account_id = account_segments.account_id
            and user_feature_periods.period_type = account_segments.period_type
            and user_feature_periods.period_start_date = account_segments.period_start_date
    group by
        user_feature_periods.feature,
        account_segments.period_type,
        account_segments.period_start_date,
        account_segments.segment_type,
        account_segments.segment_value
),

new_adopters as (
    select
        first_use_periods.feature,
        account_segments.period_type,
        account_segments.period_start_date,
        account_segments.segment_type,
        account_segments.segment_value,
        count(*) as new_adopter_account_count,
        {{ median('first_use_periods.days_to_first_use') }} as median_days_to_first_use
    from first_use_periods
    inner join account_segments
        on
            first_use_periods.account_id = account_segments.account_id
            and first_use_periods.period_type = account_segments.period_type
            and first_use_periods.period_start_date = account_segments.period_start_date
    group by
        first_use_periods.feature,
        account_segments.period_type,
        account_segments.period_start_date,
        account_segments.segment_type,
        account_segments.segment_value
),

final as (
    select
        features.feature,
        features.module,
        features.product,
        cast(segment_denominators.period_type as {{ dbt.type_string() }}) as period_type,
        segment_denominators.period_start_date,
        periods.period_end_date,
        periods.period_end_date <= periods.as_of_date as is_complete_period,
        cast(segment_denominators.segment_type as {{ dbt.type_string() }}) as segment_type,
        cast(segment_denominators.segment_value as {{ dbt.type_string() }}) as segment_value,
        cast(segment_denominators.active_account_count as {{ dbt.type_bigint() }}) as active_account_count,
        cast(coalesce(adopting_accounts.adopting_account_count, 0) as {{ dbt.type_bigint() }}) as adopting_account_count,
        cast(
            coalesce(adopting_accounts.adopting_account_count, 0) * 1.0
            / nullif(segment_denominators.active_account_count, 0) as {{ type_double() }}
        ) as account_adoption_share,
        cast(segment_denominators.active_user_count as {{ dbt.type_bigint() }}) as active_user_count,
        cast(coalesce(adopting_users.adopting_user_count, 0) as {{ dbt.type_bigint() }}) as adopting_user_count,
        cast(
            coalesce(adopting_users.adopting_user_count, 0) * 1.0
            / nullif(segment_denominators.active_user_count, 0) as {{ type_double() }}
        ) as user_adoption_share,
        cast(coalesce(new_adopters.new_adopter_account_count, 0) as {{ dbt.type_bigint() }}) as new_adopter_account_count,
        cast(new_adopters.median_days_to_first_use as {{ type_double() }}) as median_days_to_first_use,
        cast(period_fingerprints.segments_fingerprint as {{ dbt.type_string() }}) as segments_fingerprint,
        cast(period_loads.loaded_at as {{ dbt.type_timestamp() }}) as loaded_at
    from segment_denominators
    inner join periods
        on
            segment_denominators.period_type = periods.period_type
            and segment_denominators.period_start_date = periods.period_start_date
    inner join period_fingerprints
        on
            segment_denominators.period_type = period_fingerprints.period_type
            and segment_denominators.period_start_date = period_fingerprints.period_start_date
    left join period_loads
        on
            segment_denominators.period_type = period_loads.period_type
            and segment_denominators.period_start_date = period_loads.period_start_date
    cross join features
    left join adopting_accounts
        on
            features.feature = adopting_accounts.feature
            and segment_denominators.period_type = adopting_accounts.period_type
            and segment_denominators.period_start_date = adopting_accounts.period_start_date
            and segment_denominators.segment_type = adopting_accounts.segment_type
            and segment_denominators.segment_value = adopting_accounts.segment_value
    left join adopting_users
        on
            features.feature = adopting_users.feature
            and segment_denominators.period_type = adopting_users.period_type
            and segment_denominators.period_start_date = adopting_users.period_start_date
            and segment_denominators.segment_type = adopting_users.segment_type
            and segment_denominators.segment_value = adopting_users.segment_value
    left join new_adopters
        on
            features.feature = new_adopters.feature
            and segment_denominators.period_type = new_adopters.period_type
            and segment_denominators.period_start_date = new_adopters.period_start_date
            and segment_denominators.segment_type = new_adopters.segment_type
            and segment_denominators.segment_value = new_adopters.segment_value
    where features.feature <> 'unmapped'
)

select * from final
