"""The raw landing contract: every table the warehouse reads, with its columns and types.

This module is the single source of truth for the raw layer. The demo generator, the
test fixtures and the loaders create tables from it, and ``docs/raw_landing_contract.md``
describes the same columns for people. Types are DuckDB types; other engines map them in
the loaders.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb


@dataclass(frozen=True)
class RawTable:
    """One raw landing table: where it lives, its columns and the column that says when a row landed."""

    schema: str
    name: str
    columns: tuple[tuple[str, str], ...]
    loaded_at_column: str

    @property
    def qualified_name(self) -> str:
        return f"{self.schema}.{self.name}"

    @property
    def column_names(self) -> list[str]:
        return [name for name, _ in self.columns]

    def create_sql(self) -> str:
        cols = ",\n    ".join(f"{name} {sql_type}" for name, sql_type in self.columns)
        return f"create table if not exists {self.qualified_name} (\n    {cols}\n)"


SEGMENT_SCHEMA = "raw_segment"
SERVER_LOGS_SCHEMA = "raw_server_logs"
APP_SCHEMA = "raw_app"

# Columns that Segment's warehouse connector writes on every call type.
_SEGMENT_COMMON: tuple[tuple[str, str], ...] = (
    ("id", "varchar"),
    ("anonymous_id", "varchar"),
    ("user_id", "varchar"),
    ("timestamp", "timestamp"),
    ("original_timestamp", "timestamp"),
    ("sent_at", "timestamp"),
    ("received_at", "timestamp"),
    ("uuid_ts", "timestamp"),
    ("context_library_name", "varchar"),
    ("context_library_version", "varchar"),
    ("context_ip", "varchar"),
    ("context_user_agent", "varchar"),
    ("context_page_path", "varchar"),
    ("context_page_url", "varchar"),
    ("context_page_referrer", "varchar"),
    ("context_page_title", "varchar"),
    ("context_campaign_name", "varchar"),
    ("context_campaign_source", "varchar"),
    ("context_campaign_medium", "varchar"),
)

SEGMENT_TRACKS = RawTable(
    SEGMENT_SCHEMA,
    "tracks",
    (*_SEGMENT_COMMON, ("event", "varchar"), ("event_text", "varchar"), ("properties", "varchar")),
    "uuid_ts",
)
SEGMENT_PAGES = RawTable(
    SEGMENT_SCHEMA,
    "pages",
    (
        *_SEGMENT_COMMON,
        ("name", "varchar"),
        ("path", "varchar"),
        ("url", "varchar"),
        ("referrer", "varchar"),
        ("title", "varchar"),
        ("search", "varchar"),
        ("properties", "varchar"),
    ),
    "uuid_ts",
)
SEGMENT_IDENTIFIES = RawTable(SEGMENT_SCHEMA, "identifies", (*_SEGMENT_COMMON, ("traits", "varchar")), "uuid_ts")
SEGMENT_GROUPS = RawTable(
    SEGMENT_SCHEMA, "groups", (*_SEGMENT_COMMON, ("group_id", "varchar"), ("traits", "varchar")), "uuid_ts"
)

SERVER_LOG_LINES = RawTable(
    SERVER_LOGS_SCHEMA,
    "log_lines",
    (
        ("line_text", "varchar"),
        ("log_file", "varchar"),
        ("line_number", "bigint"),
        ("_loaded_at", "timestamp"),
    ),
    "_loaded_at",
)

APP_ACCOUNTS = RawTable(
    APP_SCHEMA,
    "accounts",
    (
        ("id", "varchar"),
        ("name", "varchar"),
        ("plan", "varchar"),
        ("seats", "integer"),
        ("industry", "varchar"),
        ("country", "varchar"),
        ("created_at", "timestamp"),
        ("updated_at", "timestamp"),
        ("deleted_at", "timestamp"),
        ("_loaded_at", "timestamp"),
    ),
    "_loaded_at",
)
APP_USERS = RawTable(
    APP_SCHEMA,
    "users",
    (
        ("id", "varchar"),
        ("account_id", "varchar"),
        ("email", "varchar"),
        ("full_name", "varchar"),
        ("role", "varchar"),
        ("created_at", "timestamp"),
        ("updated_at", "timestamp"),
        ("deactivated_at", "timestamp"),
        ("_loaded_at", "timestamp"),
    ),
    "_loaded_at",
)
APP_SUBSCRIPTIONS = RawTable(
    APP_SCHEMA,
    "subscriptions",
    (
        ("id", "varchar"),
        ("account_id", "varchar"),
        ("plan", "varchar"),
        ("status", "varchar"),
        ("seats", "integer"),
        ("mrr_amount", "decimal(12,2)"),
        ("currency", "varchar"),
        ("started_at", "timestamp"),
        ("ended_at", "timestamp"),
        ("created_at", "timestamp"),
        ("updated_at", "timestamp"),
        ("_loaded_at", "timestamp"),
    ),
    "_loaded_at",
)
APP_REPORTS = RawTable(
    APP_SCHEMA,
    "reports",
    (
        ("id", "varchar"),
        ("account_id", "varchar"),
        ("created_by_user_id", "varchar"),
        ("report_type", "varchar"),
        ("created_at", "timestamp"),
        ("updated_at", "timestamp"),
        ("_loaded_at", "timestamp"),
    ),
    "_loaded_at",
)
APP_INTEGRATIONS = RawTable(
    APP_SCHEMA,
    "integrations",
    (
        ("id", "varchar"),
        ("account_id", "varchar"),
        ("connected_by_user_id", "varchar"),
        ("provider", "varchar"),
        ("connected_at", "timestamp"),
        ("disconnected_at", "timestamp"),
        ("_loaded_at", "timestamp"),
    ),
    "_loaded_at",
)
APP_INVITATIONS = RawTable(
    APP_SCHEMA,
    "invitations",
    (
        ("id", "varchar"),
        ("account_id", "varchar"),
        ("invited_by_user_id", "varchar"),
        ("invitee_email", "varchar"),
        ("role", "varchar"),
        ("created_at", "timestamp"),
        ("accepted_at", "timestamp"),
        ("_loaded_at", "timestamp"),
    ),
    "_loaded_at",
)
APP_DATA_IMPORTS = RawTable(
    APP_SCHEMA,
    "data_imports",
    (
        ("id", "varchar"),
        ("account_id", "varchar"),
        ("user_id", "varchar"),
        ("source_type", "varchar"),
        ("status", "varchar"),
        ("rows_imported", "bigint"),
        ("started_at", "timestamp"),
        ("completed_at", "timestamp"),
        ("_loaded_at", "timestamp"),
    ),
    "_loaded_at",
)
APP_AUTOMATION_RULES = RawTable(
    APP_SCHEMA,
    "automation_rules",
    (
        ("id", "varchar"),
        ("account_id", "varchar"),
        ("created_by_user_id", "varchar"),
        ("trigger_type", "varchar"),
        ("is_enabled", "boolean"),
        ("created_at", "timestamp"),
        ("updated_at", "timestamp"),
        ("_loaded_at", "timestamp"),
    ),
    "_loaded_at",
)
APP_SETTINGS_CHANGES = RawTable(
    APP_SCHEMA,
    "account_settings_changes",
    (
        ("id", "varchar"),
        ("account_id", "varchar"),
        ("changed_by_user_id", "varchar"),
        ("setting_key", "varchar"),
        ("old_value", "varchar"),
        ("new_value", "varchar"),
        ("changed_at", "timestamp"),
        ("_loaded_at", "timestamp"),
    ),
    "_loaded_at",
)
APP_ERASURE_REQUESTS = RawTable(
    APP_SCHEMA,
    "privacy_erasure_requests",
    (
        ("id", "varchar"),
        ("user_id", "varchar"),
        ("email", "varchar"),
        ("requested_at", "timestamp"),
        ("processed_at", "timestamp"),
        ("_loaded_at", "timestamp"),
    ),
    "_loaded_at",
)

RAW_TABLES: tuple[RawTable, ...] = (
    SEGMENT_TRACKS,
    SEGMENT_PAGES,
    SEGMENT_IDENTIFIES,
    SEGMENT_GROUPS,
    SERVER_LOG_LINES,
    APP_ACCOUNTS,
    APP_USERS,
    APP_SUBSCRIPTIONS,
    APP_REPORTS,
    APP_INTEGRATIONS,
    APP_INVITATIONS,
    APP_DATA_IMPORTS,
    APP_AUTOMATION_RULES,
    APP_SETTINGS_CHANGES,
    APP_ERASURE_REQUESTS,
)

RAW_TABLES_BY_NAME: dict[str, RawTable] = {t.qualified_name: t for t in RAW_TABLES}


def create_raw_tables(con: duckdb.DuckDBPyConnection, *, replace: bool = False) -> None:
    """Create every raw schema and table (empty) in a DuckDB database."""
    for schema in sorted({t.schema for t in RAW_TABLES}):
        con.execute(f"create schema if not exists {schema}")
    for table in RAW_TABLES:
        if replace:
            con.execute(f"drop table if exists {table.qualified_name}")
        con.execute(table.create_sql())
