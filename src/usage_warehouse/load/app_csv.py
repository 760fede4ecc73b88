"""App-database CSV exports → ``raw_app``: one CSV (header row, optionally gzipped) per table.

The table is named by the file: ``accounts.csv``, ``accounts.csv.gz`` or
``accounts__2026-10-01.csv`` land in ``raw_app.accounts``. Columns are matched by name, in any
order; every contract column except ``_loaded_at`` is required and no other column is
accepted. A ``_loaded_at`` column (the replication time) is kept; without one, or where it is
empty, the row takes the load time. Empty fields are nulls. Timestamps with an offset are
converted to UTC.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb

from usage_warehouse import raw_schema

APP_TABLES: dict[str, raw_schema.RawTable] = {
    t.name: t for t in raw_schema.RAW_TABLES if t.schema == raw_schema.APP_SCHEMA
}
LOADED_AT = "_loaded_at"


class AppCsvError(ValueError):
    """An app CSV that does not match its table's contract; the message names the file and column."""


def table_for(path: Path) -> raw_schema.RawTable:
    """The raw_app table a CSV file lands in, from its name."""
    stem = path.name.removesuffix(".gz").removesuffix(".csv").split("__")[0]
    if path.name.removesuffix(".gz").endswith(".csv") and stem in APP_TABLES:
        return APP_TABLES[stem]
    raise AppCsvError(
        f"{path}: cannot tell which raw_app table this file is; name it <table>.csv (or <table>__<anything>.csv, "
        f"optionally .gz) with <table> one of {', '.join(sorted(APP_TABLES))}"
    )


def _reader(path: Path) -> str:
    escaped = str(path).replace("'", "''")
    return f"read_csv('{escaped}', header = true, all_varchar = true, auto_detect = true, compression = 'auto')"


def _cast(column: str, sql_type: str) -> str:
    quoted = f'"{column}"'
    if sql_type == "timestamp":
        return f"try_cast({quoted} as timestamptz)::timestamp"
    return f"try_cast({quoted} as {sql_type})"


def land_csv_file(con: duckdb.DuckDBPyConnection, path: Path, *, loaded_at: datetime) -> raw_schema.RawTable:
    """Parse one CSV into ``con``'s raw_app table; returns the table. Raises AppCsvError on a contract mismatch."""
    table = table_for(path)
    try:
        found = [str(row[0]) for row in con.execute(f"describe select * from {_reader(path)}").fetchall()]
    except duckdb.Error as problem:
        raise AppCsvError(f"{path}: not a readable CSV with a header row ({problem})") from None
    expected = table.column_names
    required = [c for c in expected if c != LOADED_AT]
    missing = [c for c in required if c not in found]
    unknown = [c for c in found if c not in expected]
    if missing or unknown:
        problems = []
        if missing:
            problems.append(f"missing required column(s) {', '.join(missing)}")
        if unknown:
            problems.append(f"unknown column(s) {', '.join(unknown)}")
        raise AppCsvError(
            f"{path}: {'; '.join(problems)} for {table.qualified_name}; "
            f"the header must name exactly these columns (in any order): {', '.join(required)} "
            f"(and optionally {LOADED_AT})"
        )
    con.execute(
        f"create or replace temp table csv_rows as select row_number() over () as csv_row, * from {_reader(path)}"
    )
    for column, sql_type in table.columns:
        if column not in found:
            continue
        bad = con.execute(
            f'select csv_row, "{column}" from csv_rows where "{column}" is not null '
            f"and {_cast(column, sql_type)} is null order by csv_row limit 1"
        ).fetchall()
        if bad:
            row, value = bad[0]
            raise AppCsvError(
                f"{path}, data row {row} (line {row + 1}), column {column}: {value!r} is not a {sql_type}; "
                "fix the export (empty means null)"
            )
    values = [
        f"coalesce({_cast(c, t)}, $loaded_at)" if c == LOADED_AT else _cast(c, t)
        for c, t in table.columns
        if c in found
    ]
    columns = [c for c in expected if c in found]
    if LOADED_AT not in found:
        values.append("$loaded_at")
        columns.append(LOADED_AT)
    con.execute(
        f"insert into {table.qualified_name} ({', '.join(columns)}) "
        f"select {', '.join(values)} from csv_rows order by csv_row",
        {"loaded_at": loaded_at},
    )
    return table
