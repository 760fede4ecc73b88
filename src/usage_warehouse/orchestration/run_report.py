"""The run report: what one orchestrated run did, as JSON and a short markdown page.

A report holds what dbt ran (every node with its status and duration, from the run's
``run_results.json``), the rows per layer (raw tables, then the materialized tables of the
staging, intermediate, marts and audit schemas), the row accounting and quarantine of the audit
tables, the dbt tests and the expectation results; and how all that changed since the previous
report in the same directory (row deltas, failures that are new, failures that are gone).
Reports are kept as ``<reports_dir>/<run date>.json`` and ``.md`` (docs/orchestration.md).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import asdict
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from usage_warehouse.dbt import PROJECT_DIR
from usage_warehouse.raw_schema import RAW_TABLES
from usage_warehouse.warehouse import query

REPORT_VERSION = 1
DEFAULT_REPORTS_DIR = PROJECT_DIR / "target" / "run_reports"
# Schemas of the dbt layers (profile schema "usage" + the layer's custom schema). Views are not
# counted: they are computed on read, and counting them would cost a scan of their inputs.
LAYER_SCHEMAS: dict[str, str] = {
    "staging": "usage_staging",
    "intermediate": "usage_intermediate",
    "marts": "usage_marts",
    "audit": "usage_audit",
}
TEST_TYPES = ("test", "unit_test")
Report = dict[str, Any]


def dbt_section(run_results_path: Path) -> Report | None:
    """Nodes, statuses and durations of one dbt command (None when it left no run_results.json)."""
    if not run_results_path.exists():
        return None
    results = json.loads(run_results_path.read_text())
    nodes = [
        {
            "unique_id": result["unique_id"],
            "resource_type": result["unique_id"].split(".", 1)[0],
            "status": result["status"],
            "execution_seconds": round(float(result.get("execution_time") or 0.0), 3),
            "failures": result.get("failures"),
            "message": result.get("message") if result["status"] in ("error", "fail", "warn") else None,
        }
        for result in results["results"]
    ]
    by_type: dict[str, Counter[str]] = {}
    for node in nodes:
        by_type.setdefault(node["resource_type"], Counter())[node["status"]] += 1
    tests = Counter(node["status"] for node in nodes if node["resource_type"] in TEST_TYPES)
    return {
        "command": results.get("args", {}).get("which"),
        "vars": results.get("args", {}).get("vars") or {},
        "elapsed_seconds": round(float(results.get("elapsed_time") or 0.0), 3),
        "status_counts": {kind: dict(sorted(counts.items())) for kind, counts in sorted(by_type.items())},
        "tests": {
            "passed": tests["pass"],
            "warned": tests["warn"],
            "failed": tests["fail"],
            "errored": tests["error"],
            "skipped": tests["skipped"],
        },
        "nodes": nodes,
    }


def _count(db_path: Path, tables: list[str]) -> dict[str, int]:
    if not tables:
        return {}
    sql = " union all ".join(f"select '{table}', count(*) from {table}" for table in tables)
    return {str(name): int(rows) for name, rows in query(db_path, sql)}


def rows_section(db_path: Path) -> Report:
    """Rows per table and per layer, the raw-row accounting and the quarantine, read from the warehouse."""
    existing = query(db_path, "select table_schema, table_name, table_type from information_schema.tables")
    base_tables = {f"{schema}.{name}" for schema, name, kind in existing if kind == "BASE TABLE"}
    layers: dict[str, dict[str, int]] = {
        "raw": _count(db_path, sorted(t.qualified_name for t in RAW_TABLES if t.qualified_name in base_tables))
    }
    for layer, schema in LAYER_SCHEMAS.items():
        layers[layer] = _count(db_path, sorted(t for t in base_tables if t.startswith(f"{schema}.")))
    accounting: dict[str, dict[str, int]] = {}
    quarantine: dict[str, int] = {}
    if "usage_audit.fct_source_row_accounting" in base_tables:
        for table, raw, kept, duplicates, quarantined in query(
            db_path,
            "select source_table, raw_row_count, kept_row_count, duplicate_row_count, quarantined_row_count"
            " from usage_audit.fct_source_row_accounting order by source_table",
        ):
            accounting[str(table)] = {
                "raw": int(raw),
                "kept": int(kept),
                "duplicates": int(duplicates),
                "quarantined": int(quarantined),
            }
    if "usage_audit.fct_quarantined_rows" in base_tables:
        quarantine = {
            str(reason): int(rows)
            for reason, rows in query(
                db_path,
                "select quarantine_reason, count(*) from usage_audit.fct_quarantined_rows group by all order by all",
            )
        }
    return {
        "tables": layers,
        "layer_totals": {layer: sum(counts.values()) for layer, counts in layers.items()},
        "accounting": accounting,
        "quarantined_by_reason": quarantine,
        "quarantined_total": sum(quarantine.values()),
    }


def expectations_section(checkpoint: Any) -> Report | None:
    """Suites and failures of a :class:`usage_warehouse.expectations.CheckpointReport` (None: not run)."""
    if checkpoint is None:
        return None
    return {
        "success": bool(checkpoint.success),
        "seconds": round(float(checkpoint.seconds), 3),
        "suites": {
            suite.name: {"expectations": suite.expectations, "passed": suite.passed, "failed": suite.failed}
            for suite in checkpoint.suites
        },
        "failures": [asdict(failure) for failure in checkpoint.failures],
        "docs_index": str(checkpoint.docs_index),
    }


def _failures(report: Report) -> set[str]:
    """Every failure of a report as one comparable label."""
    labels = set()
    for node in (report.get("dbt") or {}).get("nodes", []):
        if node["status"] in ("error", "fail"):
            labels.add(f"dbt {node['status']}: {node['unique_id']}")
    for failure in (report.get("expectations") or {}).get("failures", []):
        labels.add(f"expectation: {failure['suite']}: {failure['table']}: {failure['expectation']}")
    return labels


def compare(current: Report, previous: Report | None) -> Report | None:
    """What changed since the previous report: row deltas (tables that changed), new and resolved failures."""
    if previous is None:
        return None
    row_deltas: dict[str, dict[str, int]] = {}
    for layer, tables in current["rows"]["tables"].items():
        before = previous.get("rows", {}).get("tables", {}).get(layer, {})
        changed = {table: rows - before.get(table, 0) for table, rows in tables.items() if rows != before.get(table, 0)}
        changed.update({table: -rows for table, rows in before.items() if table not in tables})
        if changed:
            row_deltas[layer] = dict(sorted(changed.items()))
    previous_totals = previous.get("rows", {}).get("layer_totals", {})
    now_failures, then_failures = _failures(current), _failures(previous)
    test_deltas = None
    if current.get("dbt") and previous.get("dbt"):
        test_deltas = {
            key: current["dbt"]["tests"][key] - previous["dbt"]["tests"].get(key, 0) for key in current["dbt"]["tests"]
        }
    return {
        "previous_run_id": previous.get("run_id"),
        "previous_run_date": previous.get("run_date"),
        "previous_status": previous.get("status"),
        "layer_total_deltas": {
            layer: total - previous_totals.get(layer, 0) for layer, total in current["rows"]["layer_totals"].items()
        },
        "row_deltas": row_deltas,
        "quarantined_delta": current["rows"]["quarantined_total"]
        - previous.get("rows", {}).get("quarantined_total", 0),
        "test_deltas": test_deltas,
        "new_failures": sorted(now_failures - then_failures),
        "resolved_failures": sorted(then_failures - now_failures),
    }


def previous_report(reports_dir: Path, run_id: str | None = None) -> Report | None:
    """The report written last in reports_dir (by its finished_at) by another run than run_id, or None."""
    reports = []
    for path in reports_dir.glob("*.json"):
        try:
            reports.append(json.loads(path.read_text()))
        except (OSError, json.JSONDecodeError):
            continue  # not a report (or a half-written one): nothing to compare with
    reports = [r for r in reports if r.get("report_version") == REPORT_VERSION and r.get("run_id") != run_id]
    return max(reports, key=lambda report: str(report.get("finished_at")), default=None)


def build_report(
    *,
    db_path: Path,
    run_id: str,
    run_date: date,
    status: str,
    started_at: datetime,
    run_results_path: Path,
    landed: Mapping[str, int] | None,
    checkpoint: Any = None,
    previous: Report | None = None,
) -> Report:
    """The report of one run; ``checkpoint`` is the expectations' CheckpointReport when they ran."""
    report: Report = {
        "report_version": REPORT_VERSION,
        "run_id": run_id,
        "run_date": run_date.isoformat(),
        "status": status,
        "started_at": started_at.isoformat(timespec="seconds"),
        "finished_at": datetime.now(UTC).isoformat(timespec="microseconds"),
        "warehouse": str(db_path),
        "landed": None if landed is None else dict(sorted(landed.items())),
        "dbt": dbt_section(run_results_path),
        "rows": rows_section(db_path),
        "expectations": expectations_section(checkpoint),
    }
    report["comparison"] = compare(report, previous)
    return report


def render_markdown(report: Report) -> str:
    """A short human summary of a report."""
    lines = [
        f"# Run {report['run_date']}: {report['status']}",
        "",
        f"Run `{report['run_id']}`, {report['started_at']} to {report['finished_at']}, "
        f"warehouse `{report['warehouse']}`.",
        "",
    ]
    if report["landed"] is not None:
        lines.append(f"Landed {sum(report['landed'].values()):,} raw rows.")
    dbt = report["dbt"]
    if dbt is None:
        lines.append("dbt did not run in this run.")
    else:
        tests = dbt["tests"]
        lines.append(
            f"dbt `{dbt['command']}` in {dbt['elapsed_seconds']:.1f}s: {len(dbt['nodes'])} nodes; tests "
            f"{tests['passed']} passed, {tests['warned']} warned, {tests['failed']} failed, {tests['errored']} errored."
        )
        slowest = sorted(dbt["nodes"], key=lambda node: -node["execution_seconds"])[:5]
        lines.append("Slowest: " + ", ".join(f"{n['unique_id']} {n['execution_seconds']:.1f}s" for n in slowest) + ".")
        failed = [node for node in dbt["nodes"] if node["status"] in ("error", "fail")]
        lines += [f"- dbt {node['status']}: {node['unique_id']}: {node['message']}" for node in failed]
    rows = report["rows"]
    lines += ["", "| layer | tables | rows |", "|---|---:|---:|"]
    for layer, total in rows["layer_totals"].items():
        lines.append(f"| {layer} | {len(rows['tables'][layer])} | {total:,} |")
    lines += ["", f"Quarantined rows: {rows['quarantined_total']:,}."]
    expectations = report["expectations"]
    if expectations is not None:
        verdict = "passed" if expectations["success"] else f"{len(expectations['failures'])} failed"
        lines.append(f"Expectations: {verdict}.")
        lines += [
            f"- {failure['suite']}: {failure['table']}: {failure['expectation']}: {failure['observed']}"
            for failure in expectations["failures"]
        ]
    comparison = report["comparison"]
    if comparison is None:
        lines += ["", "No previous report to compare with."]
    else:
        lines += ["", f"Since run {comparison['previous_run_date']} ({comparison['previous_status']}):"]
        lines += [f"- {layer}: {delta:+,} rows" for layer, delta in comparison["layer_total_deltas"].items()]
        lines += [f"- new failure: {failure}" for failure in comparison["new_failures"]]
        lines += [f"- resolved: {failure}" for failure in comparison["resolved_failures"]]
    return "\n".join(lines) + "\n"


def write_report(report: Report, reports_dir: Path) -> Path:
    """Write ``<run date>.json`` and ``.md`` into reports_dir; returns the JSON path."""
    reports_dir.mkdir(parents=True, exist_ok=True)
    path = reports_dir / f"{report['run_date']}.json"
    partial = path.with_suffix(".json.partial")
    partial.write_text(json.dumps(report, indent=2, default=str) + "\n")
    partial.replace(path)
    path.with_suffix(".md").write_text(render_markdown(report))
    return path
