{{ config(
    pre_hook="{{ delete_if_config_changed('scoring_fingerprint', health_scoring_fingerprint()) }}",
    post_hook="{{ delete_rows_without_plan_day() }}",
    **upsert_config(['account_id', 'date_day'])
) }}

{#- Grain: one row per account × UTC day, dense from the account's signup date to the as-of
    date (the calendar of fct_account_engagement_daily).

    Each component's raw signal and 0-100 score (int_health__component_scores); the total is
    the weighted mean of the enabled components that have a score (weights re-normalised over
    them), banded by seed health_score_bands. Accounts still onboarding get band 'onboarding'
    and no total. Changes compare with the total 7 and 30 days earlier; the component that
    moved most has the largest absolute weighted score change over 7 days (weight × change
    of its score; ties: component key; none when nothing moved). Accounts whose subscription
    has ended are still scored (flag is_subscription_ended).

    Incremental: a row reads its own engagement row and the rows 7 and 30 days before it. A
    run finds, per account, the first day whose engagement inputs (days since signup, the
    onboarding and subscription flags, each component's raw signal) differ from the stored
    row, or that has no stored row, and writes the days from it to the as-of date, computed
    from the 30 days before them. The comparison reads every day, not only those loaded after
    a watermark: fct_account_engagement_daily rewrites an account after a subscription edit
    without a newer load time. The pre-hook empties the table when health_score_components or
    health_score_bands change (scoring_fingerprint); the post-hook deletes the rows that have
    no day in int_accounts__plan_days any more. -#}

-- depends_on: {{ ref('int_accounts__plan_days') }}
{%- set component_keys = health_component_keys() -%}
{%- set compared_days = 30 %}

with component_scores as (
    select * from {{ ref('int_health__component_scores') }}
),

engagement_daily as (
    select * from {{ ref('fct_account_engagement_daily') }}
),

bands as (
    select * from {{ ref('health_score_bands') }}
),

{% if is_incremental() %}
components as (
    select * from {{ ref('health_score_components') }}
),

-- Which components the seed configures: a stored row has no signal for the others.
configured as (
    select
        {%- for component_key in component_keys %}
        max(case when component_key = '{{ component_key }}' then 1 else 0 end) = 1 as has_{{ component_key }}
        {{- ',' if not loop.last }}
        {%- endfor %}
    from components
),

-- Per account, the first day whose inputs differ from the stored row, or that has no stored row.
changed_accounts as (
    select
        engagement_daily.account_id,
        min(engagement_daily.date_day) as written_from_date
    from engagement_daily
    cross join configured
    left join {{ this }} as stored
        on
            engagement_daily.account_id = stored.account_id
            and engagement_daily.date_day = stored.date_day
    where
        stored.account_id is null
        {%- for column in ['days_since_signup', 'is_onboarding', 'is_subscription_ended'] %}
        or not ({{ null_safe_equal('stored.' ~ column, 'engagement_daily.' ~ column) }})
        {%- endfor %}
        {%- for component_key in component_keys %}
        {%- set current_signal -%}
            case when configured.has_{{ component_key }} then {{ health_component_signal(component_key, 'engagement_daily') }} end
        {%- endset %}
        or not ({{ null_safe_equal('stored.' ~ component_key ~ '_signal', current_signal) }})
        {%- endfor %}
    group by engagement_daily.account_id
),

-- The days read: from the compared_days before the first day written.
read_accounts as (
    select
        account_id,
        written_from_date,
        cast({{ dbt.dateadd('day', -compared_days, 'written_from_date') }} as date) as read_from_date
    from changed_accounts
),

read_engagement as (
    {{ account_rows_from(
        'engagement_daily', 'date_day', 'read_accounts', 'read_from_date', ['read_accounts.written_from_date']
    ) | indent(4) }}
),

read_component_scores as (
    {{ account_rows_from('component_scores', 'date_day', 'read_accounts', 'read_from_date') | indent(4) }}
),
{% else %}
read_engagement as (
    select * from engagement_daily
),

read_component_scores as (
    select * from component_scores
),
{% endif %}

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
    from read_component_scores
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
        {%- if is_incremental() %}
        engagement_daily.written_from_date,
        {%- endif %}
        {#- clamped: weights stored as decimals sum to 1 only up to floating-point error -#}
        case
            when not engagement_daily.is_onboarding
                then least(greatest(daily_scores.weighted_score_sum / nullif(daily_scores.scored_weight, 0), 0.0), 100.0)
        end as health_score
    from read_engagement as engagement_daily
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
        cast(case when not is_onboarding then most_moved_change_7d end as {{ type_double() }}) as most_moved_weighted_change_7d,
        cast({{ health_scoring_fingerprint() }} as {{ dbt.type_string() }}) as scoring_fingerprint
    from most_moved
    {%- if is_incremental() %}
    where date_day >= written_from_date
    {%- endif %}
)

select * from final
