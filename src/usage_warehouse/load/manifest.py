"""The ``raw_loads`` schema on the target: which files were landed, and every rejected line.

Both tables are written through :meth:`Engine.append_raw`, so they exist on every engine the
raw tables do. The manifest row of a file is appended after the file's rows: a load that
stops half-way lands the file again in full next time, and the warehouse's own deduplication
(Segment ``messageId``, log file and line, newest app-record version) counts its rows once.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import duckdb

from usage_warehouse.engines import Engine
from usage_warehouse.raw_schema import RawTable

LOADS_SCHEMA = "raw_loads"

LOADED_FILES = RawTable(
    LOADS_SCHEMA,
    "loaded_files",
    (
        ("file_sha256", "varchar"),
        ("file_name", "varchar"),
        ("source", "varchar"),
        ("rows_loaded", "bigint"),
        ("rows_rejected", "bigint"),
        ("rows_per_table", "varchar"),
        ("loaded_at", "timestamp"),
    ),
    "loaded_at",
)

REJECTED_LINES = RawTable(
    LOADS_SCHEMA,
    "rejected_lines",
    (
        ("file_sha256", "varchar"),
        ("file_name", "varchar"),
        ("line_number", "bigint"),
        ("batch_position", "bigint"),
        ("reason", "varchar"),
        ("line_text", "varchar"),
        ("loaded_at", "timestamp"),
    ),
    "loaded_at",
)

LOAD_TABLES: tuple[RawTable, ...] = (REJECTED_LINES, LOADED_FILES)


def create_tables(con: duckdb.DuckDBPyConnection, tables: Sequence[RawTable]) -> None:
    """Create schemas and (empty) tables from their contract in a DuckDB connection."""
    for schema in sorted({t.schema for t in tables}):
        con.execute(f"create schema if not exists {schema}")
    for table in tables:
        con.execute(table.create_sql())


def loaded_hashes(engine: Engine) -> set[str]:
    """The content hashes of every file already landed on the engine (creating the manifest if missing)."""
    with duckdb.connect() as empty:
        create_tables(empty, LOAD_TABLES)
        engine.append_raw(empty, LOAD_TABLES)  # creates the tables on the engine, with its own types
    rows: list[tuple[Any, ...]] = engine.query(f"select distinct file_sha256 from {LOADED_FILES.qualified_name}")
    return {str(row[0]) for row in rows}
