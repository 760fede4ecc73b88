{#- The customer's tracking plan (seed usage_taxonomy), cleaned: one row per
    (source, event name, optional property condition). -#}
with source as (
    select * from {{ ref('usage_taxonomy') }}
),

cleaned as (
    select
        {{ dbt.hash(dbt.concat([
            "lower(trim(source))", "'|'", "trim(event_name)", "'|'",
            "coalesce(trim(property_name), '')", "'|'", "coalesce(trim(property_value), '')",
        ])) }} as taxonomy_rule_id,
        lower(trim(source)) as source,
        trim(event_name) as event_name,
        nullif(trim(property_name), '') as property_name,
        nullif(trim(property_value), '') as property_value,
        lower(trim(feature)) as feature,
        lower(trim(module)) as module,
        lower(trim(product)) as product,
        coalesce(is_active_use, false) as is_active_use,
        coalesce(is_value_event, false) as is_value_event,
        coalesce(is_milestone_event, false) as is_milestone_event,
        nullif(lower(trim(billable_unit)), '') as billable_unit,
        nullif(trim(quantity_property), '') as quantity_property,
        description
    from source
)

select * from cleaned
