"""dbt's own overhead: the full build's compiled SQL run straight on DuckDB.

On a copy of the warehouse holding only the raw tables and the seeds, in one DuckDB
connection and in dependency order, each model of the build becomes ``create or replace
table <relation> as <compiled SQL>`` (a view: ``create or replace view``) and each data test
``select count(*) from (<compiled SQL>)``. Left out, so that the direct run is the lower
bound of the same work: dbt's parsing, scheduling and artifacts, hooks (on-run-start and the
models' pre/post hooks), enforced contracts (dbt creates the table from the declared column
types, then inserts), the snapshot and the tests that read it, unit tests, and seeds (loaded
before the direct run starts).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from usage_warehouse.bench.artifacts import Artifacts, JsonObject
from usage_warehouse.warehouse import remove_database

TABLE_MATERIALIZATIONS = frozenset({"table", "incremental"})


@dataclass
class DirectRun:
    seconds: float
    models: int
    tests: int
    cpu_seconds: float  # user + system CPU time of this process (DuckDB's threads) during the run
    left_out: dict[str, int] = field(default_factory=dict)


def execution_order(artifacts: Artifacts) -> list[JsonObject]:
    """Models and data tests of the build, each after everything it depends on (run order breaks ties)."""
    position = {result["unique_id"]: index for index, result in enumerate(artifacts.results)}
    nodes = {
        unique_id: artifacts.node(unique_id)
        for unique_id in position
        if artifacts.node(unique_id).get("resource_type") in ("model", "test")
    }
    remaining = {
        unique_id: {dep for dep in node.get("depends_on", {}).get("nodes", []) if dep in nodes}
        for unique_id, node in nodes.items()
    }
    ordered: list[JsonObject] = []
    while remaining:
        ready = sorted((uid for uid, deps in remaining.items() if not deps), key=position.__getitem__)
        if not ready:
            raise ValueError(f"dependency cycle among {sorted(remaining)[:5]}")
        for unique_id in ready:
            ordered.append(nodes[unique_id])
            del remaining[unique_id]
        for deps in remaining.values():
            deps.difference_update(ready)
    return ordered


def statement(node: JsonObject, compiled: str) -> str:
    """The SQL the direct run executes for one model or data test."""
    if node["resource_type"] == "test":
        return f"select count(*) from (\n{compiled}\n) as dbt_test"
    kind = "view" if node.get("config", {}).get("materialized") == "view" else "table"
    return f"create or replace {kind} {node['relation_name']} as (\n{compiled}\n)"


@contextmanager
def connect_as_profile(
    db_path: Path, memory_limit: str, *, read_only: bool = False, threads: int | None = None
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A DuckDB connection with the settings of the dbt profile (profiles.yml): memory limit,
    insertion order not kept, UTC; ``threads`` as dbt's (DuckDB's own default: every core)."""
    settings: dict[str, str | bool | int | float | list[str]] = {
        "memory_limit": memory_limit,
        "preserve_insertion_order": False,
    }
    if threads is not None:
        settings["threads"] = threads
    with duckdb.connect(str(db_path), read_only=read_only, config=settings) as con:
        con.execute("set TimeZone = 'UTC'")  # after connecting: it needs the icu extension
        con.execute("set enable_progress_bar = false")  # a session setting; the benchmark prints its own progress
        yield con


@contextmanager
def scratch_reading(
    db_path: Path, scratch: Path, memory_limit: str, *, what: str
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection as the profile's to a new DuckDB file at ``scratch``, with the warehouse at
    ``db_path`` attached read-only under the name its compiled SQL gives it (its file name);
    the scratch file is deleted afterwards. ``what`` names the scratch file in errors."""
    alias = db_path.stem
    if alias == scratch.stem:
        raise ValueError(f"the {what} ({scratch}) needs a file name other than the warehouse's ({db_path.name})")
    scratch.parent.mkdir(parents=True, exist_ok=True)
    remove_database(scratch)
    try:
        with connect_as_profile(scratch, memory_limit) as con:
            con.execute(f"attach '{db_path}' as \"{alias}\" (read_only)")
            yield con
            con.execute(f'detach "{alias}"')
    finally:
        remove_database(scratch)


def run_direct(db_path: Path, artifacts: Artifacts, *, memory_limit: str) -> DirectRun:
    """Run the build's models and data tests on db_path (raw tables and seeds only); time it."""
    compiled = {result["unique_id"]: result.get("compiled_code") for result in artifacts.results}
    left_out: dict[str, int] = {}
    for result in artifacts.results:
        resource_type = artifacts.node(result["unique_id"]).get("resource_type", "other")
        if resource_type not in ("model", "test"):
            left_out[str(resource_type)] = left_out.get(str(resource_type), 0) + 1
    executed: set[str] = set()
    models = tests = 0
    started, cpu_started = time.perf_counter(), time.process_time()
    with connect_as_profile(db_path, memory_limit) as con:
        for node in execution_order(artifacts):
            unique_id = node["unique_id"]
            depends = [dep for dep in node.get("depends_on", {}).get("nodes", []) if not dep.startswith("source.")]
            sql = compiled.get(unique_id) or node.get("compiled_code")
            if not sql or any(dep not in executed and not dep.startswith("seed.") for dep in depends):
                left_out["test_of_left_out_node"] = left_out.get("test_of_left_out_node", 0) + 1
                continue
            if node["resource_type"] == "model":
                con.execute(f'create schema if not exists "{node["database"]}"."{node["schema"]}"')
                con.execute(statement(node, sql))
                models += 1
            else:
                con.execute(statement(node, sql)).fetchall()
                tests += 1
            executed.add(unique_id)
    return DirectRun(
        seconds=time.perf_counter() - started,
        models=models,
        tests=tests,
        left_out=left_out,
        cpu_seconds=time.process_time() - cpu_started,
    )
