"""Warehouse engines: where raw data is landed and where dbt builds.

DuckDB is the embedded default. PostgreSQL (``engines.postgres``) and Spark
(``engines.spark``) implement the same small interface, so the loader, the tests and the
orchestration land raw rows and read marts the same way on every engine.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

import duckdb

from usage_warehouse.raw_schema import RawTable


def translate_type(
    duckdb_type: str, types: Mapping[str, str], engine: str, table_name: str, decimal_name: str = "decimal"
) -> str:
    """Another engine's type for a raw-contract column type (DuckDB spelling): `types` maps the
    lower-cased name; decimal(p,s) and numeric(p,s) become `decimal_name`(p,s)."""
    lowered = duckdb_type.strip().lower()
    if lowered.startswith("decimal(") or lowered.startswith("numeric("):
        return decimal_name + lowered[lowered.index("(") :]
    try:
        return types[lowered]
    except KeyError:
        raise ValueError(f"raw column type {duckdb_type!r} has no {engine} type: add it to {table_name}") from None


class Engine(Protocol):
    """One warehouse a dbt target points at."""

    name: str  # the profile target: "duckdb", "postgres" or "spark"

    def execute(self, sql: str) -> None:
        """Run one statement."""

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        """Run one query and return its rows."""

    def append_raw(self, source: duckdb.DuckDBPyConnection, tables: Sequence[RawTable]) -> dict[str, int]:
        """Append every row of each table in ``source`` (same schema and name) to this engine's
        raw table, creating the table from the landing contract if missing. Returns rows
        appended per qualified table name."""

    def dbt_env(self) -> Mapping[str, str]:
        """Environment variables that point dbt's profile (profiles.yml) at this engine."""


class DuckDBEngine:
    """The embedded warehouse file."""

    name = "duckdb"

    def __init__(self, db_path: str | Path) -> None:
        self.db_path = Path(db_path)

    def _connect(self) -> duckdb.DuckDBPyConnection:
        self.db_path.parent.mkdir(parents=True, exist_ok=True)
        return duckdb.connect(str(self.db_path))

    def execute(self, sql: str) -> None:
        with self._connect() as con:
            con.execute(sql)

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        with self._connect() as con:
            return con.execute(sql).fetchall()

    def append_raw(self, source: duckdb.DuckDBPyConnection, tables: Sequence[RawTable]) -> dict[str, int]:
        counts: dict[str, int] = {}
        with self._connect() as con:
            for table in tables:
                con.execute(f"create schema if not exists {table.schema}")
                con.execute(table.create_sql())
                rows = source.sql(
                    f"select {', '.join(table.column_names)} from {table.qualified_name}"
                ).to_arrow_table()
                con.register("incoming_rows", rows)
                con.execute(
                    f"insert into {table.qualified_name} ({', '.join(table.column_names)}) "
                    f"select {', '.join(table.column_names)} from incoming_rows"
                )
                con.unregister("incoming_rows")
                counts[table.qualified_name] = rows.num_rows
        return counts

    def dbt_env(self) -> Mapping[str, str]:
        return {"USAGE_WAREHOUSE_TARGET": "duckdb", "USAGE_WAREHOUSE_DUCKDB_PATH": str(self.db_path.resolve())}
