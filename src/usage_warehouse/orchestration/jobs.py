"""Dagster definitions of the warehouse: assets, the daily job and schedule, the backfill job.

``build_definitions(settings)`` builds them for one warehouse (``definitions.py`` does it from
the environment for ``dagster dev``; tests and ``python -m usage_warehouse daily`` pass their own
settings). The daily job: landing (the raw tables, one asset each) → ``dbt build`` (every dbt
model, seed, snapshot and test as assets and checks) → the Great Expectations checkpoint, which
writes the run report. docs/orchestration.md explains the choices.
"""

# No `from __future__ import annotations`: Dagster reads the context and resource annotations.
import contextlib
import hashlib
import json
import os
import shutil
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetSpec,
    ConfigurableResource,
    DailyPartitionsDefinition,
    DefaultScheduleStatus,
    Definitions,
    Failure,
    MaterializeResult,
    MetadataValue,
    OpExecutionContext,
    RetryPolicy,
    RunRequest,
    ScheduleEvaluationContext,
    asset,
    define_asset_job,
    job,
    multi_asset,
    op,
    schedule,
)
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets
from pydantic import Field

from usage_warehouse.dbt import INCREMENTAL_BUILD, PRODUCTION_BUILD, PROJECT_DIR, dbt_executable, environment
from usage_warehouse.engines import DuckDBEngine
from usage_warehouse.orchestration import run_report
from usage_warehouse.orchestration.landing import DemoLanding, Landing

DAILY_JOB = "daily_usage_warehouse"
BACKFILL_JOB = "backfill_daily_facts"
# dbt selector (selectors.yml) of the models a backfill recomputes by date.
BACKFILL_SELECTOR = "daily_facts"
# 06:00 UTC: the run for yesterday, after the night's loads.
DAILY_CRON = "0 6 * * *"
RUN_DATE_TAG = "usage_warehouse/run_date"
# Unit tests that read the built table are left out of a build on a fresh warehouse (as the
# default selector in selectors.yml does); pytest runs them.
DBT_EXCLUDE = "tag:needs_built_model"
# dbt's saved parse of the project in a target path (partial parsing).
PARTIAL_PARSE_FILE = "partial_parse.msgpack"
# dbt's target directory ($DBT_TARGET_PATH, relative to the project, default target/).
TARGET_ROOT = PROJECT_DIR / os.environ.get("DBT_TARGET_PATH", "target")
DEFAULT_TARGET = TARGET_ROOT / "dagster"


@dataclass(frozen=True)
class OrchestrationSettings:
    """Where the warehouse, dbt's artifacts and the reports live, and how steps retry."""

    db_path: Path
    target_path: Path = DEFAULT_TARGET  # dbt's manifest here; each run's artifacts in runs/<run id>/
    reports_dir: Path = run_report.DEFAULT_REPORTS_DIR
    expectations_docs_dir: Path = TARGET_ROOT / "expectations_docs"
    landing: Landing = field(default_factory=DemoLanding)
    retry_policy: RetryPolicy = field(default_factory=lambda: RetryPolicy(max_retries=2, delay=60))
    # Overrides of usage_warehouse.expectations.Thresholds fields, e.g. {"staging_min_kept_share": 0.3}.
    expectation_thresholds: Mapping[str, float] = field(default_factory=dict)
    backfill_start_date: str = "2024-01-01"  # first partition of the backfill job
    # The daily build tests every row on this weekday (0 = Monday, 6 = Sunday) and on a warehouse
    # not built yet; other days it tests the recently loaded rows of incremental models.
    full_test_weekday: int = 6

    def resolved(self) -> "OrchestrationSettings":
        return replace(
            self,
            db_path=self.db_path.resolve(),
            target_path=self.target_path.resolve(),
            reports_dir=self.reports_dir.resolve(),
            expectations_docs_dir=self.expectations_docs_dir.resolve(),
        )


class WarehouseResource(ConfigurableResource):  # type: ignore[type-arg]
    """The warehouse file and where a run's files go."""

    db_path: str
    target_path: str
    reports_dir: str
    expectations_docs_dir: str
    expectation_thresholds: dict[str, float] = Field(default_factory=dict)
    full_test_weekday: int = 6

    def build_args(self, run_date: date) -> list[str]:
        """The daily `dbt build`: every row tested on the weekly full-test day and on a new
        warehouse, else only the recently loaded rows of incremental models (INCREMENTAL_BUILD)."""
        if run_date.weekday() == self.full_test_weekday or not self.is_built():
            return list(PRODUCTION_BUILD)
        return list(INCREMENTAL_BUILD)

    def is_built(self) -> bool:
        """Whether the warehouse already holds the usage events mart (a build ran before)."""
        if not Path(self.db_path).exists():
            return False
        with duckdb.connect(self.db_path, read_only=True) as con:
            found = con.execute(
                "select count(*) from information_schema.tables where table_name = 'fct_usage_events'"
            ).fetchone()
        return bool(found and found[0])

    def run_dir(self, run_id: str) -> Path:
        """dbt's target path of one run (run_results.json, compiled SQL) and the landing record."""
        return Path(self.target_path) / "runs" / run_id

    @contextlib.contextmanager
    def dbt_env(self) -> Iterator[None]:
        """Point dbt's profile at this warehouse while a dbt command starts (it copies os.environ)."""
        with environment(DuckDBEngine(self.db_path).dbt_env()):
            yield

    def kept_parse(self, args: list[str]) -> Path:
        """Where the parse of the commands with the vars of `args` is kept: dbt parses the whole
        project again when its vars differ from those of the parse it finds, so the daily
        build's parse (incremental vars) is kept apart from the manifest's (no vars)."""
        dbt_vars = args[args.index("--vars") + 1] if "--vars" in args else ""
        return Path(self.target_path) / "parses" / f"{hashlib.sha256(dbt_vars.encode()).hexdigest()[:16]}.msgpack"

    def start_dbt(self, dbt: DbtCliResource, args: list[str], run_id: str, **kwargs: Any) -> Any:
        """Start one dbt command for a run, reusing a parse of the project (partial parsing): the
        one kept for its vars (keep_parse), else the manifest's."""
        target = self.run_dir(run_id)
        target.mkdir(parents=True, exist_ok=True)
        kept = self.kept_parse(args)
        parsed = kept if kept.exists() else Path(self.target_path) / PARTIAL_PARSE_FILE
        if parsed.exists():
            shutil.copy(parsed, target / PARTIAL_PARSE_FILE)
        with self.dbt_env():
            return dbt.cli(args, target_path=target, **kwargs)

    def keep_parse(self, args: list[str], run_id: str) -> None:
        """Keep the parse a run's dbt command wrote, for the next command with the same vars."""
        parsed = self.run_dir(run_id) / PARTIAL_PARSE_FILE
        if parsed.exists():
            kept = self.kept_parse(args)
            kept.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(parsed, kept)


def run_date_of(context: AssetExecutionContext | OpExecutionContext) -> date:
    """The run's date (tag usage_warehouse/run_date); yesterday UTC when not set."""
    tagged = context.run.tags.get(RUN_DATE_TAG)
    return date.fromisoformat(tagged) if tagged else datetime.now(UTC).date() - timedelta(days=1)


def prepare_project(settings: OrchestrationSettings) -> DbtProject:
    """The dbt project with a manifest: parsed now when missing (a fresh clone) or under `dagster dev`."""
    project = DbtProject(project_dir=PROJECT_DIR, profiles_dir=PROJECT_DIR, target_path=settings.target_path)
    resource = WarehouseResource(
        db_path=str(settings.db_path),
        target_path=str(settings.target_path),
        reports_dir=str(settings.reports_dir),
        expectations_docs_dir=str(settings.expectations_docs_dir),
    )
    if project.manifest_path.exists() and not project.preparer.using_dagster_dev():
        return project
    # What project.prepare_if_dev() does (dbt parse into the target path), with this venv's dbt,
    # which need not be on PATH.
    with resource.dbt_env():
        dbt_resource(project).cli(["parse", "--quiet"], target_path=project.target_path).wait()
    return project


def dbt_resource(project: DbtProject) -> DbtCliResource:
    return DbtCliResource(project_dir=project, profiles_dir=str(PROJECT_DIR), dbt_executable=dbt_executable())


def _raw_table_keys(project: DbtProject, translator: DagsterDbtTranslator) -> dict[str, AssetKey]:
    """The asset key of every dbt source, by its raw table (schema.identifier)."""
    manifest = json.loads(project.manifest_path.read_text())
    return {
        f"{source['schema']}.{source['identifier']}": translator.get_asset_spec(manifest, unique_id, project).key
        for unique_id, source in sorted(manifest["sources"].items())
    }


def _write_report(
    warehouse: WarehouseResource,
    context: AssetExecutionContext,
    *,
    status: str,
    checkpoint: Any = None,
) -> Path:
    run_dir = warehouse.run_dir(context.run.run_id)
    landed_path = run_dir / "landed.json"
    reports_dir = Path(warehouse.reports_dir)
    report = run_report.build_report(
        db_path=Path(warehouse.db_path),
        run_id=context.run.run_id,
        run_date=run_date_of(context),
        status=status,
        started_at=datetime.fromtimestamp(context.instance.get_run_stats(context.run.run_id).start_time or 0, UTC),
        run_results_path=run_dir / "run_results.json",
        landed=json.loads(landed_path.read_text()) if landed_path.exists() else None,
        checkpoint=checkpoint,
        previous=run_report.previous_report(reports_dir, context.run.run_id) if reports_dir.exists() else None,
    )
    path = run_report.write_report(report, reports_dir)
    context.log.info(f"run report: {path}")
    return path


def _failed_nodes(run_results_path: Path) -> list[str]:
    """The nodes that errored or failed in a dbt command (none when it left no run_results.json)."""
    if not run_results_path.exists():
        return []
    results = json.loads(run_results_path.read_text())["results"]
    return [result["unique_id"] for result in results if result["status"] in ("error", "fail")]


def build_definitions(settings: OrchestrationSettings) -> Definitions:
    """Assets, jobs, schedule and resources for the warehouse described by settings."""
    settings = settings.resolved()
    project = prepare_project(settings)
    translator = DagsterDbtTranslator()
    raw_keys = _raw_table_keys(project, translator)

    @multi_asset(
        name="landing",
        specs=[
            AssetSpec(key, description=f"raw landing table {table}", group_name="raw", skippable=True)
            for table, key in raw_keys.items()
        ],
        can_subset=True,
    )
    def landing(
        context: AssetExecutionContext, landing: Landing, warehouse: WarehouseResource
    ) -> Iterator[MaterializeResult[Any]]:
        """Land the run date's raw rows (the `landing` resource: demo replay by default)."""
        run_date = run_date_of(context)
        written = landing.land(Path(warehouse.db_path), run_date, context.log.info)
        run_dir = warehouse.run_dir(context.run.run_id)
        run_dir.mkdir(parents=True, exist_ok=True)
        (run_dir / "landed.json").write_text(json.dumps(written, indent=2))
        for table, key in raw_keys.items():
            if key in context.selected_asset_keys:
                yield MaterializeResult(
                    asset_key=key, metadata={"rows_landed": written.get(table, 0), "run_date": str(run_date)}
                )

    @dbt_assets(
        manifest=project.manifest_path,
        project=project,
        exclude=DBT_EXCLUDE,
        dagster_dbt_translator=translator,
        name="dbt_build",
    )
    def dbt_build(context: AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource) -> Iterator[Any]:
        """`dbt build` of the selected models, seeds, snapshots and data tests on the warehouse."""
        args = warehouse.build_args(run_date_of(context))
        context.log.info(f"dbt {' '.join(args)}")
        invocation = warehouse.start_dbt(dbt, args, context.run.run_id, context=context, raise_on_error=False)
        yield from invocation.stream()
        warehouse.keep_parse(args, context.run.run_id)
        if not invocation.is_successful():
            path = _write_report(warehouse, context, status="failed")
            failed = _failed_nodes(warehouse.run_dir(context.run.run_id) / "run_results.json")
            raise Failure(
                description=(
                    f"dbt build failed on {warehouse.db_path}: "
                    + (f"{len(failed)} nodes failed ({', '.join(failed[:5])})" if failed else "dbt did not finish")
                    + f". Log: {warehouse.run_dir(context.run.run_id) / 'dbt.log'}; run report: {path}"
                ),
                # A node that failed will fail again on the same data: retry only when dbt itself
                # stopped (a locked warehouse file, a killed process).
                allow_retries=not failed,
                metadata={"run_report": MetadataValue.path(str(path))},
            )

    # The raw suite reads the raw tables: the checkpoint follows landing even in a run without dbt.
    @asset(name="expectations_checkpoint", deps=[dbt_build, *raw_keys.values()], group_name="quality")
    def expectations_checkpoint(context: AssetExecutionContext, warehouse: WarehouseResource) -> MaterializeResult[Any]:
        """The Great Expectations checkpoint (raw, staging, marts suites); writes the run report."""
        # Imported here: Great Expectations is slow to import and only this step needs it.
        from usage_warehouse.expectations import Thresholds, run_checkpoint

        overrides: dict[str, Any] = dict(warehouse.expectation_thresholds)
        thresholds = replace(Thresholds(), **overrides)
        checkpoint = run_checkpoint(
            warehouse.db_path, warehouse.expectations_docs_dir, thresholds=thresholds, echo=context.log.info
        )
        context.log.info(checkpoint.render())
        status = "succeeded" if checkpoint.success else "failed"
        path = _write_report(warehouse, context, status=status, checkpoint=checkpoint)
        metadata: dict[str, Any] = {
            "run_report": MetadataValue.path(str(path)),
            "failed_expectations": len(checkpoint.failures),
            "data_docs": MetadataValue.path(str(checkpoint.docs_index)),
        }
        if not checkpoint.success:
            raise Failure(
                description=f"expectations failed on {warehouse.db_path}:\n{checkpoint.render()}",
                allow_retries=False,
                metadata=metadata,
            )
        return MaterializeResult(metadata=metadata)

    daily_job = define_asset_job(
        DAILY_JOB,
        selection=[landing, dbt_build, expectations_checkpoint],
        description="land the run date's raw data, dbt build, expectations checkpoint and run report",
        op_retry_policy=settings.retry_policy,
    )

    @schedule(
        job=daily_job,
        cron_schedule=DAILY_CRON,
        execution_timezone="UTC",
        name=f"{DAILY_JOB}_schedule",
        default_status=DefaultScheduleStatus.STOPPED,
    )
    def daily_schedule(context: ScheduleEvaluationContext) -> RunRequest:
        """Every day at 06:00 UTC, the run for the previous day."""
        run_date = context.scheduled_execution_time.astimezone(UTC).date() - timedelta(days=1)
        return RunRequest(run_key=run_date.isoformat(), tags={RUN_DATE_TAG: run_date.isoformat()})

    partitions = DailyPartitionsDefinition(start_date=settings.backfill_start_date, timezone="UTC")

    @op(name="recompute_daily_facts")
    def backfill_op(context: OpExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource) -> None:
        """Recompute the daily usage facts of the partition's dates whole (vars backfill_start_date/_end_date)."""
        window = context.partition_time_window
        dbt_vars = {
            "backfill_start_date": window.start.date().isoformat(),
            "backfill_end_date": (window.end - timedelta(days=1)).date().isoformat(),
        }
        context.log.info(f"backfill of {BACKFILL_SELECTOR} for {dbt_vars}")
        invocation = warehouse.start_dbt(
            dbt, ["build", "--selector", BACKFILL_SELECTOR, "--vars", json.dumps(dbt_vars)], context.run.run_id
        )
        invocation.wait()

    @job(
        name=BACKFILL_JOB,
        partitions_def=partitions,
        op_retry_policy=settings.retry_policy,
        description="recompute the daily usage facts of a date range (one partition per day)",
    )
    def backfill_job() -> None:
        backfill_op()

    return Definitions(
        assets=[landing, dbt_build, expectations_checkpoint],
        jobs=[daily_job, backfill_job],
        schedules=[daily_schedule],
        resources={
            "dbt": dbt_resource(project),
            "landing": settings.landing,
            "warehouse": WarehouseResource(
                db_path=str(settings.db_path),
                target_path=str(settings.target_path),
                reports_dir=str(settings.reports_dir),
                expectations_docs_dir=str(settings.expectations_docs_dir),
                expectation_thresholds=dict(settings.expectation_thresholds),
                full_test_weekday=settings.full_test_weekday,
            ),
        },
    )


@dataclass(frozen=True)
class DailyOutcome:
    success: bool
    run_id: str
    report_path: Path | None


def run_daily(settings: OrchestrationSettings, run_date: date) -> DailyOutcome:
    """Run the daily job in this process (``python -m usage_warehouse daily``, cron)."""
    from dagster import DagsterInstance

    definitions = build_definitions(settings)
    daily = definitions.resolve_job_def(DAILY_JOB)
    instance = DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else DagsterInstance.ephemeral()
    tags = {RUN_DATE_TAG: run_date.isoformat()}
    result = daily.execute_in_process(instance=instance, tags=tags, raise_on_error=False)
    report = settings.resolved().reports_dir / f"{run_date.isoformat()}.json"
    written = report.exists() and json.loads(report.read_text()).get("run_id") == result.run_id
    return DailyOutcome(result.success, result.run_id, report if written else None)
