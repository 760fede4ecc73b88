{{ config(
    pre_hook="{{ delete_if_config_changed('definitions_fingerprint', config_fingerprint(ref('int_metrics__definitions'))) }}",
    post_hook="{{ delete_erased_users('user_id') }}",
    **partition_replace_config('metric_date')
) }}

{#- Grain: one row per account × distinct_users metric × user × UTC day on which the user had a
    matching event.

    Distinct users over a window of days are counted from these rows (a user active on three
    days of a week is one user of the week), never summed from daily counts. Only metrics with
    aggregation distinct_users, and only events with a known user. Incremental: the days
    int_metrics__user_daily rewrote since this model's watermark are recomputed whole. -#}
{%- set user_daily_relation = ref('int_metrics__user_daily') -%}

{%- set fingerprint = config_fingerprint(ref('int_metrics__definitions')) -%}
{#- The rows the pre-hook keeps: written with the current configuration. -#}
{%- set current_config_rows = 'definitions_fingerprint = ' ~ fingerprint -%}

with user_daily as (
    select * from {{ user_daily_relation }}
    where {{ affected_dates_filter(user_daily_relation, 'metric_date', watermark_condition=current_config_rows) }}
),

final as (
    select
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        cast(metric_key as {{ dbt.type_string() }}) as metric_key,
        cast(user_id as {{ dbt.type_string() }}) as user_id,
        cast(metric_date as date) as metric_date,
        cast(event_count as {{ dbt.type_bigint() }}) as event_count,
        cast(loaded_at as {{ dbt.type_timestamp() }}) as loaded_at,
        {{ fingerprint }} as definitions_fingerprint
    from user_daily
    where
        aggregation = 'distinct_users'
        and user_id is not null
)

select * from final
