"""`make demo`: demo data → DuckDB warehouse → dbt build → docs site, then a summary of what was built."""

from __future__ import annotations

import contextlib
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

from usage_warehouse.dbt import PRODUCTION_BUILD, PROJECT_DIR, DbtCommandError, run_dbt
from usage_warehouse.demo.config import GeneratorConfig
from usage_warehouse.demo.progress import Progress
from usage_warehouse.generator import generate, write_duckdb
from usage_warehouse.warehouse import MART_TABLES, remove_database

DEFAULT_WAREHOUSE = PROJECT_DIR / "warehouse" / "usage_warehouse.duckdb"
EXPECTATIONS_DOCS = PROJECT_DIR / "target" / "expectations_docs"
USAGE_REPORT = PROJECT_DIR / "target" / "usage_report.html"


@dataclass(frozen=True)
class DemoTimings:
    generate_seconds: float
    build_seconds: float
    docs_seconds: float
    expectations_seconds: float
    freshness: tuple[str, ...] = ()


def warehouse_path() -> Path:
    return Path(os.environ.get("USAGE_WAREHOUSE_DUCKDB_PATH", str(DEFAULT_WAREHOUSE))).resolve()


def _step(title: str) -> None:
    print(f"\n==> {title}", flush=True)


def build_demo(config: GeneratorConfig, db_path: Path) -> DemoTimings:
    """Build a fresh demo warehouse at db_path; returns how long each step took."""
    db_path.parent.mkdir(parents=True, exist_ok=True)
    remove_database(db_path)

    _step(f"Generating demo data ({config.accounts} accounts, {config.days} days, seed {config.seed})")
    started = time.perf_counter()
    data = generate(config, progress=Progress())
    write_duckdb(data, db_path, mode="replace")
    generate_seconds = time.perf_counter() - started

    _step("dbt build (seeds, models, snapshots, data tests)")
    started = time.perf_counter()
    run_dbt(list(PRODUCTION_BUILD), db_path=db_path, stream=True)
    build_seconds = time.perf_counter() - started

    run_dbt(["compile", "--select", "morning_summary"], db_path=db_path)

    _step("dbt source freshness")
    freshness = source_freshness(db_path)

    _step("dbt docs generate --static")
    started = time.perf_counter()
    run_dbt(["docs", "generate", "--static"], db_path=db_path)
    docs_seconds = time.perf_counter() - started

    from usage_warehouse.expectations import run_and_print  # imports Great Expectations: only here

    started = time.perf_counter()
    if run_and_print(db_path, EXPECTATIONS_DOCS) != 0:
        raise SystemExit(f"Great Expectations checkpoint failed on {db_path}: see the failures above")
    expectations_seconds = time.perf_counter() - started

    _step("usage report")
    from usage_warehouse.report import build_report  # imports plotly: only here

    started = time.perf_counter()
    print(f"wrote {build_report(db_path, USAGE_REPORT)} in {time.perf_counter() - started:.1f}s", flush=True)
    return DemoTimings(generate_seconds, build_seconds, docs_seconds, expectations_seconds, tuple(freshness))


def source_freshness(db_path: Path) -> list[str]:
    """Run `dbt source freshness` and summarise it per status. A stale source does not stop
    the demo (its data is a fixed sample that ages), but the summary says so."""
    with contextlib.suppress(DbtCommandError):  # warn/error statuses are reported below, from sources.json
        run_dbt(["source", "freshness"], db_path=db_path)
    results = json.loads((PROJECT_DIR / "target" / "sources.json").read_text())["results"]
    by_status: dict[str, list[str]] = {}
    for result in results:
        by_status.setdefault(result["status"], []).append(result["unique_id"].split(".", 2)[2])
    oldest = max((float(result.get("max_loaded_at_time_ago_in_s") or 0) for result in results), default=0.0)
    lines = [
        f"{status}: {len(names)} ({', '.join(sorted(names)[:4])}{', ...' if len(names) > 4 else ''})"
        for status, names in sorted(by_status.items())
    ]
    lines.append(f"oldest newest-load: {oldest / 3600:.0f} h ago (warn after 26 h, error after 72 h)")
    return lines


MORNING_SUMMARY_SQL = PROJECT_DIR / "target" / "compiled" / "usage_warehouse" / "analyses" / "morning_summary.sql"


def morning_summary(db_path: Path, per_section: int = 5) -> list[str]:
    """The customer-success morning summary (analyses/morning_summary.sql): the first rows of
    each section as text lines, with the count of the rest."""
    with duckdb.connect(str(db_path), read_only=True) as con:
        result = con.execute(MORNING_SUMMARY_SQL.read_text())
        names = [column[0] for column in result.description or []]
        rows = [dict(zip(names, row, strict=True)) for row in result.fetchall()]
    sections: dict[str, list[dict[str, object]]] = {}
    for record in rows:
        sections.setdefault(str(record.get("section")), []).append(record)
    lines = ["  morning summary (analyses/morning_summary.sql):"]
    for section, records in sections.items():
        lines.append(f"    {section} ({len(records)}):")
        for record in records[:per_section]:
            shown = {name: value for name, value in record.items() if name != "section" and value is not None}
            lines.append("      " + ", ".join(f"{name}={value}" for name, value in shown.items()))
        if len(records) > per_section:
            lines.append(f"      ... and {len(records) - per_section} more")
    return lines


def summary(db_path: Path, timings: DemoTimings) -> str:
    """What was built and where to look, as text."""
    with duckdb.connect(str(db_path), read_only=True) as con:
        counts = {table: con.execute(f"select count(*) from {table}").fetchone() for table in MART_TABLES}
        accounting = con.execute(
            "select sum(raw_row_count), sum(kept_row_count), sum(duplicate_row_count), sum(quarantined_row_count),"
            " bool_and(is_balanced) from usage_audit.fct_source_row_accounting"
        ).fetchone()
        period = con.execute("select min(event_date), max(event_date) from usage_marts.fct_usage_events").fetchone()
    assert accounting is not None and period is not None
    lines = [
        "",
        "usage-warehouse demo built",
        f"  warehouse      {db_path}",
        f"  docs site      {PROJECT_DIR / 'target' / 'static_index.html'}  (open in a browser)",
        f"  expectations   {EXPECTATIONS_DOCS / 'index.html'}  (Great Expectations data docs)",
        f"  usage report   {USAGE_REPORT}  (one account: python -m usage_warehouse report --account ID)",
        f"  events from    {period[0]} to {period[1]}",
        f"  raw rows       {accounting[0]:,} = {accounting[1]:,} kept + {accounting[2]:,} duplicates"
        f" + {accounting[3]:,} quarantined (balanced: {accounting[4]})",
        f"  timings        generate {timings.generate_seconds:.1f}s, dbt build {timings.build_seconds:.1f}s,"
        f" docs {timings.docs_seconds:.1f}s, expectations {timings.expectations_seconds:.1f}s",
        *(f"  freshness      {line}" for line in timings.freshness),
        "",
        "  main tables (rows):",
    ]
    for table, row in counts.items():
        lines.append(f"    {table:<45} {row[0] if row else 0:>12,}")
    lines += ["", *morning_summary(db_path)]
    lines += [
        "",
        "  try:  .venv/bin/python -c \"import duckdb; print(duckdb.connect('"
        + str(db_path)
        + "', read_only=True).sql('select * from usage_marts.fct_account_daily_usage limit 10'))\"",
    ]
    return "\n".join(lines)
