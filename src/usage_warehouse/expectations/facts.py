"""What the suites measure against: counts and dates read from the warehouse being checked.

Bounds are computed from these at run time (raw row counts, staged row counts, the newest
load, the as-of date), never written in as constants for one demo size.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import duckdb

from usage_warehouse import raw_schema

STAGING_SCHEMA = "usage_staging"
MARTS_SCHEMA = "usage_marts"
AUDIT_SCHEMA = "usage_audit"


def _existing_tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    rows = con.execute("select table_schema || '.' || table_name from information_schema.tables").fetchall()
    return {str(row[0]) for row in rows}


def _scalar(con: duckdb.DuckDBPyConnection, sql: str) -> object:
    row = con.execute(sql).fetchone()
    return None if row is None else row[0]


@dataclass(frozen=True)
class WarehouseFacts:
    """Counts and dates of one warehouse, read once before the suites are built."""

    raw_row_counts: dict[str, int]
    staging_row_counts: dict[str, int]
    newest_load_at: datetime | None
    as_of_date: date | None
    plans: tuple[str, ...]
    features: tuple[str, ...]

    def raw_rows(self, qualified_name: str) -> int:
        return self.raw_row_counts.get(qualified_name, 0)

    def staged_rows(self, model: str) -> int:
        return self.staging_row_counts.get(model, 0)

    @classmethod
    def read(cls, db_path: str | Path, staging_models: tuple[str, ...]) -> WarehouseFacts:
        """Read the facts; a missing table counts 0 rows (its own check then fails and says so)."""
        with duckdb.connect(str(db_path), read_only=True) as con:
            existing = _existing_tables(con)
            raw_counts: dict[str, int] = {}
            newest: list[datetime] = []
            for table in raw_schema.RAW_TABLES:
                if table.qualified_name not in existing:
                    continue
                count, loaded = con.execute(
                    f"select count(*), max({table.loaded_at_column}) from {table.qualified_name}"
                ).fetchall()[0]
                raw_counts[table.qualified_name] = int(count)
                if isinstance(loaded, datetime):
                    newest.append(loaded)
            staged = {
                model: int(str(_scalar(con, f"select count(*) from {STAGING_SCHEMA}.{model}")))
                for model in staging_models
                if f"{STAGING_SCHEMA}.{model}" in existing
            }
            as_of: date | None = None
            if f"{MARTS_SCHEMA}.dim_dates" in existing:
                value = _scalar(con, f"select max(as_of_date) from {MARTS_SCHEMA}.dim_dates")
                as_of = value if isinstance(value, date) else None
            plans: tuple[str, ...] = ()
            if f"{STAGING_SCHEMA}.stg_config__plans" in existing:
                plans = tuple(
                    str(r[0]) for r in con.execute(f"select plan from {STAGING_SCHEMA}.stg_config__plans").fetchall()
                )
            features: tuple[str, ...] = ()
            if f"{MARTS_SCHEMA}.dim_features" in existing:
                features = tuple(
                    str(r[0]) for r in con.execute(f"select feature from {MARTS_SCHEMA}.dim_features").fetchall()
                )
        return cls(
            raw_row_counts=raw_counts,
            staging_row_counts=staged,
            newest_load_at=max(newest) if newest else None,
            as_of_date=as_of,
            plans=plans,
            features=features,
        )
