"""`dbt source freshness` is configured on every raw table and judges each one by its load time.

Each raw table gets one row whose load time is set relative to now: fresh (1 hour ago),
late (30 hours: past the 26-hour warning) or stale (100 hours: past the 72-hour error).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from usage_warehouse.dbt import DbtCommandError, run_dbt
from usage_warehouse.raw_schema import RAW_TABLES, create_raw_tables

LATE = "raw_segment.pages"
STALE = "raw_app.users"


def land_one_row_per_table(db_path: Path, age_of: dict[str, timedelta]) -> None:
    now = datetime.now(UTC).replace(tzinfo=None)
    with duckdb.connect(str(db_path)) as con:
        create_raw_tables(con)
        for table in RAW_TABLES:
            age = age_of.get(table.qualified_name, timedelta(hours=1))
            con.execute(f"delete from {table.qualified_name}")
            con.execute(f"insert into {table.qualified_name} ({table.loaded_at_column}) values (?)", [now - age])


def freshness_status(target: Path) -> dict[str, str]:
    results = json.loads((target / "sources.json").read_text())["results"]
    # unique_id: source.usage_warehouse.<source>.<table>
    return {result["unique_id"].split(".", 2)[2]: result["status"] for result in results}


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("freshness") / "warehouse.duckdb"


def test_every_raw_table_is_checked_and_fresh_tables_pass(warehouse: Path, tmp_path: Path) -> None:
    land_one_row_per_table(warehouse, {})
    run_dbt(["source", "freshness"], db_path=warehouse, target_path=tmp_path)
    status = freshness_status(tmp_path)
    assert len(status) == len(RAW_TABLES)
    assert set(status.values()) == {"pass"}


def test_late_table_warns_and_stale_table_fails_the_run(warehouse: Path, tmp_path: Path) -> None:
    land_one_row_per_table(warehouse, {LATE: timedelta(hours=30), STALE: timedelta(hours=100)})
    with pytest.raises(DbtCommandError):
        run_dbt(["source", "freshness"], db_path=warehouse, target_path=tmp_path)
    status = freshness_status(tmp_path)
    assert status.pop("segment.pages") == "warn"
    assert status.pop("app_db.users") == "error"
    assert set(status.values()) == {"pass"}
