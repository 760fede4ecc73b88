{#- Grain: one row per subscription period of an account (type-2 history of plan, seats
    and MRR). A period is valid from its start until the next period of the same account
    starts, or until its own end; the current period has valid_to null. -#}

with subscriptions as (
    select * from {{ ref('stg_app_db__subscriptions') }}
),

plans as (
    select * from {{ ref('stg_config__plans') }}
),

sequenced as (
    select
        *,
        lead(started_at) over (
            partition by account_id
            order by started_at asc, subscription_id asc
        ) as next_started_at,
        row_number() over (
            partition by account_id
            order by started_at asc, subscription_id asc
        ) as period_number
    from subscriptions
),

final as (
    select
        sequenced.subscription_id,
        sequenced.account_id,
        cast(sequenced.period_number as {{ dbt.type_int() }}) as period_number,
        sequenced.plan,
        plans.plan_tier,
        sequenced.subscription_status,
        sequenced.seats,
        cast(sequenced.mrr_amount as {{ dbt.type_numeric() }}) as mrr_amount,
        sequenced.currency,
        sequenced.started_at as valid_from,
        case
            when sequenced.next_started_at is not null and sequenced.ended_at is not null
                then least(sequenced.next_started_at, sequenced.ended_at)
            else coalesce(sequenced.next_started_at, sequenced.ended_at)
        end as valid_to,
        sequenced.next_started_at is null and sequenced.ended_at is null as is_current
    from sequenced
    left join plans
        on sequenced.plan = plans.plan
)

select * from final
