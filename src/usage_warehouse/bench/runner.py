"""Running the benchmark: per size, generate, full build, direct run; then the incremental runs
of every size in interleaved rounds."""

from __future__ import annotations

import contextlib
import json
import shutil
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any, TypeVar

import duckdb

from usage_warehouse import raw_schema
from usage_warehouse.bench.artifacts import (
    Artifacts,
    grown_nodes,
    layer_times,
    node_seconds,
    slowest_nodes,
    statuses,
)
from usage_warehouse.bench.copy import SLOWEST_TABLES, copy_tables
from usage_warehouse.bench.direct import run_direct
from usage_warehouse.bench.machine import available_memory_kib, cpu_ticks, machine_info, steal_share
from usage_warehouse.bench.reference import run_reference
from usage_warehouse.bench.report import evaluate_targets, history_scaling, median_by, ratio, rewrite_doc
from usage_warehouse.bench.sizes import (
    PROBE_ACCOUNTS,
    SizePlan,
    calibrate_accounts,
    days_for,
    events_per_day,
    generator_shards,
    measure_density,
    plan_sizes,
)
from usage_warehouse.dbt import (
    INCREMENTAL_BUILD,
    INCREMENTAL_VARS,
    PRODUCTION_BUILD,
    PROJECT_DIR,
    MeasuredDbtRun,
    environment,
    run_dbt,
    run_dbt_measured,
)
from usage_warehouse.demo.config import DEFAULT_END_DATE, MAX_ACCOUNTS, GeneratorConfig
from usage_warehouse.demo.progress import Progress
from usage_warehouse.demo.writer import append_database
from usage_warehouse.generator import generate, write_duckdb
from usage_warehouse.warehouse import copy_database

DEFAULT_SIZES = "1M,10M"
DEFAULT_OUT = PROJECT_DIR / "target" / "bench" / "results.json"
DEFAULT_WORK_DIR = PROJECT_DIR / "target" / "bench" / "work"
DEFAULT_DOC = PROJECT_DIR / "docs" / "benchmarks.md"
# The profile's default (profiles.yml): DuckDB's share of a 4 GiB process.
DEFAULT_MEMORY_LIMIT = "3GB"
DB_NAME = "warehouse.duckdb"  # the same file name everywhere: compiled SQL names the database after it


@dataclass(frozen=True)
class BenchOptions:
    sizes: list[int]
    out: Path = DEFAULT_OUT
    work_dir: Path = DEFAULT_WORK_DIR
    doc: Path | None = DEFAULT_DOC
    events_per_day: int | None = None
    seed: int = 42
    end_date: date = DEFAULT_END_DATE
    memory_limit: str = DEFAULT_MEMORY_LIMIT
    threads: int = 2
    skip_direct: bool = False
    skip_table_copy: bool = False
    skip_reference: bool = False
    min_shards: int = 1  # each dataset in at least this many shards (more where one would not fit in memory)
    # The incremental and no-new-data runs, each time from the same warehouse: the median counts.
    incremental_repeats: int = 3
    keep: bool = False
    progress: Progress = field(default_factory=Progress)


@contextlib.contextmanager
def _profile_environment(memory_limit: str, threads: int) -> Iterator[None]:
    """The profile's DuckDB memory limit and dbt threads for every dbt child, restored afterwards."""
    with environment({"USAGE_WAREHOUSE_DUCKDB_MEMORY_LIMIT": memory_limit, "USAGE_WAREHOUSE_THREADS": str(threads)}):
        yield


def run_bench(options: BenchOptions) -> dict[str, Any]:
    """Run the benchmark at every size; write the JSON (and the doc's results section); return the figures."""
    progress = options.progress
    available_kib = available_memory_kib()
    with _profile_environment(options.memory_limit, options.threads):
        daily = events_per_day(options.sizes, options.events_per_day)
        smallest = min(options.sizes)
        probe_days = days_for(smallest, daily)
        density, probe_rows = measure_density(probe_days, seed=options.seed)
        first_guess = plan_sizes(options.sizes, daily, density)[0].accounts
        progress.step(f"density {density:.1f} rows/account/day ({probe_days}-day probe)", probe_rows)
        [smallest_shards] = generator_shards([smallest], MAX_ACCOUNTS, available_kib, at_least=options.min_shards)
        accounts, calibration_rows = calibrate_accounts(
            smallest, probe_days, first_guess, seed=options.seed, shards=smallest_shards
        )
        shards = generator_shards(options.sizes, accounts, available_kib, at_least=options.min_shards)
        plans = [
            replace(plan, shards=count)
            for plan, count in zip(plan_sizes(options.sizes, daily, density, accounts), shards, strict=True)
        ]
        progress.step(
            f"{accounts:,} accounts ({first_guess:,} from the density), {daily:,} events/day", calibration_rows
        )
        settings = {
            "sizes": [plan.label for plan in plans],
            "events_per_day": daily,
            "density_rows_per_account_day": round(density, 3),
            "probe": {"accounts": PROBE_ACCOUNTS, "days": probe_days, "rows": probe_rows},
            "accounts_from_density": first_guess,
            "accounts": accounts,
            "seed": options.seed,
            "end_date": options.end_date.isoformat(),
            "duckdb_memory_limit": options.memory_limit,
            "dbt_threads": options.threads,
            "direct_run": not options.skip_direct,
            "table_copy": not options.skip_table_copy,
            "reference_pipeline": not options.skip_reference,
            "incremental_repeats": options.incremental_repeats,
        }
        built = [_build_size(plan, options) for plan in plans]
        # The sizes' incremental runs take turns, so that the ratios between sizes compare runs
        # minutes apart, under the same load of the machine.
        interleaved_rounds(
            built, options.incremental_repeats, lambda size, repeat: _incremental_round(size, repeat, options)
        )
        results = _results(settings, [_finish_size(size, options) for size in built], options)
    if options.doc is not None:
        rewrite_doc(options.doc, results)
        progress.step(f"results table written to {options.doc}")
    return results


def _results(settings: dict[str, Any], sizes: list[dict[str, Any]], options: BenchOptions) -> dict[str, Any]:
    """The figures of every size, written to options.out once all their incremental rounds have run."""
    history = history_scaling(sizes)
    results: dict[str, Any] = {
        "schema_version": 1,
        "machine": machine_info(),
        "settings": settings,
        "sizes": sizes,
        "history_scaling": history,
        "targets": evaluate_targets(sizes, history),
    }
    options.out.parent.mkdir(parents=True, exist_ok=True)
    options.out.write_text(json.dumps(results, indent=2) + "\n")
    options.progress.step(f"results of {len(sizes)} size(s) written to {options.out}")
    return results


def _measured(run: MeasuredDbtRun, steal: float | None) -> dict[str, Any]:
    return {
        "seconds": round(run.seconds, 3),
        "cpu_seconds": round(run.cpu_seconds, 3),
        "cpu_steal_share": steal,
        "peak_memory_mib": round(run.max_rss_kib / 1024, 1),
    }


Measured = TypeVar("Measured")


def _with_steal(run: Callable[[], Measured]) -> tuple[Measured, float | None]:
    """What ``run`` returns, and the share of the machine's CPU time stolen while it ran."""
    before = cpu_ticks()
    result = run()
    return result, steal_share(before, cpu_ticks())


def _timed_dbt(args: list[str], db_path: Path, target: Path) -> tuple[MeasuredDbtRun, float | None]:
    """A measured dbt command, and the share of the machine's CPU time stolen while it ran."""
    return _with_steal(lambda: run_dbt_measured(args, db_path=db_path, target_path=target))


def _profile(artifacts: Artifacts) -> dict[str, Any]:
    """Where a build's time went: summed node time per layer and the slowest nodes."""
    return {"layers": layer_times(artifacts), "slowest_nodes": slowest_nodes(artifacts)}


def _raw_rows(db_path: Path) -> int:
    with duckdb.connect(str(db_path), read_only=True) as con:
        counts = [con.execute(f"select count(*) from {t.qualified_name}").fetchone() for t in raw_schema.RAW_TABLES]
    return sum(int(row[0]) for row in counts if row is not None)


TimedRun = tuple[MeasuredDbtRun, float | None, Artifacts]


def _wall_seconds(run: TimedRun) -> float:
    return run[0].seconds


Item = TypeVar("Item")


def interleaved_rounds(items: Sequence[Item], count: int, run: Callable[[Item, int], None]) -> None:
    """``count`` rounds; round r runs repeat r of every item, in their order."""
    for repeat in range(count):
        for item in items:
            run(item, repeat)


@dataclass
class BuiltSize:
    """A size whose history is built (full build measured) and whose new day has landed: the
    incremental rounds run on it, then _finish_size turns it into its results."""

    plan: SizePlan
    work: Path
    full_db: Path
    target: Path
    backup: Path
    full: MeasuredDbtRun
    figures: dict[str, Any]  # generator, full_build, direct, table_copy, reference_pipeline
    new_rows: int
    pairs: list[tuple[TimedRun, TimedRun]] = field(default_factory=list)


def _incremental_round(size: BuiltSize, repeat: int, options: BenchOptions) -> None:
    """One pair of an incremental build (the new day) and a build with no new data, from the
    warehouse as it was with the new day landed. With repeats, every pair (the first too)
    starts from a fresh copy of the backup taken then, so that all run on files written the
    same way (the file the full build wrote in place is not used)."""
    label, count = size.plan.label, options.incremental_repeats
    if count > 1:
        copy_database(size.backup / DB_NAME, size.full_db)
    of = f" (run {repeat + 1} of {count})" if count > 1 else ""
    incremental, incremental_steal = _timed_dbt(list(INCREMENTAL_BUILD), size.full_db, size.target)
    incremental_run = (incremental, incremental_steal, Artifacts.read(size.target))
    options.progress.step(f"{label}: incremental dbt build {incremental.seconds:.1f}s{of}")
    fixed, fixed_steal = _timed_dbt(list(INCREMENTAL_BUILD), size.full_db, size.target)
    size.pairs.append((incremental_run, (fixed, fixed_steal, Artifacts.read(size.target))))
    options.progress.step(f"{label}: dbt build with no new data {fixed.seconds:.1f}s{of}")


def _recorded_seconds(seconds: float) -> float:
    """Seconds as written to the results (milliseconds, at least one), from which the rates and
    ratios beside them are computed, so the file's figures agree with one another: at small
    sizes the write floor and the reference take a few milliseconds."""
    return max(round(seconds, 3), 0.001)


def _table_copy(
    label: str, full_db: Path, artifacts: Artifacts, scratch: Path, full_build: dict[str, Any], options: BenchOptions
) -> dict[str, Any]:
    """The full build's write floor: its tables copied into an empty file (bench/copy.py)."""
    copied, steal = _with_steal(lambda: copy_tables(full_db, artifacts, scratch, memory_limit=options.memory_limit))
    options.progress.step(
        f"{label}: built tables copied {copied.seconds:.1f}s ({len(copied.tables)} tables)", copied.rows
    )
    seconds = _recorded_seconds(copied.seconds)
    return {
        "seconds": seconds,
        "cpu_seconds": round(copied.cpu_seconds, 3),
        "cpu_steal_share": steal,
        "tables": len(copied.tables),
        "rows": copied.rows,
        "mib_written": round(copied.bytes_written / 2**20, 1),
        "ratio_to_full": round(seconds / full_build["seconds"], 4),
        # The raw rows over the copy's seconds: the rate no build writing these tables can pass.
        "events_per_second": round(full_build["events"] / seconds),
        "slowest_tables": copied.tables[:SLOWEST_TABLES],
        "layers": copied.layers(),
    }


def _reference(
    label: str, full_db: Path, scratch: Path, full_build: dict[str, Any], options: BenchOptions
) -> dict[str, Any]:
    """The reference rate: a bare DuckDB pipeline of dedupe plus daily aggregation on the same
    raw tables (bench/reference.py)."""
    run, steal = _with_steal(lambda: run_reference(full_db, scratch, memory_limit=options.memory_limit))
    options.progress.step(f"{label}: reference pipeline (dedupe + daily aggregation) {run.seconds:.1f}s", run.events)
    seconds = _recorded_seconds(run.seconds)
    return {
        "seconds": seconds,
        "cpu_seconds": round(run.cpu_seconds, 3),
        "cpu_steal_share": steal,
        "events_kept": run.events,
        "daily_rows": run.daily_rows,
        # The full build's raw rows over the pipeline's seconds: rates that compare with each other.
        "events_per_second": round(full_build["events"] / seconds),
        "full_build_ratio": round(full_build["seconds"] / seconds, 3),
    }


def _build_size(plan: SizePlan, options: BenchOptions) -> BuiltSize:
    """Generate the size's dataset, land its history, measure the full build, the direct run,
    the write floor and the reference pipeline, and land the new day."""
    progress, label = options.progress, plan.label
    config = GeneratorConfig(accounts=plan.accounts, days=plan.days, end_date=options.end_date, seed=options.seed)
    work = options.work_dir / label
    shutil.rmtree(work, ignore_errors=True)
    full_db, direct_db = work / "full" / DB_NAME, work / "direct" / DB_NAME
    target = work / "target"

    # Each shard lands its history in the warehouse and its last day in a database of its own,
    # which the incremental run appends later: only one shard's data is ever in memory.
    cut = config.as_of - timedelta(days=1)
    new_day_db = work / "new_day" / DB_NAME
    generate_seconds, generated, history_rows = 0.0, 0, 0
    for shard in range(plan.shards):
        started = time.perf_counter()
        data = generate(config.shard_of(shard, plan.shards))
        generate_seconds += time.perf_counter() - started
        generated += sum(data.row_counts.values())
        of = f" (shard {shard + 1} of {plan.shards})" if plan.shards > 1 else ""
        progress.step(f"{label}: generated {data.config.accounts:,} accounts x {plan.days} days{of}", generated)
        history_rows += sum(write_duckdb(data, full_db, mode="extend" if shard else "replace", load_until=cut).values())
        write_duckdb(data, new_day_db, mode="append", load_from=cut, load_until=config.as_of)
        del data
    progress.step(f"{label}: history landed (loads up to {cut:%Y-%m-%d})", history_rows)
    # Untimed: parses the project (every timed build starts from it) and loads the seeds, so a
    # copy of the warehouse now holds what the direct run starts from: raw tables and seeds.
    run_dbt(["seed"], db_path=full_db, target_path=target)
    progress.step(f"{label}: dbt seed (not timed)")
    if not options.skip_direct:
        direct_db.parent.mkdir(parents=True, exist_ok=True)
        copy_database(full_db, direct_db)
    full, full_steal = _timed_dbt(list(PRODUCTION_BUILD), full_db, target)
    artifacts = Artifacts.read(target)
    progress.step(f"{label}: full dbt build {full.seconds:.1f}s", history_rows)
    measured_full = _measured(full, full_steal)
    full_build: dict[str, Any] = {
        **measured_full,
        "events": history_rows,
        # From the seconds written beside it, so the file's figures agree with one another.
        "events_per_second": round(history_rows / measured_full["seconds"]),
        "dbt_elapsed_seconds": round(float(artifacts.run_results.get("elapsed_time") or 0.0), 3),
        "node_seconds_total": round(sum(float(r.get("execution_time") or 0.0) for r in artifacts.results), 3),
        "nodes": len(artifacts.results),
        "statuses": statuses(artifacts),
        **_profile(artifacts),
    }

    direct: dict[str, Any] | None = None
    if not options.skip_direct:
        measured, direct_steal = _with_steal(
            lambda: run_direct(direct_db, artifacts, memory_limit=options.memory_limit)
        )
        direct_seconds = _recorded_seconds(measured.seconds)
        direct = {
            "seconds": direct_seconds,
            "cpu_seconds": round(measured.cpu_seconds, 3),
            "cpu_steal_share": direct_steal,
            "models": measured.models,
            "data_tests": measured.tests,
            "left_out": measured.left_out,
            "dbt_overhead_ratio": round(full_build["seconds"] / direct_seconds, 3),
            # The same ratio in CPU time: what dbt adds, less what other guests took from the machine.
            "dbt_overhead_cpu_ratio": ratio(full.cpu_seconds, measured.cpu_seconds),
        }
        progress.step(f"{label}: direct run {measured.seconds:.1f}s ({measured.models} models, {measured.tests} tests)")
        if not options.keep:
            shutil.rmtree(direct_db.parent)

    table_copy = None
    if not options.skip_table_copy:
        table_copy = _table_copy(label, full_db, artifacts, work / "table_copy.duckdb", full_build, options)

    reference = None
    if not options.skip_reference:
        reference = _reference(label, full_db, work / "reference.duckdb", full_build, options)

    new_rows = sum(append_database(new_day_db, full_db).values())
    progress.step(f"{label}: new day landed", new_rows)
    # Untimed, like the daily job, which keeps the parse of its own command: dbt parses the whole
    # project again when the vars change (the full build ran without the incremental ones).
    run_dbt(["parse", *INCREMENTAL_VARS], db_path=full_db, target_path=target)
    # The incremental rounds start from this copy (with repeats); --keep keeps it, to profile
    # the incremental run's SQL on the warehouse it ran on (docs/benchmarks.md, "Profiling one
    # query at a time").
    backup = work / "before_incremental"
    if options.incremental_repeats > 1 or options.keep:
        backup.mkdir(parents=True, exist_ok=True)
        copy_database(full_db, backup / DB_NAME)
    figures = {
        "generator": {
            "seconds": round(generate_seconds, 3),
            "rows": generated,
            "events_per_second": round(generated / generate_seconds),
            "shards": plan.shards,
        },
        "full_build": full_build,
        "direct": direct,
        "table_copy": table_copy,
        "reference_pipeline": reference,
    }
    return BuiltSize(plan, work, full_db, target, backup, full, figures, new_rows)


def _finish_size(size: BuiltSize, options: BenchOptions) -> dict[str, Any]:
    """The size's results: its builds, and the median of its incremental rounds."""
    plan, full, repeats, new_rows = size.plan, size.full, size.pairs, size.new_rows
    (incremental, incremental_steal, incremental_artifacts) = median_by([run for run, _ in repeats], _wall_seconds)
    (fixed, fixed_steal, fixed_artifacts) = median_by([run for _, run in repeats], _wall_seconds)
    incremental_nodes = node_seconds(incremental_artifacts)
    events = _raw_rows(size.full_db)
    if not options.keep:
        shutil.rmtree(size.work)

    return {
        "label": plan.label,
        "target_events": plan.target_events,
        "accounts": plan.accounts,
        "days": plan.days,
        "events": events,
        **size.figures,
        "incremental": {
            **_measured(incremental, incremental_steal),
            "seconds_runs": [round(run.seconds, 3) for (run, _, _), _ in repeats],
            "new_rows": new_rows,
            "ratio_to_full": round(incremental.seconds / full.seconds, 4),
            **_profile(incremental_artifacts),
            "node_seconds": incremental_nodes,
        },
        "no_new_data": {
            **_measured(fixed, fixed_steal),
            "seconds_runs": [round(run.seconds, 3) for _, (run, _, _) in repeats],
            "ratio_to_full": round(fixed.seconds / full.seconds, 4),
            **_profile(fixed_artifacts),
        },
        "incremental_work_beyond_fixed_cost": round((incremental.seconds - fixed.seconds) / full.seconds, 4),
        # Where the new day's work went: the nodes that took longest over the run with no new data.
        "new_day_work_nodes": grown_nodes(incremental_nodes, node_seconds(fixed_artifacts)),
        "peak_memory_mib": round(
            max([full.max_rss_kib] + [run.max_rss_kib for pair in repeats for run, _, _ in pair]) / 1024, 1
        ),
        "work_dir": str(size.work) if options.keep else None,
    }
