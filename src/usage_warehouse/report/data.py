"""What the usage report reads from the marts: small read-only queries, one per chart.

Every number comes from a mart as it is (windows, period-over-period changes, rates, scores);
the report only selects, filters and orders rows. The scope is the whole app (``account_id``
None) or one account.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from usage_warehouse.warehouse import query

MARTS = "usage_marts"
CONFIG = "usage_config"

# Metrics of the overview (this period against the previous one) and of the trend charts, in
# display order (keys of seeds/metric_definitions.csv). Keys missing from the warehouse are skipped.
OVERVIEW_METRICS: tuple[str, ...] = ("active_users", "events", "reports_created", "dashboard_views")
TREND_METRICS: tuple[str, ...] = (
    "active_users",
    "events",
    "reports_created",
    "dashboard_views",
    "report_views",
    "reports_shared",
    "api_calls",
    "automation_runs",
)
OVERVIEW_DAYS = 28  # days drawn in the overview (the trailing 7 days on each)
TREND_DAYS = 90  # days drawn in the trend and health charts
RETENTION_COHORTS = 12  # most recent weekly signup cohorts in the retention heatmap
REPORT_METRICS: tuple[str, ...] = tuple(dict.fromkeys(OVERVIEW_METRICS + TREND_METRICS))


class ReportError(RuntimeError):
    """The warehouse cannot produce the report asked for (missing file, table or account)."""


@dataclass(frozen=True)
class Account:
    account_id: str
    account_name: str
    plan_name: str | None
    signup_date: date
    industry: str | None


@dataclass(frozen=True)
class MetricSummary:
    """One row of fct_app_usage_metrics / fct_account_usage_metrics (7- and 30-day windows)."""

    metric_key: str
    metric_name: str
    aggregation: str
    value_7d: float
    previous_value_7d: float
    change_7d: float
    pct_change_7d: float | None
    value_30d: float
    previous_value_30d: float
    change_30d: float
    pct_change_30d: float | None


@dataclass(frozen=True)
class MetricDay:
    """One row of fct_app_metric_daily / fct_account_metric_daily."""

    metric_key: str
    metric_date: date
    metric_value: float
    trailing_7d_value: float
    trailing_7d_value_7_days_earlier: float | None


@dataclass(frozen=True)
class HealthDay:
    date_day: date
    health_score: float | None
    health_band: str


@dataclass(frozen=True)
class HealthBand:
    band: str
    min_score: float
    max_score: float


@dataclass(frozen=True)
class BandCount:
    date_day: date
    health_band: str
    account_count: int


@dataclass(frozen=True)
class Milestone:
    milestone_name: str
    sort_order: int
    target_days: int
    signup_date: date
    target_date: date
    reached_at: datetime | None
    days_from_signup: int | None
    status: str


@dataclass(frozen=True)
class MilestoneStatusCount:
    milestone_name: str
    sort_order: int
    status: str
    account_count: int


@dataclass(frozen=True)
class FunnelStep:
    funnel_name: str
    step_number: int
    step_name: str
    reached_count: int
    first_cohort_date: date


@dataclass(frozen=True)
class RetentionCell:
    cohort_start_date: date
    period_number: int
    cohort_size: int
    retained_count: int
    retention_rate: float
    is_period_complete: bool


@dataclass(frozen=True)
class ReportData:
    """Everything one report draws. ``account`` is None for the app report."""

    as_of_date: date
    account: Account | None
    metrics: list[MetricSummary]
    metric_days: list[MetricDay]
    health_days: list[HealthDay]
    health_bands: list[HealthBand]
    band_counts: list[BandCount]
    milestones: list[Milestone]
    milestone_counts: list[MilestoneStatusCount]
    funnel_steps: list[FunnelStep]
    retention: list[RetentionCell]


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _keys(keys: tuple[str, ...]) -> str:
    return ", ".join(_literal(key) for key in keys)


def _number(value: Any) -> float:
    return float(value) if isinstance(value, Decimal | int | float) else 0.0


def _optional(value: Any) -> float | None:
    return None if value is None else float(value)


class _Reader:
    def __init__(self, db_path: Path) -> None:
        self.db_path = db_path

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        try:
            return query(self.db_path, sql)
        except Exception as problem:  # duckdb raises its own hierarchy; name the file and the query
            raise ReportError(
                f"the usage report could not read the warehouse {self.db_path}: {problem}\n"
                "Build the marts first (make demo, or dbt build) and point --db at that warehouse."
            ) from problem


def _as_of_date(reader: _Reader) -> date:
    found = reader.rows(f"select max(as_of_date) from {MARTS}.fct_app_usage_metrics")
    if not found or found[0][0] is None:
        raise ReportError(f"{reader.db_path}: fct_app_usage_metrics is empty, so there is no as-of date to report on")
    as_of: date = found[0][0]
    return as_of


def _account(reader: _Reader, account_id: str) -> Account:
    found = reader.rows(
        f"""
        select account_id, account_name, plan_name, signup_date, industry
        from {MARTS}.dim_accounts
        where account_id = {_literal(account_id)}
        """
    )
    if not found:
        known = [row[0] for row in reader.rows(f"select account_id from {MARTS}.dim_accounts order by 1 limit 5")]
        raise ReportError(
            f"no account {account_id!r} in {MARTS}.dim_accounts of {reader.db_path}; "
            f"pass one of its account_id values (e.g. {', '.join(known) or 'none: the table is empty'})"
        )
    return Account(*found[0])


def _metrics(reader: _Reader, account_id: str | None) -> list[MetricSummary]:
    table, scope = _metric_scope("usage_metrics", account_id)
    rows = reader.rows(
        f"""
        select
            metric_key, metric_name, aggregation,
            value_7d, previous_value_7d, change_7d, pct_change_7d,
            value_30d, previous_value_30d, change_30d, pct_change_30d
        from {table}
        where metric_key in ({_keys(REPORT_METRICS)}) {scope}
        """
    )
    order = {key: position for position, key in enumerate(REPORT_METRICS)}
    summaries = [
        MetricSummary(
            metric_key=row[0],
            metric_name=row[1],
            aggregation=row[2],
            value_7d=_number(row[3]),
            previous_value_7d=_number(row[4]),
            change_7d=_number(row[5]),
            pct_change_7d=_optional(row[6]),
            value_30d=_number(row[7]),
            previous_value_30d=_number(row[8]),
            change_30d=_number(row[9]),
            pct_change_30d=_optional(row[10]),
        )
        for row in rows
    ]
    return sorted(summaries, key=lambda summary: order[summary.metric_key])


def _metric_scope(suffix: str, account_id: str | None) -> tuple[str, str]:
    """The metric mart of the scope (app or account) and the filter that selects it."""
    if account_id is None:
        return f"{MARTS}.fct_app_{suffix}", ""
    return f"{MARTS}.fct_account_{suffix}", f"and account_id = {_literal(account_id)}"


def _metric_days(reader: _Reader, account_id: str | None, as_of: date) -> list[MetricDay]:
    table, scope = _metric_scope("metric_daily", account_id)
    rows = reader.rows(
        f"""
        select metric_key, metric_date, metric_value, trailing_7d_value, trailing_7d_value_7_days_earlier
        from {table}
        where metric_key in ({_keys(REPORT_METRICS)})
            and metric_date > date '{as_of.isoformat()}' - {TREND_DAYS} {scope}
        order by metric_key, metric_date
        """
    )
    return [MetricDay(row[0], row[1], _number(row[2]), _number(row[3]), _optional(row[4])) for row in rows]


def _health_days(reader: _Reader, account_id: str, as_of: date) -> list[HealthDay]:
    rows = reader.rows(
        f"""
        select date_day, health_score, health_band
        from {MARTS}.fct_account_health_daily
        where account_id = {_literal(account_id)}
            and date_day > date '{as_of.isoformat()}' - {TREND_DAYS}
        order by date_day
        """
    )
    return [HealthDay(row[0], _optional(row[1]), row[2]) for row in rows]


def _health_bands(reader: _Reader) -> list[HealthBand]:
    rows = reader.rows(f"select band, min_score, max_score from {CONFIG}.health_score_bands order by min_score")
    return [HealthBand(row[0], float(row[1]), float(row[2])) for row in rows]


def _band_counts(reader: _Reader, as_of: date) -> list[BandCount]:
    rows = reader.rows(
        f"""
        select date_day, health_band, count(*) as account_count
        from {MARTS}.fct_account_health_daily
        where date_day > date '{as_of.isoformat()}' - {TREND_DAYS}
        group by date_day, health_band
        order by date_day, health_band
        """
    )
    return [BandCount(row[0], row[1], int(row[2])) for row in rows]


def _milestones(reader: _Reader, account_id: str) -> list[Milestone]:
    rows = reader.rows(
        f"""
        select
            milestone_name, sort_order, target_days, signup_date, target_date,
            reached_at, days_from_signup, status
        from {MARTS}.fct_account_milestones
        where account_id = {_literal(account_id)}
        order by sort_order
        """
    )
    return [Milestone(*row) for row in rows]


def _milestone_counts(reader: _Reader) -> list[MilestoneStatusCount]:
    rows = reader.rows(
        f"""
        select milestone_name, sort_order, status, count(*) as account_count
        from {MARTS}.fct_account_milestones
        group by milestone_name, sort_order, status
        order by sort_order, status
        """
    )
    return [MilestoneStatusCount(row[0], row[1], row[2], int(row[3])) for row in rows]


def _funnel_steps(reader: _Reader) -> list[FunnelStep]:
    # Every user enters a funnel once, so the monthly cohorts add up to everyone who entered.
    rows = reader.rows(
        f"""
        select funnel_name, step_number, step_name, sum(reached_count) as reached_count,
            min(cohort_start_date) as first_cohort_date
        from {MARTS}.fct_funnel_conversions
        where entity_type = 'user' and cohort_grain = 'month' and segment_type = 'all'
        group by funnel_name, step_number, step_name
        order by funnel_name, step_number
        """
    )
    return [FunnelStep(row[0], row[1], row[2], int(row[3]), row[4]) for row in rows]


def _retention(reader: _Reader) -> list[RetentionCell]:
    rows = reader.rows(
        f"""
        with cohorts as (
            select *
            from {MARTS}.fct_retention_cohorts
            where cohort_type = 'signup' and entity_type = 'user' and cohort_grain = 'week'
        ),

        recent as (
            select distinct cohort_start_date
            from cohorts
            order by cohort_start_date desc
            limit {RETENTION_COHORTS}
        )

        select
            cohorts.cohort_start_date, cohorts.period_number, cohorts.cohort_size,
            cohorts.retained_count, cohorts.retention_rate, cohorts.is_period_complete
        from cohorts
        inner join recent on cohorts.cohort_start_date = recent.cohort_start_date
        where cohorts.period_started_count > 0
        order by cohorts.cohort_start_date, cohorts.period_number
        """
    )
    return [RetentionCell(row[0], row[1], int(row[2]), int(row[3]), float(row[4]), bool(row[5])) for row in rows]


def load_report_data(db_path: str | Path, account_id: str | None = None) -> ReportData:
    """Read what the report draws for the app (``account_id`` None) or for one account."""
    path = Path(db_path)
    if not path.exists():
        raise ReportError(f"no warehouse at {path}: build one first (make demo, or dbt build), or pass --db")
    reader = _Reader(path)
    as_of = _as_of_date(reader)
    account = None if account_id is None else _account(reader, account_id)
    is_app = account_id is None
    return ReportData(
        as_of_date=as_of,
        account=account,
        metrics=_metrics(reader, account_id),
        metric_days=_metric_days(reader, account_id, as_of),
        health_days=[] if account_id is None else _health_days(reader, account_id, as_of),
        health_bands=_health_bands(reader),
        band_counts=_band_counts(reader, as_of) if is_app else [],
        milestones=[] if account_id is None else _milestones(reader, account_id),
        milestone_counts=_milestone_counts(reader) if is_app else [],
        funnel_steps=_funnel_steps(reader) if is_app else [],
        retention=_retention(reader) if is_app else [],
    )
