{#- One row per step of an enabled funnel (seeds funnels and funnel_steps), cleaned: codes
    trimmed, the feature lower-cased (as the taxonomy stores it), the event name trimmed,
    blank cells as null. Disabled funnels are left out here, so no funnel model sees them. -#}
with funnels as (
    select * from {{ ref('funnels') }}
),

funnel_steps as (
    select * from {{ ref('funnel_steps') }}
),

enabled_funnels as (
    select
        conversion_window_days,
        lower(trim(funnel_name)) as funnel_name
    from funnels
    where is_enabled
),

cleaned_steps as (
    select
        step_number,
        lower(trim(funnel_name)) as funnel_name,
        trim(step_name) as step_name,
        nullif(trim(event_name), '') as event_name,
        nullif(lower(trim(feature)), '') as feature,
        nullif(trim(property_name), '') as property_name,
        nullif(trim(property_value), '') as property_value
    from funnel_steps
),

step_counts as (
    select
        funnel_name,
        max(step_number) as step_count
    from cleaned_steps
    group by funnel_name
),

final as (
    select
        cast(cleaned_steps.funnel_name as {{ dbt.type_string() }}) as funnel_name,
        cast(cleaned_steps.step_number as {{ dbt.type_int() }}) as step_number,
        cast(cleaned_steps.step_name as {{ dbt.type_string() }}) as step_name,
        cast(
            case when cleaned_steps.event_name is not null then 'event_name' else 'feature' end
            as {{ dbt.type_string() }}
        ) as match_level,
        cast(cleaned_steps.event_name as {{ dbt.type_string() }}) as event_name,
        cast(cleaned_steps.feature as {{ dbt.type_string() }}) as feature,
        cast(cleaned_steps.property_name as {{ dbt.type_string() }}) as property_name,
        cast(cleaned_steps.property_value as {{ dbt.type_string() }}) as property_value,
        cast(step_counts.step_count as {{ dbt.type_int() }}) as step_count,
        cast(enabled_funnels.conversion_window_days as {{ dbt.type_int() }}) as conversion_window_days
    from cleaned_steps
    inner join enabled_funnels
        on cleaned_steps.funnel_name = enabled_funnels.funnel_name
    inner join step_counts
        on cleaned_steps.funnel_name = step_counts.funnel_name
)

select * from final
