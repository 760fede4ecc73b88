{#- Daily row volume per group (e.g. per source) has no sudden drop or surge.

    Each evaluated day is compared with the same weekday of the previous `history_periods`
    weeks (`seasonality_days` = 7), so an ordinary weekly pattern (quiet weekends) is not an
    anomaly. A day fails when its count is below the baseline mean divided by `max_ratio`
    (a drop) or above the mean times `max_ratio` (a surge), AND differs from the mean by more
    than `sensitivity` standard deviations of the history (at least sqrt(mean), the
    counting noise of a Poisson count). The ratio keeps growth and ordinary wobbles quiet;
    the deviation keeps a noisy history from flagging. Groups whose baseline is below
    `min_expected_count` rows a day are too small to judge. Days with no rows at all count
    as zero, so a source that stops while others go on is caught.

    Only the last `evaluate_days` days are judged (older anomalies are history, not news),
    and the newest day is skipped when `exclude_latest_day` (it is usually still landing).
    Each failing row names the group, the day, the count, the expected count and the direction. -#}
{% test volume_anomaly(
    model,
    date_column,
    group_by=none,
    sensitivity=3,
    max_ratio=2,
    min_expected_count=50,
    seasonality_days=7,
    history_periods=4,
    min_history_periods=3,
    evaluate_days=14,
    exclude_latest_day=true
) %}

with daily as (
    select
        {{ group_by if group_by else "'(all)'" }} as volume_group,
        cast({{ date_column }} as date) as volume_date,
        count(*) as row_count
    from {{ model }}
    where {{ date_column }} is not null
    group by 1, 2
),

days as (
    select distinct volume_date from daily
),

group_starts as (
    select
        volume_group,
        min(volume_date) as first_date
    from daily
    group by volume_group
),

dense as (
    select
        group_starts.volume_group,
        days.volume_date,
        coalesce(daily.row_count, 0) as row_count
    from group_starts
    inner join days
        on days.volume_date >= group_starts.first_date
    left join daily
        on
            group_starts.volume_group = daily.volume_group
            and days.volume_date = daily.volume_date
),

latest as (
    select max(volume_date) as latest_date from days
),

evaluated as (
    select dense.*
    from dense
    cross join latest
    where
        dense.volume_date > {{ dbt.dateadd('day', -evaluate_days - (1 if exclude_latest_day else 0), 'latest.latest_date') }}
        {% if exclude_latest_day %}
            and dense.volume_date < latest.latest_date
        {% endif %}
),

baseline as (
    select
        evaluated.volume_group,
        evaluated.volume_date,
        evaluated.row_count,
        avg(cast(history.row_count as {{ type_double() }})) as expected_count,
        stddev_samp(cast(history.row_count as {{ type_double() }})) as history_stddev,
        count(*) as history_days
    from evaluated
    inner join dense as history
        on
            evaluated.volume_group = history.volume_group
            and {{ dbt.datediff('history.volume_date', 'evaluated.volume_date', 'day') }}
            between {{ seasonality_days }} and {{ seasonality_days * history_periods }}
            and mod({{ dbt.datediff('history.volume_date', 'evaluated.volume_date', 'day') }}, {{ seasonality_days }}) = 0
    group by evaluated.volume_group, evaluated.volume_date, evaluated.row_count
)

select
    volume_group,
    volume_date,
    row_count,
    expected_count,
    history_stddev,
    history_days,
    case when row_count < expected_count then 'drop' else 'surge' end as direction
from baseline
where
    history_days >= {{ min_history_periods }}
    and expected_count >= {{ min_expected_count }}
    and (row_count * {{ max_ratio }} < expected_count or row_count > expected_count * {{ max_ratio }})
    and abs(row_count - expected_count) > {{ sensitivity }} * greatest(coalesce(history_stddev, 0), sqrt(expected_count))

{% endtest %}
