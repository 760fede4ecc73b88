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

daily_scores as (
    select
        account_id,
        date_day,
        {%- for component_key in component_keys %}
        max(case when component_key = '{{ component_key }}' then raw_signal end) as {{ component_key }}_signal,
        max(case when component_key = '{{ component_key }}' then component_score end) as {{ component_key }}_score,
        max(case when component_key = '{{ component_key }}' and is_enabled then weight end) as {{ component_key }}_enabled_weight,
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
        daily_scores.{{ component_key }}_enabled_weight,
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

-- The score 7 and 30 days earlier, and each enabled component's weighted score change over 7
-- days (weight x change of its score; none without a score on either day).
compared as (
    select
        banded.*,
        {%- for component_key in component_keys %}
        banded.{{ component_key }}_enabled_weight * (
            banded.{{ component_key }}_score - prior_7d.{{ component_key }}_score
        ) as {{ component_key }}_weighted_change_7d,
        {%- endfor %}
        prior_7d.health_score as health_score_7d_before,
        prior_30d.health_score as health_score_30d_before
    from banded
    left join banded as prior_7d
        on
            banded.account_id = prior_7d.account_id
            and prior_7d.date_day = cast({{ dbt.dateadd('day', -7, 'banded.date_day') }} as date)
    left join banded as prior_30d
        on
            banded.account_id = prior_30d.account_id
            and prior_30d.date_day = cast({{ dbt.dateadd('day', -30, 'banded.date_day') }} as date)
),

-- The largest absolute change that is not zero; the component that moved most is the first
-- (by component key) with that change.
ranked as (
    select
        *,
        greatest(
            {%- for component_key in component_keys %}
            abs(nullif({{ component_key }}_weighted_change_7d, 0)){{ ',' if not loop.last }}
            {%- endfor %}
        ) as largest_change_7d
    from compared
),

most_moved as (
    select
        *,
        case
            {%- for component_key in component_keys | sort %}
            when abs({{ component_key }}_weighted_change_7d) = largest_change_7d then '{{ component_key }}'
            {%- endfor %}
        end as most_moved_key,
        case
            {%- for component_key in component_keys | sort %}
            when abs({{ component_key }}_weighted_change_7d) = largest_change_7d then {{ component_key }}_weighted_change_7d
            {%- endfor %}
        end as most_moved_change_7d
    from ranked
),

final as (
    select
        account_id,
        date_day,
        cast(days_since_signup as {{ dbt.type_int() }}) as days_since_signup,
        is_onboarding,
        is_subscription_ended,
        {%- for component_key in component_keys %}
        cast({{ component_key }}_signal as {{ type_double() }}) as {{ component_key }}_signal,
        cast({{ component_key }}_score as {{ type_double() }}) as {{ component_key }}_score,
        {%- endfor %}
        cast(scored_weight as {{ type_double() }}) as scored_weight,
        cast(health_score as {{ type_double() }}) as health_score,
        cast(health_band as {{ dbt.type_string() }}) as health_band,
        cast(health_score - health_score_7d_before as {{ type_double() }}) as health_score_change_7d,
        cast(health_score - health_score_30d_before as {{ type_double() }}) as health_score_change_30d,
        cast(case when not is_onboarding then most_moved_key end as {{ dbt.type_string() }}) as most_moved_component_key,
        cast(case when not is_onboarding then most_moved_change_7d end as {{ type_double() }}) as most_moved_weighted_change_7d
    from most_moved
)

select * from final
