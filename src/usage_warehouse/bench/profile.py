"""Per-query profile of a build: where a model's or data test's time goes, rerunnable.

Each selected node's compiled SQL (from a target directory's ``run_results.json``: a
``dbt build``, ``run`` or ``compile`` on the same warehouse) is run alone on that warehouse,
opened read-only, under DuckDB's JSON profiler: ``create temp table profiled as (<SQL>)``,
then the temporary table is dropped. Nothing in the warehouse changes. Per node it reports
the wall time (the median of ``repeat`` runs), DuckDB's CPU time, the rows produced, the rows
and row groups scanned, the bytes read, the peak buffer memory and the slowest operators.

The query reads the warehouse as it is now. The queries of a full build, profiled after it,
read the tables it wrote; an incremental model's query also reads its own table (``this``),
which already holds the run's rows. To profile the queries of the next incremental run,
compile them first: ``dbt compile --target-path <dir>`` on the built warehouse writes them
with the watermarks it would use. Only DuckDB warehouses can be profiled.
"""

from __future__ import annotations

import json
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from usage_warehouse.bench.artifacts import Artifacts, JsonObject, layer_of
from usage_warehouse.bench.direct import connect_as_profile, execution_order
from usage_warehouse.bench.machine import machine_info
from usage_warehouse.bench.report import median_by
from usage_warehouse.demo.progress import Progress

PROFILE_TABLE = "profiled"


@dataclass(frozen=True)
class ProfileOptions:
    db_path: Path
    target_path: Path
    out: Path
    select: tuple[str, ...] = ()  # node names (model or test names); empty: every model
    include_tests: bool = False
    repeat: int = 1
    threads: int | None = None  # DuckDB threads; None: every core, as in dbt's builds
    memory_limit: str = "3GB"
    top_operators: int = 5
    progress: Progress = field(default_factory=Progress)


@dataclass(frozen=True)
class OperatorTime:
    operator: str
    seconds: float  # summed over the threads that ran it
    rows: int  # rows it produced
    detail: str  # the table it scans, or its join conditions, groups or projections

    def as_json(self) -> JsonObject:
        return {"operator": self.operator, "seconds": self.seconds, "rows": self.rows, "detail": self.detail}


@dataclass(frozen=True)
class QueryProfile:
    unique_id: str
    resource_type: str
    layer: str
    materialized: str | None
    wall_seconds: float  # of the median run
    wall_seconds_runs: list[float]
    cpu_seconds: float  # DuckDB's CPU time, of the run whose wall time is the median
    rows: int
    rows_scanned: int
    row_groups_scanned: int
    row_groups_to_scan: int
    bytes_read: int
    peak_buffer_mib: float
    operators: list[OperatorTime]

    def as_json(self) -> JsonObject:
        return {
            "unique_id": self.unique_id,
            "resource_type": self.resource_type,
            "layer": self.layer,
            "materialized": self.materialized,
            "wall_seconds": self.wall_seconds,
            "wall_seconds_runs": self.wall_seconds_runs,
            "cpu_seconds": self.cpu_seconds,
            "rows": self.rows,
            "rows_scanned": self.rows_scanned,
            "row_groups_scanned": self.row_groups_scanned,
            "row_groups_to_scan": self.row_groups_to_scan,
            "bytes_read": self.bytes_read,
            "peak_buffer_mib": self.peak_buffer_mib,
            "operators": [operator.as_json() for operator in self.operators],
        }


def _detail(extra_info: Any) -> str:
    """The operator's most telling detail, on one line."""
    if not isinstance(extra_info, dict):
        return str(extra_info or "")[:160]
    for key in ("Table", "Conditions", "Groups", "Aggregates", "Projections"):
        value = extra_info.get(key)
        if value:
            text = value if isinstance(value, str) else ", ".join(str(item) for item in value)
            return f"{key.lower()}: {' '.join(text.split())}"[:160]
    return ""


def slowest_operators(profile: JsonObject, count: int) -> list[OperatorTime]:
    """The ``count`` operators of a DuckDB JSON profile with the most time, slowest first."""
    found: list[OperatorTime] = []
    pending: list[JsonObject] = list(profile.get("operator") or [])
    while pending:
        operator = pending.pop()
        pending.extend(operator.get("children") or [])
        found.append(
            OperatorTime(
                operator=str(operator.get("type") or "?"),
                seconds=round(float(operator.get("timing") or 0.0), 4),
                rows=int(operator.get("intermediate_rows") or 0),
                detail=_detail(operator.get("extra_info")),
            )
        )
    return sorted(found, key=lambda operator: (-operator.seconds, operator.operator))[:count]


def select_nodes(artifacts: Artifacts, select: tuple[str, ...], include_tests: bool) -> list[JsonObject]:
    """The nodes to profile, in execution order: the names in ``select``; without names, the
    models materialized as tables (and the data tests, with ``include_tests``). Views only by
    name: profiling one computes it whole. An unknown name is an error."""
    nodes = [
        node
        for node in execution_order(artifacts)
        if (node["resource_type"] == "model" or include_tests)
        and node.get("config", {}).get("materialized") != "ephemeral"
    ]
    if not select:
        # A view costs nothing to create: its readers compute it, and their profiles show it.
        return [node for node in nodes if node.get("config", {}).get("materialized") != "view"]
    by_name = {node["name"]: node for node in nodes}
    unknown = [name for name in select if name not in by_name]
    if unknown:
        kinds = "models or data tests" if include_tests else "models (add --tests for data tests)"
        raise ValueError(
            f"{', '.join(unknown)}: not among the {kinds} of the run in the target directory; "
            f"it has {len(by_name)} of them, e.g. {', '.join(sorted(by_name)[:5])}"
        )
    return [by_name[name] for name in select]


def _run_profiled(con: duckdb.DuckDBPyConnection, sql: str, output: Path) -> tuple[float, int, JsonObject]:
    """Wall seconds, rows and DuckDB's JSON profile of ``create temp table ... as (sql)``."""
    con.execute("pragma enable_profiling = 'json'")
    con.execute(f"pragma profiling_output = '{output}'")
    started = time.perf_counter()
    con.execute(f"create or replace temp table {PROFILE_TABLE} as (\n{sql}\n)")
    wall = time.perf_counter() - started
    con.execute("pragma disable_profiling")
    profile: JsonObject = json.loads(output.read_text())
    row = con.execute(f"select count(*) from {PROFILE_TABLE}").fetchone()
    con.execute(f"drop table {PROFILE_TABLE}")
    return wall, int(row[0]) if row else 0, profile


def profile_node(
    con: duckdb.DuckDBPyConnection, node: JsonObject, sql: str, options: ProfileOptions, scratch: Path
) -> QueryProfile:
    """Run one node's SQL ``options.repeat`` times under the profiler; its profile at the median run."""
    runs = [_run_profiled(con, sql, scratch / "profile.json") for _ in range(max(1, options.repeat))]
    walls = [wall for wall, _, _ in runs]
    wall, rows, profile = median_by(runs, lambda run: run[0])
    summary = profile.get("query") or {}  # the query's totals (DuckDB 2's JSON profile)
    return QueryProfile(
        unique_id=node["unique_id"],
        resource_type=node["resource_type"],
        layer=layer_of(node),
        materialized=node.get("config", {}).get("materialized") if node["resource_type"] == "model" else None,
        wall_seconds=round(wall, 4),
        wall_seconds_runs=[round(run_wall, 4) for run_wall in walls],
        cpu_seconds=round(float(summary.get("cpu_time") or 0.0), 4),
        rows=rows,
        rows_scanned=int(summary.get("total_rows_scanned") or 0),
        row_groups_scanned=int(summary.get("total_row_groups_scanned") or 0),
        row_groups_to_scan=int(summary.get("total_row_groups_to_scan") or 0),
        bytes_read=int((profile.get("io") or {}).get("total_bytes_read") or 0),
        peak_buffer_mib=round(int((profile.get("system") or {}).get("peak_buffer_memory") or 0) / 2**20, 1),
        operators=slowest_operators(profile, options.top_operators),
    )


def run_profile(options: ProfileOptions) -> JsonObject:
    """Profile the selected nodes; write the JSON to options.out and return it."""
    if not options.db_path.is_file():
        raise ValueError(f"{options.db_path}: no warehouse file; build one first (make demo, or dbt build)")
    if not (options.target_path / "run_results.json").is_file():
        raise ValueError(
            f"{options.target_path}: no run_results.json; run dbt build, run or compile with "
            "--target-path there on this warehouse first"
        )
    artifacts = Artifacts.read(options.target_path)
    compiled = {result["unique_id"]: result.get("compiled_code") for result in artifacts.results}
    nodes = select_nodes(artifacts, options.select, options.include_tests)
    missing = [node["name"] for node in nodes if not compiled.get(node["unique_id"])]
    if options.select and missing:
        raise ValueError(f"{', '.join(missing)}: no compiled SQL in {options.target_path}/run_results.json")
    nodes = [node for node in nodes if compiled.get(node["unique_id"])]
    profiles: list[QueryProfile] = []
    with (
        tempfile.TemporaryDirectory(prefix="usage-warehouse-profile-") as scratch,
        connect_as_profile(options.db_path, options.memory_limit, read_only=True, threads=options.threads) as con,
    ):
        for position, node in enumerate(nodes, start=1):
            measured = profile_node(con, node, str(compiled[node["unique_id"]]), options, Path(scratch))
            profiles.append(measured)
            options.progress.step(
                f"[{position}/{len(nodes)}] {node['name']}: {measured.wall_seconds:.3f}s wall, "
                f"{measured.cpu_seconds:.3f}s CPU",
                measured.rows,
            )
    results: JsonObject = {
        "schema_version": 1,
        "machine": machine_info(),
        "settings": {
            "warehouse": str(options.db_path),
            "target_path": str(options.target_path),
            "command": (artifacts.run_results.get("args") or {}).get("which"),
            "generated_at": (artifacts.run_results.get("metadata") or {}).get("generated_at"),
            "threads": options.threads,
            "memory_limit": options.memory_limit,
            "repeat": options.repeat,
        },
        "totals": {
            "nodes": len(profiles),
            "wall_seconds": round(sum(item.wall_seconds for item in profiles), 3),
            "cpu_seconds": round(sum(item.cpu_seconds for item in profiles), 3),
        },
        "queries": [item.as_json() for item in sorted(profiles, key=lambda item: -item.wall_seconds)],
    }
    options.out.parent.mkdir(parents=True, exist_ok=True)
    options.out.write_text(json.dumps(results, indent=2) + "\n")
    return results


def format_table(results: JsonObject, count: int = 25) -> str:
    """The slowest queries of a profile as a text table, each with its slowest operator."""
    lines = [f"{'wall s':>8} {'CPU s':>8} {'rows':>11} {'scanned':>12}  node / slowest operator"]
    for query in results["queries"][:count]:
        lines.append(
            f"{query['wall_seconds']:8.3f} {query['cpu_seconds']:8.3f} {query['rows']:11,} "
            f"{query['rows_scanned']:12,}  {query['unique_id']}"
        )
        if query["operators"]:
            top = query["operators"][0]
            lines.append(f"{'':44}  {top['operator']} {top['seconds']:.3f}s {top['rows']:,} rows {top['detail']}")
    totals = results["totals"]
    total = f"{totals['wall_seconds']:8.3f} {totals['cpu_seconds']:8.3f}"
    lines.append(f"{total} {'':11} {'':12}  total of {totals['nodes']} queries")
    return "\n".join(lines)
