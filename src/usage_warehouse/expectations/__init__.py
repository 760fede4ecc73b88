"""Great Expectations suites for the warehouse (raw, staging, marts) and the checkpoint that runs them.

Needs ``great-expectations`` (1.x), which the command imports only when it runs, so the rest of
the tooling works without it. Typical use, after ``dbt build``::

    from usage_warehouse.expectations import run_checkpoint
    report = run_checkpoint("warehouse/usage_warehouse.duckdb", "target/expectations_docs")
    print(report.render())
    exit_code = 0 if report.success else 1

docs/expectations.md explains the engine choice (pandas batches of DuckDB query
results), what each suite checks and how the thresholds scale.
"""

from __future__ import annotations

import os

# Great Expectations reports usage analytics over the network unless told not to; set before import.
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

from usage_warehouse.expectations.checkpoint import (
    CheckpointReport,
    ExpectationOutcome,
    SuiteSummary,
    run_and_print,
    run_checkpoint,
)
from usage_warehouse.expectations.suites import SUITES, TableCheck, build_checks
from usage_warehouse.expectations.thresholds import Thresholds

__all__ = [
    "SUITES",
    "CheckpointReport",
    "ExpectationOutcome",
    "SuiteSummary",
    "TableCheck",
    "Thresholds",
    "build_checks",
    "run_and_print",
    "run_checkpoint",
]
