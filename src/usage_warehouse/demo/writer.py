"""Writing a generated dataset into DuckDB, all of it or one load window at a time.

A load window ``(load_from, load_until]`` selects rows by their load-time column (``uuid_ts``
for Segment, ``_loaded_at`` elsewhere), so a warehouse can be built from the loads up to one
moment and later receive the next loads in ``append`` mode, exactly as production would.

Current-state app tables (accounts, users, subscriptions) hold one row per version:

* ``replace`` writes the latest version of every row loaded by ``load_until``;
* ``append`` writes the latest version of every row changed inside the window (models keep
  the version with the latest ``_loaded_at`` per id);
* ``extend`` writes like ``replace`` but keeps the rows already there: it adds another shard of
  the same dataset (:meth:`GeneratorConfig.shard_of`), whose ids no other shard uses.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Literal

import duckdb
import pyarrow as pa

from usage_warehouse import raw_schema
from usage_warehouse.demo.progress import Progress

Mode = Literal["replace", "append", "extend"]
MODES: tuple[Mode, ...] = ("replace", "append", "extend")
SNAPSHOT_TABLES = frozenset(
    t.qualified_name for t in (raw_schema.APP_ACCOUNTS, raw_schema.APP_USERS, raw_schema.APP_SUBSCRIPTIONS)
)
_SOURCE = "generated_rows"


def check_window(mode: str, load_from: datetime | None, load_until: datetime | None) -> None:
    """Fail early, with what to change, on a mode or window that cannot work."""
    if mode not in MODES:
        raise ValueError(f"mode {mode!r} is not one of {', '.join(MODES)}")
    if load_from is not None and load_until is not None and load_from >= load_until:
        raise ValueError(f"empty load window: load_from ({load_from}) must be before load_until ({load_until})")
    if mode == "append" and load_from is None:
        raise ValueError(
            "append mode needs load_from: the load time the database already holds data up to "
            "(the load_until of the previous run), so no row is written twice"
        )


def write_duckdb(
    tables: dict[str, pa.Table],
    db_path: str | Path,
    *,
    mode: Mode = "replace",
    load_from: datetime | None = None,
    load_until: datetime | None = None,
    progress: Progress | None = None,
) -> dict[str, int]:
    """Write the rows of one load window into the raw tables of a DuckDB file; rows written per table."""
    check_window(mode, load_from, load_until)
    progress = progress or Progress.silent()
    Path(db_path).parent.mkdir(parents=True, exist_ok=True)
    written: dict[str, int] = {}
    with duckdb.connect(str(db_path)) as con:
        con.execute("begin transaction").fetchall()
        raw_schema.create_raw_tables(con, replace=mode == "replace")
        for table in raw_schema.RAW_TABLES:
            _check_existing_columns(con, table)
            con.register(_SOURCE, tables[table.qualified_name])
            sql, params = _insert_sql(table, mode, load_from, load_until)
            inserted = con.execute(sql, params).fetchall()  # an insert answers with its row count
            written[table.qualified_name] = int(inserted[0][0])
            con.unregister(_SOURCE)
            progress.step(f"wrote {table.qualified_name}", written[table.qualified_name])
        con.execute("commit").fetchall()
    return written


def append_database(source_path: str | Path, db_path: str | Path) -> dict[str, int]:
    """Append the raw tables of another DuckDB file (written by :func:`write_duckdb`) to the same
    tables of ``db_path``, in one transaction; rows appended per table.

    A load window can be written to a file of its own first and land later, which is what a
    dataset generated in shards does with its last day.
    """
    if not Path(source_path).is_file():
        raise FileNotFoundError(f"{source_path}: no DuckDB file to append from")
    written: dict[str, int] = {}
    with duckdb.connect(str(db_path)) as con:
        con.execute(f"attach '{Path(source_path).as_posix()}' as {_SOURCE} (read_only)").fetchall()
        con.execute("begin transaction").fetchall()
        for table in raw_schema.RAW_TABLES:
            _check_existing_columns(con, table)
            columns = ", ".join(table.column_names)
            inserted = con.execute(
                f"insert into {table.qualified_name} ({columns}) select {columns} from {_SOURCE}.{table.qualified_name}"
            ).fetchall()
            written[table.qualified_name] = int(inserted[0][0])
        con.execute("commit").fetchall()
    return written


def _insert_sql(
    table: raw_schema.RawTable, mode: Mode, load_from: datetime | None, load_until: datetime | None
) -> tuple[str, list[datetime]]:
    loaded = table.loaded_at_column
    conditions, params = [], []
    if load_from is not None and not (table.qualified_name in SNAPSHOT_TABLES and mode != "append"):
        conditions.append(f"{loaded} > ?")
        params.append(load_from)
    if load_until is not None:
        conditions.append(f"{loaded} <= ?")
        params.append(load_until)
    where = f"where {' and '.join(conditions)}" if conditions else ""
    columns = ", ".join(table.column_names)
    if table.qualified_name in SNAPSHOT_TABLES:
        latest = f"qualify row_number() over (partition by id order by {loaded} desc) = 1 order by {loaded}, id"
        return f"insert into {table.qualified_name} select {columns} from {_SOURCE} {where} {latest}", params
    return f"insert into {table.qualified_name} select {columns} from {_SOURCE} {where}", params


def _check_existing_columns(con: duckdb.DuckDBPyConnection, table: raw_schema.RawTable) -> None:
    """In append mode the table may predate the current contract: refuse to mix shapes."""
    found = [
        row[0]
        for row in con.execute(
            "select column_name from information_schema.columns where table_catalog = current_database() "
            "and table_schema = ? and table_name = ? order by ordinal_position",
            [table.schema, table.name],
        ).fetchall()
    ]
    if found != table.column_names:
        raise ValueError(
            f"{table.qualified_name} in the database has columns {found}, the raw contract expects "
            f"{table.column_names}; rebuild it with mode 'replace'"
        )
