"""Run every suite as one Great Expectations checkpoint over a DuckDB warehouse file.

How (docs/expectations.md): each check's query runs in DuckDB and its result is
written to Parquet in a temporary directory; an ephemeral GE context reads each file through
GE's pandas datasource (one Parquet asset per check), one checkpoint validates them all, and the
data docs site is built once into ``docs_dir``. GE's SQL
datasource is not used: through duckdb-engine its metric queries come back empty.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import great_expectations as gx
from great_expectations.core.run_identifier import RunIdentifier
from great_expectations.data_context.types.base import ProgressBarsConfig

from usage_warehouse.expectations.facts import WarehouseFacts
from usage_warehouse.expectations.suites import STAGING_MODELS, SUITES, TableCheck, build_checks
from usage_warehouse.expectations.thresholds import Thresholds

DOCS_SITE = "usage_warehouse_expectations"
# What GE writes into a data docs site; only these are removed from docs_dir before a run.
_DOCS_ENTRIES = ("index.html", "static", "validations", "expectations")


@dataclass(frozen=True)
class ExpectationOutcome:
    """One expectation's result: ``expectation`` names it (type and columns), ``table`` the checked table."""

    suite: str
    table: str
    expectation: str
    description: str
    success: bool
    observed: str


@dataclass(frozen=True)
class SuiteSummary:
    name: str
    outcomes: tuple[ExpectationOutcome, ...]

    @property
    def expectations(self) -> int:
        return len(self.outcomes)

    @property
    def passed(self) -> int:
        return sum(outcome.success for outcome in self.outcomes)

    @property
    def failed(self) -> int:
        return self.expectations - self.passed


@dataclass(frozen=True)
class CheckpointReport:
    """The checkpoint's result per suite, where the data docs are, and how long it took."""

    suites: tuple[SuiteSummary, ...]
    docs_index: Path
    seconds: float

    @property
    def success(self) -> bool:
        return all(suite.failed == 0 for suite in self.suites)

    @property
    def failures(self) -> list[ExpectationOutcome]:
        return [outcome for suite in self.suites for outcome in suite.outcomes if not outcome.success]

    def render(self) -> str:
        lines = [f"  {'suite':<10}{'expectations':>13}{'passed':>8}{'failed':>8}"]
        lines += [f"  {s.name:<10}{s.expectations:>13}{s.passed:>8}{s.failed:>8}" for s in self.suites]
        for failure in self.failures:
            lines.append(f"  FAILED {failure.suite}: {failure.table}: {failure.expectation}")
            lines.append(f"         {failure.description}: {failure.observed}")
        verdict = "passed" if self.success else f"FAILED ({len(self.failures)} expectations)"
        lines.append(f"  checkpoint {verdict} in {self.seconds:.1f}s; data docs: {self.docs_index}")
        return "\n".join(lines)


def _label(config_type: str, kwargs: dict[str, Any]) -> str:
    names = [str(kwargs[key]) for key in ("column", "column_A", "column_B") if kwargs.get(key) is not None]
    if kwargs.get("column_list"):
        names.append(", ".join(str(column) for column in kwargs["column_list"]))
    return f"{config_type}({', '.join(names)})"


def _plain(value: Any) -> Any:
    """numpy scalars (and tuples of them, from column pairs) as plain Python values for printing."""
    if isinstance(value, tuple | list):
        return tuple(_plain(item) for item in value)
    return value.item() if hasattr(value, "item") else value


def _observed(result: dict[str, Any], exception: dict[str, Any]) -> str:
    if exception.get("raised_exception"):
        message = str(exception.get("exception_message") or "error").strip().splitlines()
        return f"error: {message[0] if message else 'error'}"
    parts: list[str] = []
    if "observed_value" in result:
        parts.append(f"observed {result['observed_value']!r}")
    if result.get("unexpected_count"):
        parts.append(f"{result['unexpected_count']} of {result.get('element_count', '?')} rows unexpected")
        examples = [_plain(example) for example in (result.get("partial_unexpected_list") or [])[:3]]
        if examples:
            parts.append(f"e.g. {examples!r}")
    return "; ".join(parts) or "no detail"


def _clear_docs(docs_dir: Path) -> None:
    for entry in _DOCS_ENTRIES:
        path = docs_dir / entry
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()


def _export(
    db_path: Path, checks: list[TableCheck], frames_dir: Path, echo: Callable[[str], None]
) -> tuple[list[tuple[TableCheck, Path]], list[ExpectationOutcome]]:
    """Run each check's query into a Parquet file; a query that fails is a failed outcome."""
    frames_dir.mkdir(parents=True, exist_ok=True)
    exported: list[tuple[TableCheck, Path]] = []
    failed: list[ExpectationOutcome] = []
    with duckdb.connect(str(db_path), read_only=True) as con:
        for suite in SUITES:
            started = time.perf_counter()
            rows = 0
            suite_checks = [check for check in checks if check.suite == suite]
            for check in suite_checks:
                path = frames_dir / f"{check.name}.parquet"
                try:
                    con.execute(f"copy ({check.sql}) to '{path}' (format parquet)")
                    counted = con.execute(f"select count(*) from read_parquet('{path}')").fetchall()
                    rows += int(counted[0][0])
                except duckdb.Error as problem:
                    first_line = str(problem).strip().splitlines()[0]
                    failed.append(
                        ExpectationOutcome(suite, check.table, "query", "the check's query runs", False, first_line)
                    )
                    continue
                exported.append((check, path))
            echo(
                f"  {suite}: read {len(suite_checks)} tables ({rows:,} rows, "
                f"{sum(len(c.expectations) for c in suite_checks)} expectations) "
                f"in {time.perf_counter() - started:.1f}s"
            )
    return exported, failed


def _context(docs_dir: Path) -> Any:
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    context.add_data_docs_site(
        site_name=DOCS_SITE,
        site_config={
            "class_name": "SiteBuilder",
            "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(docs_dir)},
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        },
    )
    return context


def _outcomes(checkpoint_result: Any, checks: Iterable[TableCheck]) -> list[ExpectationOutcome]:
    by_name = {check.name: check for check in checks}
    outcomes: list[ExpectationOutcome] = []
    for validation in checkpoint_result.run_results.values():
        check = by_name[validation.suite_name]
        for result in validation.results:
            config = result.expectation_config
            kwargs = dict(config.kwargs)
            outcomes.append(
                ExpectationOutcome(
                    suite=check.suite,
                    table=check.table,
                    expectation=_label(str(config.type), kwargs),
                    description=str(config.description or ""),
                    success=bool(result.success),
                    observed=_observed(dict(result.result or {}), dict(result.exception_info or {})),
                )
            )
    return outcomes


def run_checkpoint(
    db_path: str | Path,
    docs_dir: str | Path,
    *,
    thresholds: Thresholds | None = None,
    echo: Callable[[str], None] = print,
) -> CheckpointReport:
    """Validate the warehouse at db_path with every suite as one checkpoint; data docs go to docs_dir."""
    started = time.perf_counter()
    db = Path(db_path).resolve()
    docs = Path(docs_dir).resolve()
    if not db.exists():
        raise FileNotFoundError(f"no warehouse at {db}")
    facts = WarehouseFacts.read(db, STAGING_MODELS)
    checks = build_checks(facts, thresholds)
    docs.mkdir(parents=True, exist_ok=True)
    _clear_docs(docs)
    with tempfile.TemporaryDirectory(prefix="usage_warehouse_gx_") as work:
        root = Path(work)
        exported, outcomes = _export(db, checks, root / "frames", echo)
        context = _context(docs)
        datasource = context.data_sources.add_pandas(name="warehouse")
        definitions = []
        for check, path in exported:
            batch = datasource.add_parquet_asset(name=check.name, path=path).add_batch_definition_whole_dataframe(
                "whole result"
            )
            suite = context.suites.add(gx.ExpectationSuite(name=check.name, expectations=list(check.expectations)))
            definitions.append(
                context.validation_definitions.add(gx.ValidationDefinition(name=check.name, data=batch, suite=suite))
            )
        validating = time.perf_counter()
        if definitions:  # every query failing leaves nothing to validate, only failures to report
            checkpoint = context.checkpoints.add(
                gx.Checkpoint(
                    name="usage_warehouse",
                    validation_definitions=definitions,
                    result_format={"result_format": "SUMMARY"},
                )
            )
            run_id = RunIdentifier(run_name=f"checkpoint-{db.stem}")
            outcomes += _outcomes(checkpoint.run(run_id=run_id), (check for check, _ in exported))
        echo(f"  checkpoint: {len(definitions)} validations in {time.perf_counter() - validating:.1f}s")
        # Once for the whole run: GE's UpdateDataDocsAction rebuilds the site after every validation.
        rendering = time.perf_counter()
        context.build_data_docs(site_names=[DOCS_SITE])
        echo(f"  data docs: {docs} in {time.perf_counter() - rendering:.1f}s")
    summaries = tuple(
        SuiteSummary(suite, tuple(outcome for outcome in outcomes if outcome.suite == suite)) for suite in SUITES
    )
    return CheckpointReport(summaries, docs / "index.html", time.perf_counter() - started)


def run_and_print(db_path: str | Path, docs_dir: str | Path) -> int:
    """The command's body (also for `make demo`): run, print the summary; 0 when every expectation passed."""
    print(f"\n==> Great Expectations checkpoint on {db_path}", flush=True)
    try:
        report = run_checkpoint(db_path, docs_dir, echo=lambda line: print(line, flush=True))
    except FileNotFoundError as problem:
        print(f"expectations: {problem}", file=sys.stderr)
        return 2
    print(report.render())
    return 0 if report.success else 1
