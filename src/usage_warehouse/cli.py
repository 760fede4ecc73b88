"""Command line of the usage-warehouse tooling: ``python -m usage_warehouse <command> [options]``.

Commands are registered in ``COMMANDS``; adding one means adding an entry with its help text,
its arguments and the function that runs it (returning the process exit code).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb

from usage_warehouse.bench import BenchOptions, parse_sizes, run_bench
from usage_warehouse.bench.profile import ProfileOptions, format_table, run_profile
from usage_warehouse.bench.report import check_doc
from usage_warehouse.bench.runner import (
    DEFAULT_DOC,
    DEFAULT_MEMORY_LIMIT,
    DEFAULT_OUT,
    DEFAULT_SIZES,
    DEFAULT_WORK_DIR,
)
from usage_warehouse.dbt import PROJECT_DIR, DbtCommandError
from usage_warehouse.demo.config import DEFAULT_END_DATE, GeneratorConfig
from usage_warehouse.demo.progress import Progress
from usage_warehouse.demo.writer import check_window
from usage_warehouse.demo_build import USAGE_REPORT, build_demo, summary, warehouse_path
from usage_warehouse.generator import build_manifest, generate, write_duckdb, write_manifest
from usage_warehouse.load import load_files
from usage_warehouse.load.export import export_raw
from usage_warehouse.load.targets import TARGETS, close_engine, engine_for_target
from usage_warehouse.orchestration.run_report import DEFAULT_REPORTS_DIR


@dataclass(frozen=True)
class Command:
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


class UsageError(Exception):
    """A problem with the arguments, reported as ``<prog>: error: ...`` with exit code 2."""


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date; use YYYY-MM-DD, e.g. 2026-10-31") from None


def _load_time(text: str) -> datetime:
    """A load time: ISO date or date-time; with an offset it is converted to UTC, without it is UTC."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a timestamp; use ISO 8601, e.g. 2026-10-30, 2026-10-30T06:00 or 2026-10-30T06:00+02:00"
        ) from None
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def _add_dataset_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments that define the demo dataset (shared by `generate` and `demo`)."""
    defaults = GeneratorConfig()
    parser.add_argument("--accounts", type=int, default=defaults.accounts, help="number of customer accounts")
    parser.add_argument("--days", type=int, default=defaults.days, help="length of the period in days")
    parser.add_argument(
        "--end-date",
        type=_date,
        default=DEFAULT_END_DATE,
        help="last day of the period (UTC); the data describes midnight after it",
    )
    parser.add_argument("--seed", type=int, default=defaults.seed, help="random seed: same seed, same data")
    parser.add_argument(
        "--scale",
        type=float,
        default=defaults.scale,
        help="multiplies the activity per active user and per background job",
    )


def _config_from(args: argparse.Namespace) -> GeneratorConfig:
    try:
        return GeneratorConfig(
            accounts=args.accounts, days=args.days, end_date=args.end_date, seed=args.seed, scale=args.scale
        )
    except ValueError as problem:
        raise UsageError(str(problem)) from None


def _add_generate_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", required=True, type=Path, help="DuckDB file to write the raw tables into")
    _add_dataset_arguments(parser)
    parser.add_argument(
        "--load-from", type=_load_time, metavar="TS", help="write only rows loaded after this time (exclusive)"
    )
    parser.add_argument(
        "--load-until", type=_load_time, metavar="TS", help="write only rows loaded up to this time (inclusive)"
    )
    parser.add_argument(
        "--mode",
        choices=("replace", "append"),
        default="replace",
        help="replace: recreate the raw tables; append: add the window's rows to them",
    )
    parser.add_argument(
        "--manifest", type=Path, metavar="PATH", help="write row counts and injected fault counts as JSON here"
    )
    parser.add_argument(
        "--export-dir",
        type=Path,
        metavar="DIR",
        help="also write the raw tables as export files (Segment JSON lines, log files, app CSVs) for `load`",
    )


def _run_generate(args: argparse.Namespace) -> int:
    config = _config_from(args)
    try:
        check_window(args.mode, args.load_from, args.load_until)
    except ValueError as problem:
        raise UsageError(str(problem)) from None
    progress = Progress()
    data = generate(config, progress=progress)
    generation_seconds = progress.elapsed
    written = write_duckdb(
        data, args.db, mode=args.mode, load_from=args.load_from, load_until=args.load_until, progress=progress
    )
    progress.table(f"rows written to {args.db} ({args.mode}):", written)
    generated = sum(data.row_counts.values())
    progress.note(
        f"generated {generated:,} rows ({data.segment_events:,} Segment events) in {generation_seconds:.1f}s "
        f"({generated / max(generation_seconds, 1e-9):,.0f} rows/s); total with writing {progress.elapsed:.1f}s"
    )
    if args.manifest is not None:
        manifest = build_manifest(data, written, mode=args.mode, load_from=args.load_from, load_until=args.load_until)
        write_manifest(args.manifest, manifest)
        progress.note(f"manifest written to {args.manifest}")
    if args.export_dir is not None:
        exported = export_raw(args.db, args.export_dir, progress=progress)
        progress.note(f"export files for {sum(exported.values()):,} rows written under {args.export_dir}")
    return 0


def _add_db_argument(parser: argparse.ArgumentParser, what: str) -> None:
    """--db: the DuckDB warehouse file a command works on."""
    parser.add_argument(
        "--db",
        type=Path,
        default=warehouse_path(),
        help=f"{what} (default: $USAGE_WAREHOUSE_DUCKDB_PATH or warehouse/usage_warehouse.duckdb)",
    )


def _add_demo_arguments(parser: argparse.ArgumentParser) -> None:
    _add_db_argument(parser, "warehouse file to (re)create")
    _add_dataset_arguments(parser)


def _run_demo(args: argparse.Namespace) -> int:
    config = _config_from(args)
    db_path = args.db.resolve()
    try:
        timings = build_demo(config, db_path)
    except DbtCommandError as failure:
        print(f"\nThe demo build failed.\n{failure}", file=sys.stderr)
        return 1
    print(summary(db_path, timings))
    return 0


def _add_expectations_arguments(parser: argparse.ArgumentParser) -> None:
    _add_db_argument(parser, "warehouse file to check")
    parser.add_argument(
        "--docs-dir",
        type=Path,
        default=PROJECT_DIR / "target" / "expectations_docs",
        help="where to write the Great Expectations data docs site (default: target/expectations_docs)",
    )


def _run_expectations(args: argparse.Namespace) -> int:
    if not args.db.exists():
        raise UsageError(f"no warehouse at {args.db}: build one first (make demo, or dbt build)")
    try:
        # Imported here: Great Expectations is needed only by this command.
        from usage_warehouse.expectations import run_and_print
    except ImportError as missing:
        raise UsageError(f"the expectations command needs great-expectations 1.x ({missing})") from None
    return run_and_print(args.db, args.docs_dir)


def _add_bench_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--sizes", default=DEFAULT_SIZES, help=f"dataset sizes in events, e.g. 100k,2.5M,50M (default {DEFAULT_SIZES})"
    )
    parser.add_argument(
        "--events-per-day",
        type=int,
        metavar="N",
        help="daily volume of every size (default: 10,000, or what the sizes' 7..1,095 days allow)",
    )
    parser.add_argument("--seed", type=int, default=GeneratorConfig().seed, help="random seed of the datasets")
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help="results JSON (default target/bench/results.json)"
    )
    parser.add_argument(
        "--doc", type=Path, default=DEFAULT_DOC, help="markdown file whose results section is rewritten"
    )
    parser.add_argument("--no-doc", action="store_true", help="do not rewrite the results section of --doc")
    parser.add_argument(
        "--work-dir", type=Path, default=DEFAULT_WORK_DIR, help="where the warehouses are built (target/bench/work)"
    )
    parser.add_argument(
        "--memory-limit",
        default=os.environ.get("USAGE_WAREHOUSE_DUCKDB_MEMORY_LIMIT", DEFAULT_MEMORY_LIMIT),
        help=f"DuckDB memory limit (default $USAGE_WAREHOUSE_DUCKDB_MEMORY_LIMIT or {DEFAULT_MEMORY_LIMIT})",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=int(os.environ.get("USAGE_WAREHOUSE_THREADS", "2")),
        help="dbt threads (default $USAGE_WAREHOUSE_THREADS or 2)",
    )
    parser.add_argument("--skip-direct", action="store_true", help="do not run the compiled SQL directly on DuckDB")
    parser.add_argument(
        "--skip-table-copy",
        action="store_true",
        help="do not time a copy of the built tables into an empty file (the full build's write floor)",
    )
    parser.add_argument(
        "--skip-reference",
        action="store_true",
        help="do not time the reference pipeline (bare DuckDB dedupe plus daily aggregation of the raw events)",
    )
    parser.add_argument(
        "--shards",
        type=int,
        default=1,
        metavar="N",
        help="generate each dataset in at least N shards of its accounts (more where one would not fit in memory)",
    )
    parser.add_argument(
        "--incremental-repeats",
        type=int,
        default=BenchOptions.incremental_repeats,
        metavar="N",
        help="incremental and no-new-data builds N times, each from the same warehouse; the median counts (default 3)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the warehouses and dbt targets in --work-dir")


def _run_bench(args: argparse.Namespace) -> int:
    try:
        options = BenchOptions(
            sizes=parse_sizes(args.sizes),
            out=args.out.resolve(),
            work_dir=args.work_dir.resolve(),
            doc=None if args.no_doc else args.doc.resolve(),
            events_per_day=args.events_per_day,
            seed=args.seed,
            memory_limit=args.memory_limit,
            threads=args.threads,
            skip_direct=args.skip_direct,
            skip_table_copy=args.skip_table_copy,
            skip_reference=args.skip_reference,
            min_shards=args.shards,
            incremental_repeats=args.incremental_repeats,
            keep=args.keep,
        )
        if not options.sizes:
            raise ValueError("no sizes given")
        if options.incremental_repeats < 1:
            raise ValueError(f"--incremental-repeats {options.incremental_repeats}: run them at least once")
        if options.min_shards < 1:
            raise ValueError(f"--shards {options.min_shards}: generate in at least 1 shard")
        if options.doc is not None:
            check_doc(options.doc)  # before the long run: the results section must be there to rewrite
        run_bench(options)
    except ValueError as problem:
        raise UsageError(str(problem)) from None
    except DbtCommandError as failure:
        print(f"\nThe benchmark build failed.\n{failure}", file=sys.stderr)
        return 1
    return 0


def _add_profile_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db", type=Path, help="the warehouse the target directory was built on (default: the demo warehouse)"
    )
    parser.add_argument(
        "--target-path",
        type=Path,
        default=PROJECT_DIR / "target",
        help="dbt target directory of a build, run or compile on that warehouse (default target/)",
    )
    parser.add_argument(
        "--select", nargs="+", default=[], metavar="NAME", help="only these models (or data tests, with --tests)"
    )
    parser.add_argument("--tests", action="store_true", help="profile the run's data tests too")
    parser.add_argument("--repeat", type=int, default=1, metavar="N", help="run each query N times; report the median")
    parser.add_argument("--threads", type=int, help="DuckDB threads (default: every core, as in dbt's builds)")
    parser.add_argument(
        "--memory-limit",
        default=os.environ.get("USAGE_WAREHOUSE_DUCKDB_MEMORY_LIMIT", DEFAULT_MEMORY_LIMIT),
        help=f"DuckDB memory limit (default $USAGE_WAREHOUSE_DUCKDB_MEMORY_LIMIT or {DEFAULT_MEMORY_LIMIT})",
    )
    parser.add_argument("--top", type=int, default=25, metavar="N", help="slowest queries printed (default 25)")
    parser.add_argument(
        "--out",
        type=Path,
        default=PROJECT_DIR / "target" / "profile" / "profile.json",
        help="profile JSON (default target/profile/profile.json)",
    )


def _run_profile(args: argparse.Namespace) -> int:
    if args.repeat < 1:
        raise UsageError(f"--repeat {args.repeat}: run each query at least once")
    options = ProfileOptions(
        db_path=(args.db or warehouse_path()).resolve(),
        target_path=args.target_path.resolve(),
        out=args.out.resolve(),
        select=tuple(args.select),
        include_tests=args.tests,
        repeat=args.repeat,
        threads=args.threads,
        memory_limit=args.memory_limit,
    )
    try:
        results = run_profile(options)
    except ValueError as problem:
        raise UsageError(str(problem)) from None
    except duckdb.Error as failure:
        print(f"A profiled query failed on {options.db_path}: {failure}", file=sys.stderr)
        return 1
    print(format_table(results, args.top))
    print(f"profile of {results['totals']['nodes']} queries written to {options.out}")
    return 0


def _add_load_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--target",
        choices=TARGETS,
        default="duckdb",
        help="engine to land on, as the dbt target of that name: its connection comes from the same environment "
        "variables as profiles.yml (USAGE_WAREHOUSE_PG_*, USAGE_WAREHOUSE_SPARK_*); default duckdb",
    )
    parser.add_argument(
        "--db",
        type=Path,
        help="with --target duckdb: the warehouse file (default $USAGE_WAREHOUSE_DUCKDB_PATH, else "
        "warehouse/usage_warehouse.duckdb)",
    )
    for option, what in (
        ("--segment", 'Segment raw messages as JSON lines (.gz or not), one message or {"batch": [...]} a line'),
        ("--server-logs", "server log files; a file's name relative to the directory given is its log_file"),
        ("--app-csv", "app-database CSV exports, one per raw_app table (<table>.csv, header row)"),
    ):
        parser.add_argument(option, type=Path, action="append", default=[], metavar="PATH", help=f"{what}; repeatable")
    parser.add_argument(
        "--loaded-at", type=_load_time, metavar="TS", help="load time written to uuid_ts / _loaded_at (default: now)"
    )


def _run_load(args: argparse.Namespace) -> int:
    if not (args.segment or args.server_logs or args.app_csv):
        raise UsageError("nothing to load: give --segment, --server-logs and/or --app-csv paths")
    try:
        engine = engine_for_target(args.target, db_path=args.db)
        try:
            report = load_files(
                engine,
                segment_paths=args.segment,
                server_log_paths=args.server_logs,
                app_csv_paths=args.app_csv,
                loaded_at=args.loaded_at,
                progress=Progress(),
            )
        finally:
            close_engine(engine)
    except (ValueError, FileNotFoundError) as problem:
        raise UsageError(str(problem)) from None
    print(report.render())
    return 0


def _add_report_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--account", metavar="ID", help="report on this account (dim_accounts.account_id); default: the whole app"
    )
    parser.add_argument(
        "--out",
        type=Path,
        help="HTML file to write (default: target/usage_report.html, or target/usage_report_<ID>.html with --account)",
    )
    _add_db_argument(parser, "warehouse to read")


def _run_report(args: argparse.Namespace) -> int:
    # Imported here: plotly is needed only by this command.
    from usage_warehouse.report import ReportError, build_report

    default = USAGE_REPORT if args.account is None else USAGE_REPORT.with_name(f"usage_report_{args.account}.html")
    out = args.out if args.out is not None else default
    try:
        written = build_report(args.db, out, args.account)
    except ReportError as problem:
        raise UsageError(str(problem)) from None
    print(f"usage report written to {written} (open it in a browser; it needs no network)")
    return 0


def _add_daily_arguments(parser: argparse.ArgumentParser) -> None:
    _add_db_argument(parser, "warehouse file")
    parser.add_argument(
        "--date", type=_date, help="run date: land the loads up to midnight after it (default: yesterday, UTC)"
    )
    parser.add_argument(
        "--landing",
        choices=("demo", "none"),
        default="demo",
        help="demo: replay the demo dataset up to the run date; none: the raw tables are landed elsewhere",
    )
    parser.add_argument(
        "--reports-dir",
        type=Path,
        default=DEFAULT_REPORTS_DIR,
        help="where run reports are kept (default: target/run_reports)",
    )


def _run_daily(args: argparse.Namespace) -> int:
    try:
        # Imported here: Dagster is needed only by this command.
        from usage_warehouse.orchestration.jobs import OrchestrationSettings, run_daily
        from usage_warehouse.orchestration.landing import DemoLanding, NoLanding
    except ImportError as missing:
        raise UsageError(f"the daily command needs dagster and dagster-dbt ({missing})") from None
    run_date = args.date or datetime.now(UTC).date() - timedelta(days=1)
    landing = DemoLanding() if args.landing == "demo" else NoLanding()
    settings = OrchestrationSettings(db_path=args.db, reports_dir=args.reports_dir, landing=landing)
    print(f"==> daily run for {run_date} on {args.db} (landing: {args.landing})", flush=True)
    outcome = run_daily(settings, run_date)
    verdict = "succeeded" if outcome.success else "FAILED"
    written = outcome.report_path or "none (the run stopped before dbt finished)"
    print(f"daily run {outcome.run_id} {verdict}; run report: {written}")
    return 0 if outcome.success else 1


COMMANDS: dict[str, Command] = {
    "demo": Command(
        help="build a fresh demo warehouse: demo data, dbt build, dbt docs; then print what was built",
        add_arguments=_add_demo_arguments,
        run=_run_demo,
    ),
    "generate": Command(
        help="generate the demo dataset (Segment, server logs, app database) into DuckDB",
        add_arguments=_add_generate_arguments,
        run=_run_generate,
    ),
    "load": Command(
        help="land export files (Segment JSON lines, server logs, app CSVs) in the raw tables; skips files seen before",
        add_arguments=_add_load_arguments,
        run=_run_load,
    ),
    "daily": Command(
        help="the daily job in this process (for cron): landing, dbt build, expectations, run report",
        add_arguments=_add_daily_arguments,
        run=_run_daily,
    ),
    "expectations": Command(
        help="run the Great Expectations suites (raw, staging, marts) as one checkpoint; write data docs",
        add_arguments=_add_expectations_arguments,
        run=_run_expectations,
    ),
    "bench": Command(
        help="benchmark the build at given sizes: full, incremental, no new data, direct SQL; write results",
        add_arguments=_add_bench_arguments,
        run=_run_bench,
    ),
    "profile": Command(
        help="time each model's (and test's) compiled SQL alone under DuckDB's profiler; slowest operators",
        add_arguments=_add_profile_arguments,
        run=_run_profile,
    ),
    "report": Command(
        help="write the self-contained HTML usage report (app, or one account) from the marts",
        add_arguments=_add_report_arguments,
        run=_run_report,
    ),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="usage-warehouse", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, command in COMMANDS.items():
        command.add_arguments(commands.add_parser(name, help=command.help, description=command.help))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run a command; returns the exit code (0 ok, 2 bad arguments)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return COMMANDS[args.command].run(args)
    except UsageError as problem:
        print(f"{parser.prog} {args.command}: error: {problem}", file=sys.stderr)
        return 2
