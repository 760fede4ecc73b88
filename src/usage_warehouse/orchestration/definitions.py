"""The Dagster code location: ``dagster dev -m usage_warehouse.orchestration.definitions``.

The warehouse is ``$USAGE_WAREHOUSE_DUCKDB_PATH`` (default ``warehouse/usage_warehouse.duckdb``);
dbt's manifest and each run's artifacts go to ``$DBT_TARGET_PATH/dagster`` (default
``target/dagster``); landing replays the demo dataset a day at a time (docs/orchestration.md).
"""

from __future__ import annotations

from usage_warehouse.demo_build import warehouse_path
from usage_warehouse.orchestration.jobs import OrchestrationSettings, build_definitions

defs = build_definitions(OrchestrationSettings(db_path=warehouse_path()))
