{#- Grain: one row per account × UTC day, dense from the account's signup date to the as-of
    date (the calendar of fct_account_engagement_daily).

    Each component's raw signal and 0-100 score (int_health__component_scores); the total is
    the weighted mean of the enabled components that have a score (weights re-normalised over
    them), banded by seed health_score_bands. Accounts still onboarding get band 'onboarding'
    and no total. Changes compare with the total 7 and 30 days earlier; the component that
    moved most has the largest absolute weighted score change over 7 days (weight × change
    of its score; ties: component key; none when nothing moved). Accounts whose subscription
    has ended are still scored (flag is_subscription_ended). -#}

{%- set component_keys = health_component_keys() -%}

with component_scores as (
    select * from {{ ref('int_health__component_scores') }}
),

engagement_daily as (
    select * from {{ ref('fct_account_engagement_daily') }}
),

bands as (
    select * from {{ ref('health_score_bands') }}
),

component_changes as (
    select
        current_scores.account_id,
        current_scores.date_day,
        current_scores.component_key,
        case
            when current_scores.is_enabled
                then current_scores.weight * (current_scores.component_score - prior_scores.component_score)
        end as weighted_change_7d
    from component_scores as current_scores
    inner join component_scores as prior_scores
        on
            current_scores.account_id = prior_scores.account_id
            and current_scores.component_key = prior_scores.component_key
            and prior_scores.date_day = cast({{ dbt.dateadd('day', -7, 'current_scores.date_day') }} as date)
),

ranked_changes as (
    select
        account_id,
        date_day,
        component_key,
        weighted_change_7d,
        row_number() over (
            partition by account_id, date_day
            order by abs(weighted_change_7d) desc nulls last, component_key asc nulls last
        ) as change_rank
    from component_changes
    where weighted_change_7d <> 0
),

daily_scores as (
    select
        account_id,
        date_day,
        {%- for component_key in component_keys %}
        max(case when component_key = '{{ component_key }}' then raw_signal end) as {{ component_key }}_signal,
        max(case when component_key = '{{ component_key }}' then component_score end) as {{ component_key }}_score,
        {%- endfor %}
        {#- summed as exact decimals: a sum of doubles depends on the order of the rows -#}
        cast(sum(
            case when is_enabled and component_score is not null then cast(weight * component_score as decimal(38, 12)) end
        ) as {{ type_double() }}) as weighted_score_sum,
        cast(sum(
            case when is_enabled and component_score is not null then cast(weight as decimal(38, 12)) end
        ) as {{ type_double() }}) as scored_weight
    from component_scores
    group by
        account_id,
        date_day
),

scored as (
    select
        engagement_daily.account_id,
        engagement_daily.date_day,
        engagement_daily.days_since_signup,
        engagement_daily.is_onboarding,
        {%- for component_key in component_keys %}
        daily_scores.{{ component_key }}_signal,
        daily_scores.{{ component_key }}_score,
        {%- endfor %}
        daily_scores.scored_weight,
        engagement_daily.is_subscription_ended,
        {#- clamped: weights stored as decimals sum to 1 only up to floating-point error -#}
        case
            when not engagement_daily.is_onboarding
                then least(greatest(daily_scores.weighted_score_sum / nullif(daily_scores.scored_weight, 0), 0.0), 100.0)
        end as health_score
    from engagement_daily
    left join daily_scores
        on
            engagement_daily.account_id = daily_scores.account_id
            and engagement_daily.date_day = daily_scores.date_day
),

banded as (
    select
        scored.*,
        case
            when scored.is_onboarding then 'onboarding'
            when scored.health_score is null then 'no_data'
            else coalesce(bands.band, 'unbanded')
        end as health_band
    from scored
    left join bands
        on
            scored.health_score >= bands.min_score
            and (
                scored.health_score < bands.max_score
                or (scored.health_score = bands.max_score and bands.max_score >= 100)
            )
),

final as (
    select
        banded.account_id,
        banded.date_day,
        cast(banded.days_since_signup as {{ dbt.type_int() }}) as days_since_signup,
        banded.is_onboarding,
        banded.is_subscription_ended,
        {%- for component_key in component_keys %}
        cast(banded.{{ component_key }}_signal as {{ type_double() }}) as {{ component_key }}_signal,
        cast(banded.{{ component_key }}_score as {{ type_double() }}) as {{ component_key }}_score,
        {%- endfor %}
        cast(banded.scored_weight as {{ type_double() }}) as scored_weight,
        cast(banded.health_score as {{ type_double() }}) as health_score,
        cast(banded.health_band as {{ dbt.type_string() }}) as health_band,
        cast(banded.health_score - prior_7d.health_score as {{ type_double() }}) as health_score_change_7d,
        cast(banded.health_score - prior_30d.health_score as {{ type_double() }}) as health_score_change_30d,
        cast(
            case when not banded.is_onboarding then ranked_changes.component_key end as {{ dbt.type_string() }}
        ) as most_moved_component_key,
        cast(
            case when not banded.is_onboarding then ranked_changes.weighted_change_7d end as {{ type_double() }}
        ) as most_moved_weighted_change_7d
    from banded
    left join banded as prior_7d
        on
            banded.account_id = prior_7d.account_id
            and prior_7d.date_day = cast({{ dbt.dateadd('day', -7, 'banded.date_day') }} as date)
    left join banded as prior_30d
        on
            banded.account_id = prior_30d.account_id
            and prior_30d.date_day = cast({{ dbt.dateadd('day', -30, 'banded.date_day') }} as date)
    left join ranked_changes
        on
            banded.account_id = ranked_changes.account_id
            and banded.date_day = ranked_changes.date_day
            and ranked_changes.change_rank = 1
)

select * from final
