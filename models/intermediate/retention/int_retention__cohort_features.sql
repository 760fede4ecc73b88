{#- One row per feature of var retention_cohort_features: the features whose first active use
    starts a feature_first_use cohort. Joined to dim_features so that a feature the taxonomy
    does not know, or one without any active-use rule (its cohort could never have a member),
    fails the tests of this model with the feature named. -#}

with features as (
    select * from {{ ref('dim_features') }}
),

configured as (
    {%- for feature in retention_cohort_features() %}
    select
        cast('{{ feature }}' as {{ dbt.type_string() }}) as feature,
        cast({{ loop.index }} as {{ dbt.type_int() }}) as config_position
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

final as (
    select
        configured.feature,
        configured.config_position,
        features.module,
        features.product,
        coalesce(features.is_active_use, false) as has_active_use_rule
    from configured
    left join features
        on configured.feature = features.feature
)

select * from final
