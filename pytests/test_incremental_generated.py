"""On realistic generated data: daily incremental runs end equal to a full refresh.

The demo generator's dataset is landed day by day by load time (as a warehouse loader
would), with an incremental `dbt run` after each landing. A full refresh on the same raw
tables must then give the same marts, row for row; and again after the as-of date is pinned
five days back, and after it is released.
"""

from __future__ import annotations

import shutil
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from usage_warehouse.dbt import run_dbt
from usage_warehouse.generator import GeneratorConfig, generate, write_duckdb
from usage_warehouse.warehouse import INCREMENTAL_UPSTREAM_TABLES, MART_TABLES, query, table_rows

END = date(2026, 10, 31)
CONFIG = GeneratorConfig(accounts=8, days=21, end_date=END, seed=7)

COMPARED_TABLES = [*MART_TABLES, *INCREMENTAL_UPSTREAM_TABLES]


@pytest.mark.parametrize("lookback_hours", [0])
def test_daily_incremental_runs_equal_full_refresh(tmp_path: Path, dbt_target_path: Path, lookback_hours: int) -> None:
    data = generate(CONFIG)
    db_path = tmp_path / "incremental.duckdb"
    dbt_vars = {"incremental_lookback_hours": lookback_hours}

    # History up to three days before the end, then one day at a time, then the rest.
    first_cut = datetime.combine(END - timedelta(days=3), datetime.min.time())
    cuts = [first_cut + timedelta(days=n) for n in range(4)]
    write_duckdb(data, db_path, mode="replace", load_until=cuts[0])
    run_dbt(["seed"], db_path=db_path, target_path=dbt_target_path, dbt_vars=dbt_vars)
    run_dbt(["run"], db_path=db_path, target_path=dbt_target_path, dbt_vars=dbt_vars)
    for previous, cut in zip(cuts, [*cuts[1:], None], strict=True):
        written = write_duckdb(data, db_path, mode="append", load_from=previous, load_until=cut)
        assert written["raw_segment.tracks"] > 0, f"no tracks loaded after {previous}: the windows miss the data"
        run_dbt(["run"], db_path=db_path, target_path=dbt_target_path, dbt_vars=dbt_vars)

    full_path = tmp_path / "full_refresh.duckdb"
    shutil.copy(db_path, full_path)
    run_dbt(["run", "--full-refresh"], db_path=full_path, target_path=dbt_target_path, dbt_vars=dbt_vars)

    _assert_equal_tables(db_path, full_path)

    assert query(db_path, "select bool_and(is_balanced) from usage_audit.fct_source_row_accounting") == [(True,)]
    assert query(db_path, "select count(*) > 1000 from usage_marts.fct_usage_events") == [(True,)]

    # The as-of date pinned five days back, then released: the incremental tables cut at it
    # delete the later days and write them again, and end equal to a full refresh each time.
    pinned = {**dbt_vars, "as_of_date": (END - timedelta(days=5)).isoformat()}
    run_dbt(["run"], db_path=db_path, target_path=dbt_target_path, dbt_vars=pinned)
    run_dbt(["run", "--full-refresh"], db_path=full_path, target_path=dbt_target_path, dbt_vars=pinned)
    assert query(db_path, "select max(as_of_date) from usage_marts.dim_dates") == [(END - timedelta(days=5),)]
    _assert_equal_tables(db_path, full_path)
    run_dbt(["run"], db_path=db_path, target_path=dbt_target_path, dbt_vars=dbt_vars)
    run_dbt(["run", "--full-refresh"], db_path=full_path, target_path=dbt_target_path, dbt_vars=dbt_vars)
    _assert_equal_tables(db_path, full_path)


def _assert_equal_tables(db_path: Path, full_path: Path) -> None:
    for table in COMPARED_TABLES:
        incremental, full = table_rows(db_path, table), table_rows(full_path, table)
        assert len(incremental) == len(full), f"{table}: {len(incremental)} rows incrementally, {len(full)} in full"
        assert incremental == full, f"{table} differs from a full refresh"
