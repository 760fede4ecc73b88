{#- Grain: one row per feature of the taxonomy, with its module and product, plus the
    row 'unmapped' that collects events no taxonomy rule maps. Flags are true when any
    rule of the feature sets them. -#}

with taxonomy as (
    select * from {{ ref('stg_config__usage_taxonomy') }}
),

features as (
    select
        feature,
        module,
        product,
        cast(count(*) as {{ dbt.type_int() }}) as rule_count,
        bool_or(is_active_use) as is_active_use,
        bool_or(is_value_event) as is_value_event,
        bool_or(is_milestone_event) as is_milestone_event,
        max(billable_unit) as billable_unit,
        min(description) as description
    from taxonomy
    group by feature, module, product
),

unmapped as (
    select
        'unmapped' as feature,
        'unmapped' as module,
        'unmapped' as product,
        cast(0 as {{ dbt.type_int() }}) as rule_count,
        false as is_active_use,
        false as is_value_event,
        false as is_milestone_event,
        cast(null as {{ dbt.type_string() }}) as billable_unit,
        'Events that no taxonomy rule maps; see fct_unmapped_events.' as description
),

final as (
    select * from features
    union all
    select * from unmapped
)

select * from final
