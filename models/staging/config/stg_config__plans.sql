{#- The plan catalog (seed plans): tiers, list prices and included seats. -#}
with source as (
    select * from {{ ref('plans') }}
),

cleaned as (
    select
        lower(trim(plan)) as plan,
        cast(plan_tier as {{ dbt.type_int() }}) as plan_tier,
        plan_name,
        cast(list_price_per_seat as {{ dbt.type_numeric() }}) as list_price_per_seat,
        cast(included_seats as {{ dbt.type_int() }}) as included_seats,
        coalesce(is_paid, false) as is_paid
    from source
)

select * from cleaned
