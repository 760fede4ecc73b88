{#- Grain: one row per segment (segment_type all / plan / industry / size_band × its value)
    as of the as-of date.

    Accounts compared: those on the as-of date that are past onboarding, have a subscription
    that has not ended, and are not deleted. Plan and paid seats are those in force on the
    as-of date; the size band comes from seed account_size_bands ('unknown' without seats). -#}

with engagement_daily as (
    select * from {{ ref('fct_account_engagement_daily') }}
),

dates as (
    select * from {{ ref('dim_dates') }}
),

accounts as (
    select * from {{ ref('dim_accounts') }}
),

size_bands as (
    select * from {{ ref('account_size_bands') }}
),

features as (
    select * from {{ ref('dim_features') }}
),

catalog as (
    select count(distinct feature) as available_feature_count
    from features
    where feature <> 'unmapped'
),

as_of_accounts as (
    select
        engagement_daily.account_id,
        engagement_daily.date_day as as_of_date,
        engagement_daily.plan,
        coalesce(accounts.industry, 'unknown') as industry,
        coalesce(size_bands.size_band, 'unknown') as size_band,
        engagement_daily.mau,
        engagement_daily.stickiness,
        engagement_daily.seat_utilization,
        engagement_daily.features_used_28d,
        engagement_daily.features_used_28d * 1.0 / nullif(catalog.available_feature_count, 0) as feature_breadth_share
    from engagement_daily
    inner join dates
        on
            engagement_daily.date_day = dates.date_day
            and dates.is_as_of_date
    inner join accounts
        on engagement_daily.account_id = accounts.account_id
    cross join catalog
    left join size_bands
        on
            engagement_daily.paid_seats >= size_bands.min_seats
            and (size_bands.max_seats is null or engagement_daily.paid_seats <= size_bands.max_seats)
    where
        not engagement_daily.is_onboarding
        and not engagement_daily.is_subscription_ended
        and not accounts.is_deleted
),

segmented as (
    select
        'all' as segment_type,
        'all' as segment_value,
        as_of_accounts.*
    from as_of_accounts
    union all
    select
        'plan' as segment_type,
        coalesce(plan, 'unknown') as segment_value,
        as_of_accounts.*
    from as_of_accounts
    union all
    select
        'industry' as segment_type,
        industry as segment_value,
        as_of_accounts.*
    from as_of_accounts
    union all
    select
        'size_band' as segment_type,
        size_band as segment_value,
        as_of_accounts.*
    from as_of_accounts
),

final as (
    select
        cast(segment_type as {{ dbt.type_string() }}) as segment_type,
        cast(segment_value as {{ dbt.type_string() }}) as segment_value,
        max(as_of_date) as as_of_date,
        cast(count(*) as {{ dbt.type_bigint() }}) as account_count,
        cast(sum(case when mau > 0 then 1 else 0 end) as {{ dbt.type_bigint() }}) as active_account_count,
        cast(percentile_cont(0.5) within group (order by stickiness) as {{ type_double() }}) as median_stickiness,
        cast(percentile_cont(0.5) within group (order by seat_utilization) as {{ type_double() }}) as median_seat_utilization,
        cast(percentile_cont(0.5) within group (order by features_used_28d) as {{ type_double() }}) as median_features_used_28d,
        cast(
            percentile_cont(0.5) within group (order by feature_breadth_share) as {{ type_double() }}
        ) as median_feature_breadth_share
    from segmented
    group by
        segment_type,
        segment_value
)

select * from final
