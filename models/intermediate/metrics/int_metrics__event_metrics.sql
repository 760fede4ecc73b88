{#- One row per usage event with a known account × metric it counts towards (seed
    metric_definitions), with the event's contribution to the metric.

    A metric matches on one level (feature, module, product, event name, or every event), then
    keeps only active-use events when it says so and only events whose property equals the
    filter value (compared as text). Contribution: 1 for count_events and distinct_users, the
    quantity for sum_quantity, the numeric property for sum_property (0 when missing or not a
    number). -#}
{%- set match_levels = ['feature', 'module', 'product', 'event_name'] -%}

with events as (
    select * from {{ ref('fct_usage_events') }}
),

definitions as (
    select * from {{ ref('int_metrics__definitions') }}
),

account_events as (
    select
        event_id,
        account_id,
        user_id,
        event_date,
        event_name,
        feature,
        module,
        product,
        coalesce(is_active_use, false) as is_active_use,
        quantity,
        properties
    from events
    where account_id is not null
),

{# One equi-join per level (a join on an OR of conditions would compare every event with every
    metric); match level 'all' joins every event. #}
matched as (
    {%- for level in match_levels + ['all'] %}
    select
        account_events.*,
        definitions.metric_key,
        definitions.aggregation,
        definitions.property_name,
        definitions.property_value,
        definitions.value_property,
        definitions.is_active_use_only
    from account_events
    inner join definitions
        on
            definitions.match_level = '{{ level }}'
            {%- if level != 'all' %}
            and account_events.{{ level }} = definitions.match_value
            {%- endif %}
    {%- if not loop.last %}

    union all
    {%- endif %}
    {%- endfor %}
),

filtered as (
    select
        *,
        case
            when aggregation = 'sum_property'
                then {{ try_cast_number(safe_json_extract_text('properties', 'value_property', key_is_sql=true)) }}
        end as property_number
    from matched
    where
        (is_active_use or not is_active_use_only)
        and (
            property_name is null
            or {{ safe_json_extract_text('properties', 'property_name', key_is_sql=true) }} = property_value
        )
),

final as (
    select
        event_id,
        metric_key,
        aggregation,
        account_id,
        user_id,
        event_date,
        cast(
            case aggregation
                when 'sum_quantity' then quantity
                when 'sum_property' then coalesce(property_number, 0)
                else 1
            end
            as {{ dbt.type_numeric() }}
        ) as metric_value
    from filtered
)

select * from final
