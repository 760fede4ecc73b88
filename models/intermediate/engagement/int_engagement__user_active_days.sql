{{ config(
    pre_hook="{{ delete_affected_dates(ref('fct_user_daily_usage'), 'usage_date', after_newest_of='usage_date') }}",
    post_hook=["{{ delete_erased_users('user_id') }}", "{{ delete_after_as_of('usage_date') }}"],
    **partition_replace_config('usage_date')
) }}

{#- One row per user × account × UTC day with any event attributed to both, up to the
    as-of date. is_active: the user had at least one active-use event that day (the
    definition of "active" for every engagement mart).

    Incremental: every day with a row of fct_user_daily_usage loaded after the model's
    watermark is recomputed whole (partition replace on usage_date), and the days after the
    newest one it holds (the as-of date moved over them). -#}
{%- set user_daily_relation = ref('fct_user_daily_usage') -%}

with user_daily_usage as (
    select * from {{ user_daily_relation }}
    where {{ affected_dates_filter(user_daily_relation, 'usage_date', after_newest_of='usage_date') }}
),

dates as (
    select * from {{ ref('dim_dates') }}
),

user_days as (
    select
        user_id,
        account_id,
        usage_date,
        sum(event_count) as event_count,
        sum(active_event_count) as active_event_count,
        sum(value_event_count) as value_event_count,
        max(loaded_at) as loaded_at
    from user_daily_usage
    where account_id is not null
    group by
        user_id,
        account_id,
        usage_date
),

final as (
    select
        user_days.user_id,
        user_days.account_id,
        user_days.usage_date,
        dates.week_start_date,
        dates.month_start_date,
        user_days.active_event_count > 0 as is_active,
        cast(user_days.event_count as {{ dbt.type_bigint() }}) as event_count,
        cast(user_days.active_event_count as {{ dbt.type_bigint() }}) as active_event_count,
        cast(user_days.value_event_count as {{ dbt.type_bigint() }}) as value_event_count,
        user_days.loaded_at
    from user_days
    inner join dates
        on user_days.usage_date = dates.date_day
)

select * from final
