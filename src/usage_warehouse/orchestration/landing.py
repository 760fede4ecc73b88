"""The landing step of the daily job: put the run date's raw rows into the raw tables.

Landing is pluggable: the daily job calls the ``landing`` resource, any subclass of
:class:`Landing`. :class:`DemoLanding` (the default) replays the demo dataset one day of loads at
a time; :class:`NoLanding` lands nothing (the raw tables are filled by another tool, e.g. Segment's
warehouse connector). A loader plugs in by subclassing :class:`Landing` and implementing ``land``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from pathlib import Path

import duckdb
from dagster import ConfigurableResource
from pydantic import Field

from usage_warehouse.demo.config import DEFAULT_END_DATE, GeneratorConfig
from usage_warehouse.demo.writer import Mode
from usage_warehouse.generator import generate, write_duckdb
from usage_warehouse.raw_schema import RAW_TABLES

Log = Callable[[str], None]


def loads_until(run_date: date) -> datetime:
    """The end of a run date's loads (inclusive): midnight UTC after it."""
    return datetime.combine(run_date + timedelta(days=1), time())


def newest_load(db_path: Path) -> datetime | None:
    """The newest load time in any raw table of the warehouse; None when it holds no raw row."""
    if not db_path.exists():
        return None
    with duckdb.connect(str(db_path), read_only=True) as con:
        existing = {
            f"{schema}.{name}"
            for schema, name in con.execute("select table_schema, table_name from information_schema.tables").fetchall()
        }
        parts = [
            f"select max({table.loaded_at_column}) as loaded_at from {table.qualified_name}"
            for table in RAW_TABLES
            if table.qualified_name in existing
        ]
        if not parts:
            return None
        row = con.execute(f"select max(loaded_at) from ({' union all '.join(parts)})").fetchone()
    newest = row[0] if row else None
    return newest if isinstance(newest, datetime) else None


class Landing(ConfigurableResource):  # type: ignore[type-arg]
    """Lands the raw rows of one run date into the warehouse at ``db_path``."""

    def land(self, db_path: Path, run_date: date, log: Log) -> dict[str, int]:
        """Land the rows loaded up to midnight after ``run_date``; returns rows landed per raw table."""
        raise NotImplementedError(f"{type(self).__name__} must implement land(db_path, run_date, log)")


class NoLanding(Landing):
    """Lands nothing: the raw tables are kept up to date by another tool."""

    def land(self, db_path: Path, run_date: date, log: Log) -> dict[str, int]:
        log(f"landing: nothing to do ({type(self).__name__}); the raw tables are landed by another tool")
        return {}


class FileLanding(Landing):
    """Runs the loader on drop directories of export files; a file landed before is skipped."""

    segment_paths: list[str] = Field(default_factory=list)
    server_log_paths: list[str] = Field(default_factory=list)
    app_csv_paths: list[str] = Field(default_factory=list)

    def land(self, db_path: Path, run_date: date, log: Log) -> dict[str, int]:
        from usage_warehouse.engines import DuckDBEngine
        from usage_warehouse.load import load_files

        report = load_files(
            DuckDBEngine(db_path),
            segment_paths=[Path(path) for path in self.segment_paths],
            server_log_paths=[Path(path) for path in self.server_log_paths],
            app_csv_paths=[Path(path) for path in self.app_csv_paths],
        )
        log(report.render())
        return report.rows


class DemoLanding(Landing):
    """Replays the demo dataset (``python -m usage_warehouse generate``) one day of loads at a time.

    A run for ``run_date`` appends the dataset's rows loaded after the newest load already in
    the warehouse, up to midnight after ``run_date``; on an empty warehouse it writes everything
    loaded by then. Running it for each day in turn lands the dataset as production loads would.
    """

    accounts: int = GeneratorConfig.accounts
    days: int = GeneratorConfig.days
    end_date: str = DEFAULT_END_DATE.isoformat()
    seed: int = GeneratorConfig.seed

    def land(self, db_path: Path, run_date: date, log: Log) -> dict[str, int]:
        until = loads_until(run_date)
        newest = newest_load(db_path)
        if newest is not None and newest >= until:
            log(f"landing: the warehouse already holds loads up to {newest}, past {until}: nothing to land")
            return {table.qualified_name: 0 for table in RAW_TABLES}
        config = GeneratorConfig(
            accounts=self.accounts, days=self.days, end_date=date.fromisoformat(self.end_date), seed=self.seed
        )
        log(f"landing: generating the demo dataset ({config.accounts} accounts, {config.days} days)")
        data = generate(config)
        mode: Mode = "replace" if newest is None else "append"
        written = write_duckdb(data, db_path, mode=mode, load_from=newest, load_until=until)
        log(f"landing: wrote {sum(written.values()):,} rows loaded in ({newest or 'the start'}, {until}] ({mode})")
        return written
