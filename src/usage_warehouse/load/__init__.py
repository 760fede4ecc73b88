"""Landing export files in the raw tables of any engine: Segment messages, server logs, app CSVs.

Typical use::

    report = load_files(DuckDBEngine("warehouse.duckdb"), segment=[Path("exports/segment")])
    print(report.render())

Each file is parsed into an in-memory DuckDB holding the raw tables of its source, then
appended to the engine with :meth:`Engine.append_raw`, with its manifest row in
``raw_loads.loaded_files`` (keyed by the file's content hash: a file landed before is
skipped) and every rejected line in ``raw_loads.rejected_lines``. docs/loading.md describes
the formats and the column mapping.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

import duckdb

from usage_warehouse import raw_schema
from usage_warehouse.demo.progress import Progress
from usage_warehouse.engines import Engine
from usage_warehouse.load import app_csv, segment, server_logs
from usage_warehouse.load.app_csv import AppCsvError
from usage_warehouse.load.files import content_sha256, expand_paths, relative_name
from usage_warehouse.load.manifest import LOADED_FILES, REJECTED_LINES, create_tables, loaded_hashes
from usage_warehouse.load.progress import RowRate

__all__ = ["AppCsvError", "FileResult", "LoadReport", "Source", "load_files"]

Source = Literal["segment", "server_logs", "app_db"]


@dataclass(frozen=True)
class FileResult:
    """What happened to one file: landed (rows per table, rejected lines) or skipped as already landed."""

    source: Source
    file_name: str
    path: Path
    sha256: str
    status: Literal["loaded", "skipped"]
    rows: dict[str, int] = field(default_factory=dict)
    rejected: int = 0
    reject_reasons: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


@dataclass(frozen=True)
class LoadReport:
    """Every file of one load, in the order they were landed."""

    loaded_at: datetime
    files: list[FileResult]

    @property
    def rows(self) -> dict[str, int]:
        """Rows landed per raw table over all files."""
        totals: dict[str, int] = {}
        for result in self.files:
            for table, count in result.rows.items():
                totals[table] = totals.get(table, 0) + count
        return totals

    @property
    def rejected(self) -> int:
        return sum(result.rejected for result in self.files)

    def render(self) -> str:
        """A plain-text report: one line per file, then the rows per table."""
        lines = [f"load at {self.loaded_at:%Y-%m-%d %H:%M:%S} UTC"]
        for r in self.files:
            if r.status == "skipped":
                lines.append(f"  skipped  {r.source:<11} {r.file_name}  (already landed: sha256 {r.sha256[:12]})")
                continue
            landed = ", ".join(f"{table} {count:,}" for table, count in r.rows.items() if count) or "no rows"
            rejects = f"; rejected {r.rejected:,} ({_reasons(r.reject_reasons)})" if r.rejected else ""
            lines.append(f"  loaded   {r.source:<11} {r.file_name}: {landed}{rejects}  [{r.seconds:.1f}s]")
        lines.append("rows landed per table:")
        lines.extend(f"  {table:<40} {count:>12,}" for table, count in self.rows.items())
        if self.rejected:
            lines.append(
                f"rejected lines: {self.rejected:,}, kept with their reason in {REJECTED_LINES.qualified_name}"
            )
        return "\n".join(lines)


def _reasons(counts: dict[str, int]) -> str:
    return ", ".join(f"{reason}: {count:,}" for reason, count in sorted(counts.items(), key=lambda kv: -kv[1]))


def load_files(
    engine: Engine,
    *,
    segment_paths: Sequence[Path] = (),
    server_log_paths: Sequence[Path] = (),
    app_csv_paths: Sequence[Path] = (),
    loaded_at: datetime | None = None,
    progress: Progress | None = None,
) -> LoadReport:
    """Land every file under the given paths (files or directories) on ``engine``; see the module doc.

    ``loaded_at`` (UTC, default now) is the load time written to ``uuid_ts`` / ``_loaded_at``.
    App CSVs are checked against the contract before anything of theirs is landed
    (:class:`AppCsvError` names the file and column).
    """
    moment = loaded_at or datetime.now(UTC).replace(tzinfo=None)
    progress = progress or Progress.silent()
    seen = loaded_hashes(engine)
    results: list[FileResult] = []
    plan: list[tuple[Source, Sequence[Path]]] = [
        ("app_db", app_csv_paths),
        ("segment", segment_paths),
        ("server_logs", server_log_paths),
    ]
    for source, paths in plan:
        for path, root in expand_paths(paths):
            name = relative_name(path, root)
            sha = content_sha256(path)
            if sha in seen:
                results.append(FileResult(source, name, path, sha, "skipped"))
                progress.note(f"skipped {name}: landed before (same content)")
                continue
            results.append(_land_file(engine, source, path, name, sha, moment, progress))
            seen.add(sha)
    return LoadReport(moment, results)


def _land_file(
    engine: Engine, source: Source, path: Path, name: str, sha: str, loaded_at: datetime, progress: Progress
) -> FileResult:
    rate = RowRate(progress, name)
    with duckdb.connect() as con:
        con.execute("set TimeZone = 'UTC'")
        create_tables(con, (*raw_schema.RAW_TABLES, REJECTED_LINES, LOADED_FILES))
        tables: tuple[raw_schema.RawTable, ...]
        if source == "segment":
            segment.land_segment_file(con, path, file_name=name, sha256=sha, loaded_at=loaded_at, rate=rate)
            tables = segment.TABLES
        elif source == "server_logs":
            server_logs.land_log_file(con, path, log_file=name, loaded_at=loaded_at, rate=rate)
            tables = (server_logs.TABLE,)
        else:
            tables = (app_csv.land_csv_file(con, path, loaded_at=loaded_at),)
        rows = {t.qualified_name: _count(con, t.qualified_name) for t in tables}
        reasons = {
            str(reason): int(count)
            for reason, count in con.execute(
                f"select reason, count(*) from {REJECTED_LINES.qualified_name} group by reason"
            ).fetchall()
        }
        rejected = sum(reasons.values())
        con.execute(
            f"insert into {LOADED_FILES.qualified_name} values (?, ?, ?, ?, ?, ?, ?)",
            [sha, name, source, sum(rows.values()), rejected, json.dumps(rows), loaded_at],
        )
        engine.append_raw(con, (*tables, REJECTED_LINES, LOADED_FILES))
    result = FileResult(source, name, path, sha, "loaded", rows, rejected, reasons, rate.seconds)
    total = sum(rows.values())
    per_second = total / max(rate.seconds, 1e-9)
    progress.note(f"loaded {name}: {total:,} rows, {rejected:,} rejected ({per_second:,.0f} rows/s)")
    return result


def _count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    row = con.execute(f"select count(*) from {table}").fetchone()
    return int(row[0]) if row else 0
