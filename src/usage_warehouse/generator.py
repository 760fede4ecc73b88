"""Demo data for the usage warehouse: generate a dataset, write it to DuckDB, describe it.

The dataset describes Brightlane, a fictional B2B analytics product, through the three raw
sources of :mod:`usage_warehouse.raw_schema` (Segment, server logs, the app database); see
:mod:`usage_warehouse.demo` for the story it tells and the faults it carries.

Typical use::

    data = generate(GeneratorConfig(accounts=120, days=120, seed=42))
    written = write_duckdb(data, "warehouse.duckdb")
    manifest = build_manifest(data, written)

The same configuration always gives identical tables. Each table is a ``pyarrow.Table`` with
exactly the contract's columns (low-cardinality text columns are dictionary-encoded;
``table.to_pandas()`` gives categoricals for them).
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa

from usage_warehouse import raw_schema
from usage_warehouse.demo import writer
from usage_warehouse.demo.activity import build_calls
from usage_warehouse.demo.app_records import automation_rules, integrations
from usage_warehouse.demo.app_tables import build_app_tables
from usage_warehouse.demo.config import GeneratorConfig, from_us
from usage_warehouse.demo.delivery import deliver, segment_fault_counts
from usage_warehouse.demo.ids import IdSpace
from usage_warehouse.demo.population import build_population
from usage_warehouse.demo.progress import Progress
from usage_warehouse.demo.segment_tables import segment_tables
from usage_warehouse.demo.server_logs import build_server_logs

__all__ = [
    "GeneratedData",
    "GeneratorConfig",
    "Progress",
    "build_manifest",
    "generate",
    "write_duckdb",
    "write_manifest",
]

FaultCounts = dict[str, int | dict[str, int]]
SEGMENT_EVENT_TABLES = (raw_schema.SEGMENT_TRACKS.qualified_name, raw_schema.SEGMENT_PAGES.qualified_name)


@dataclass(frozen=True)
class GeneratedData:
    """A generated dataset: every raw table (by qualified name) and the faults injected into it."""

    config: GeneratorConfig
    tables: dict[str, pa.Table]
    faults: FaultCounts

    @property
    def row_counts(self) -> dict[str, int]:
        return {name: table.num_rows for name, table in self.tables.items()}

    @property
    def segment_events(self) -> int:
        """Tracks plus pages: the Segment events of the dataset."""
        return sum(self.tables[name].num_rows for name in SEGMENT_EVENT_TABLES)


def generate(config: GeneratorConfig | None = None, *, progress: Progress | None = None) -> GeneratedData:
    """Generate every raw table of the demo dataset described by ``config``."""
    cfg = config or GeneratorConfig()
    progress = progress or Progress.silent()
    pop = build_population(cfg)
    progress.step(f"population: {pop.accounts.n:,} accounts, {pop.users.n:,} users", pop.devices.n)
    app = build_app_tables(cfg, pop)
    progress.step("app database extracts", sum(t.num_rows for t in app.tables.values()))
    calls = build_calls(cfg, pop, app.actors)
    progress.step("segment calls", len(calls))
    delivered = deliver(cfg, calls, pop.devices)
    progress.step("segment delivery (skew, late, duplicates)", len(delivered.rows))
    with ThreadPoolExecutor(max_workers=1) as background:  # numpy and Arrow release the GIL: use a second core
        logs_job = background.submit(
            build_server_logs, cfg, pop, automation_rules(cfg, pop), integrations(cfg, pop), calls
        )
        segment = segment_tables(delivered, pop, IdSpace.of(cfg))
        progress.step("segment tables rendered", sum(t.num_rows for t in segment.values()))
        logs = logs_job.result()
    progress.step("server log lines", logs.table.num_rows)
    tables = segment | {raw_schema.SERVER_LOG_LINES.qualified_name: logs.table} | app.tables
    faults: FaultCounts = {
        **segment_fault_counts(delivered),
        "malformed_log_lines": logs.malformed,
        "log_error_lines": logs.error_lines,
        "erasure_requests": tables[raw_schema.APP_ERASURE_REQUESTS.qualified_name].num_rows,
    }
    return GeneratedData(cfg, {t.qualified_name: tables[t.qualified_name] for t in raw_schema.RAW_TABLES}, faults)


def write_duckdb(
    data: GeneratedData,
    db_path: str | Path,
    *,
    mode: writer.Mode = "replace",
    load_from: datetime | None = None,
    load_until: datetime | None = None,
    progress: Progress | None = None,
) -> dict[str, int]:
    """Write the rows loaded in ``(load_from, load_until]`` into a DuckDB file; rows written per table.

    ``mode="replace"`` recreates the raw tables first; ``mode="append"`` adds to them (and needs
    ``load_from``). Current-state app tables get the latest version of each row (see
    :mod:`usage_warehouse.demo.writer`).
    """
    return writer.write_duckdb(
        data.tables, db_path, mode=mode, load_from=load_from, load_until=load_until, progress=progress
    )


def build_manifest(
    data: GeneratedData,
    written: dict[str, int] | None = None,
    *,
    mode: str = "replace",
    load_from: datetime | None = None,
    load_until: datetime | None = None,
) -> dict[str, Any]:
    """What was generated and written, and how many of each fault the data carries (JSON-ready)."""
    cfg = data.config

    def iso(moment: datetime | None) -> str | None:
        return moment.isoformat() if moment is not None else None

    return {
        "generator": {**asdict(cfg), "end_date": cfg.end_date.isoformat()},
        "period": {"start": iso(from_us(cfg.start_us)), "as_of": iso(cfg.as_of)},
        "load_window": {"mode": mode, "load_from": iso(load_from), "load_until": iso(load_until)},
        "rows_generated": data.row_counts,
        "rows_written": written if written is not None else {},
        "segment_events": data.segment_events,
        "faults": data.faults,
    }


def write_manifest(path: str | Path, manifest: dict[str, Any]) -> None:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(manifest, indent=2) + "\n")
