{#- The usage metrics (seed metric_definitions), cleaned: codes trimmed and lower-cased,
    blank filters as null, the active-use flag defaulted to false. A feature, module or
    product is matched lower-cased (as the taxonomy stores it); an event name exactly. -#}
with source as (
    select * from {{ ref('metric_definitions') }}
),

cleaned as (
    select
        description,
        lower(trim(metric_key)) as metric_key,
        trim(metric_name) as metric_name,
        lower(trim(match_level)) as match_level,
        case
            when lower(trim(match_level)) = 'event_name' then nullif(trim(match_value), '')
            else nullif(lower(trim(match_value)), '')
        end as match_value,
        nullif(trim(property_name), '') as property_name,
        nullif(trim(property_value), '') as property_value,
        lower(trim(aggregation)) as aggregation,
        nullif(trim(value_property), '') as value_property,
        coalesce(is_active_use_only, false) as is_active_use_only
    from source
),

final as (
    select
        cast(metric_key as {{ dbt.type_string() }}) as metric_key,
        cast(metric_name as {{ dbt.type_string() }}) as metric_name,
        cast(description as {{ dbt.type_string() }}) as description,
        cast(match_level as {{ dbt.type_string() }}) as match_level,
        cast(match_value as {{ dbt.type_string() }}) as match_value,
        cast(property_name as {{ dbt.type_string() }}) as property_name,
        cast(property_value as {{ dbt.type_string() }}) as property_value,
        cast(aggregation as {{ dbt.type_string() }}) as aggregation,
        cast(value_property as {{ dbt.type_string() }}) as value_property,
        is_active_use_only
    from cleaned
)

select * from final
