{{ config(materialized='view') }}

{#- One row per account × day × health-score component (seed health_score_components), on
    the dense calendar of fct_account_engagement_daily.

    The raw signal of each component key is measured here; the seed turns it into a 0-100
    score (floor_value scores 0, target_value 100, linear in between, clamped) and weights
    it. A null signal (no paid seats; no event in the last 7 days for the error rate) gives
    a null score: the component is left out of that day's total.

    A view: fct_account_health_daily reads it once, for the days it scores (an incremental
    run reads a few days of the accounts whose inputs changed). -#}

with engagement_daily as (
    select * from {{ ref('fct_account_engagement_daily') }}
),

components as (
    select * from {{ ref('health_score_components') }}
),

signals as (
    {%- for component_key in health_component_keys() %}
    select
        account_id,
        date_day,
        '{{ component_key }}' as component_key,
        {{ health_component_signal(component_key) }} as raw_signal
    from engagement_daily
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

final as (
    select
        signals.account_id,
        signals.date_day,
        signals.component_key,
        signals.raw_signal,
        cast(
            {{ health_component_score('signals.raw_signal', 'components.floor_value', 'components.target_value') }}
            as {{ type_double() }}
        ) as component_score,
        cast(components.weight as {{ type_double() }}) as weight,
        components.is_enabled
    from signals
    inner join components
        on signals.component_key = components.component_key
)

select * from final
