"""The built warehouse: its main tables and read-only access to them."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import duckdb

MART_TABLES: tuple[str, ...] = (
    "usage_marts.fct_usage_events",
    "usage_marts.fct_account_daily_usage",
    "usage_marts.fct_account_daily_module_usage",
    "usage_marts.fct_account_daily_product_usage",
    "usage_marts.fct_user_daily_usage",
    "usage_marts.dim_accounts",
    "usage_marts.dim_account_plan_history",
    "usage_marts.dim_users",
    "usage_marts.dim_features",
    "usage_marts.dim_dates",
    "usage_marts.fct_account_usage_metrics",
    "usage_marts.fct_account_metric_daily",
    "usage_marts.fct_app_usage_metrics",
    "usage_marts.fct_app_metric_daily",
    "usage_marts.fct_account_engagement_daily",
    "usage_marts.fct_user_lifecycle",
    "usage_marts.fct_account_lifecycle",
    "usage_marts.fct_feature_adoption",
    "usage_marts.fct_account_feature_breadth",
    "usage_marts.fct_account_power_users",
    "usage_marts.fct_segment_engagement",
    "usage_marts.fct_account_health_daily",
    "usage_marts.fct_account_milestones",
    "usage_marts.fct_onboarding_cohorts",
    "usage_marts.fct_account_alerts",
    "usage_marts.fct_account_billable_usage",
    "usage_marts.fct_sessions",
    "usage_marts.fct_page_views",
    "usage_marts.fct_page_transitions",
    "usage_marts.fct_event_transitions",
    "usage_marts.fct_funnel_conversions",
    "usage_marts.fct_retention_cohorts",
    "usage_marts.fct_feature_retention",
    "usage_audit.fct_source_row_accounting",
    "usage_audit.fct_quarantined_rows",
    "usage_audit.fct_unmapped_events",
    "usage_audit.fct_unprocessed_raw_rows",
)

# The incremental tables below the marts and the audit's per-day counts, compared with a
# full build as the marts are (int_sessions__clickstream_events is not: two of its columns
# are run history).
INCREMENTAL_UPSTREAM_TABLES: tuple[str, ...] = (
    "usage_staging.stg_segment__tracks",
    "usage_staging.stg_segment__pages",
    "usage_staging.stg_segment__identifies",
    "usage_staging.stg_segment__groups",
    "usage_staging.stg_server_logs__log_events",
    "usage_intermediate.int_identity__anonymous_users",
    "usage_intermediate.int_metrics__user_daily",
    "usage_intermediate.int_metrics__account_daily",
    "usage_intermediate.int_metrics__account_user_daily",
    "usage_intermediate.int_funnels__step_events",
    "usage_intermediate.int_alerts__account_daily_operations",
    "usage_intermediate.int_engagement__user_active_days",
    "usage_intermediate.int_retention__activity_days",
    "usage_intermediate.int_retention__feature_periods",
    "usage_audit.fct_load_day_accounting",
)

# Columns that record when a run wrote the row, left out when two builds are compared.
RUN_HISTORY_COLUMNS: dict[str, tuple[str, ...]] = {
    "usage_audit.fct_load_day_accounting": ("audited_at",),
}


def remove_database(db_path: Path) -> None:
    """Delete a DuckDB file and its write-ahead log, where they exist."""
    for path in (db_path, db_path.with_name(db_path.name + ".wal")):
        path.unlink(missing_ok=True)


def copy_database(source: Path, destination: Path) -> None:
    """Copy a DuckDB file (checkpointed: no write-ahead log) and wait until the copy is on disk.

    A copy of gigabytes sits in the page cache for seconds; the first commit of a build on it
    (DuckDB syncs its write-ahead log) then waits for that write-back. Synced here, a timed
    build that starts from the copy does not pay for writing the copy."""
    shutil.copyfile(source, destination)
    with destination.open("rb+") as copied:
        os.fsync(copied.fileno())


def query(db_path: str | Path, sql: str) -> list[tuple[Any, ...]]:
    """Run one query on the warehouse file, read-only."""
    with duckdb.connect(str(db_path), read_only=True) as con:
        return con.execute(sql).fetchall()


def table_rows(db_path: str | Path, table: str) -> list[tuple[Any, ...]]:
    """Every row of a table, in a total order, without its run-history columns (for
    comparing two builds)."""
    excluded = RUN_HISTORY_COLUMNS.get(table)
    columns = f"* exclude ({', '.join(excluded)})" if excluded else "*"
    return query(db_path, f"select {columns} from {table} order by all")
