"""Tests in the daily build: var data_test_scope 'recent' keeps the data tests of incremental
models to the recently loaded rows (macros/data_test_scope.sql), and the daily job chooses it.

A duplicate event id planted among old rows fails the key test of the whole table and passes a
'recent' run; planted among the newest rows it fails both. On a raw table (a source, scoped by
its loaded_at_field) a new row that repeats an old row's key fails the 'recent' key test too.
"""

from __future__ import annotations

import json
import shutil
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from usage_warehouse.dbt import INCREMENTAL_BUILD, PRODUCTION_BUILD, DbtCommandError, run_dbt
from usage_warehouse.orchestration.jobs import WarehouseResource

KEY_TEST = "unique_fct_usage_events_event_id"
SOURCE_KEY_TEST = "source_unique_combination_server_logs_log_lines_log_file__line_number"
RECENT = {"data_test_scope": "recent"}


def _plant_duplicate(db_path: Path, newest: bool) -> str:
    """Copy one fct_usage_events row (the newest load, or one loaded over 48 h before it) and return its id."""
    order = "desc" if newest else "asc"
    with duckdb.connect(str(db_path)) as con:
        row = con.execute(
            "select event_id, loaded_at, (select max(loaded_at) from usage_marts.fct_usage_events) "
            f"from usage_marts.fct_usage_events order by loaded_at {order}, event_id limit 1"
        ).fetchone()
        assert row is not None
        event_id, loaded_at, newest_at = row
        if not newest:
            assert (newest_at - loaded_at).total_seconds() > 48 * 3600, "the fixture's loads span under 48 hours"
        con.execute(
            "insert into usage_marts.fct_usage_events select * from usage_marts.fct_usage_events where event_id = ?",
            [event_id],
        )
    return str(event_id)


def _key_test(db_path: Path, target: Path, dbt_vars: dict[str, str] | None = None) -> str | None:
    """Run the event key test; None when it passes, dbt's error text when it fails."""
    try:
        run_dbt(["test", "--select", KEY_TEST], db_path=db_path, target_path=target, dbt_vars=dbt_vars)
    except DbtCommandError as failure:
        return str(failure)
    return None


def test_recent_scope_tests_only_the_newest_loads(fixture_warehouse: Path, tmp_path: Path) -> None:
    db_path, target = tmp_path / "warehouse.duckdb", tmp_path / "target"
    shutil.copy(fixture_warehouse, db_path)
    assert _key_test(db_path, target) is None
    assert _key_test(db_path, target, RECENT) is None

    _plant_duplicate(db_path, newest=False)
    failure = _key_test(db_path, target)
    assert failure is not None and KEY_TEST in failure
    # One key twice: one failing row (DuckDB's version of `unique` groups on a hash first,
    # macros/unique_combination.sql).
    results = json.loads((target / "run_results.json").read_text())["results"]
    assert [r["failures"] for r in results if r["unique_id"].startswith(f"test.usage_warehouse.{KEY_TEST}.")] == [1]
    compiled = next((target / "compiled").rglob(f"{KEY_TEST}*.sql")).read_text()
    assert "hash(event_id) in (" in compiled
    assert _key_test(db_path, target, RECENT) is None  # an old row: tested by the run that wrote it

    _plant_duplicate(db_path, newest=True)
    for dbt_vars in (None, RECENT):
        failure = _key_test(db_path, target, dbt_vars)
        assert failure is not None and KEY_TEST in failure


def _source_key_failures(db_path: Path, target: Path, dbt_vars: dict[str, str] | None = None) -> int:
    """Run the raw log lines' key test (severity warn) and return its number of failing keys."""
    run_dbt(["test", "--select", SOURCE_KEY_TEST], db_path=db_path, target_path=target, dbt_vars=dbt_vars)
    results = json.loads((target / "run_results.json").read_text())["results"]
    prefix = f"test.usage_warehouse.{SOURCE_KEY_TEST}"
    (result,) = [result for result in results if result["unique_id"].startswith(prefix)]
    return int(result["failures"])


def test_recent_scope_of_a_raw_key_test_compares_new_rows_with_every_row(
    fixture_warehouse: Path, tmp_path: Path
) -> None:
    db_path, target = tmp_path / "warehouse.duckdb", tmp_path / "target"
    shutil.copy(fixture_warehouse, db_path)
    lines = "raw_server_logs.log_lines"
    with duckdb.connect(str(db_path)) as con:
        (newest,) = con.execute(f"select max(_loaded_at) from {lines}").fetchone() or (None,)
    assert newest is not None
    # The fixture ships one log line twice (a re-shipped file): the counts below are on top of it.
    before_all, before_recent = _source_key_failures(db_path, target), _source_key_failures(db_path, target, RECENT)
    assert before_all == 1

    def plant(loaded_at: datetime) -> None:
        """A copy of one raw line as line 1 of a file of its own, loaded at ``loaded_at``."""
        with duckdb.connect(str(db_path)) as con:
            con.execute(
                f"insert into {lines} by name select * replace ("
                "'planted.log' as log_file, 1 as line_number, cast(? as timestamp) as _loaded_at"
                f") from (select * from {lines} limit 1)",
                [loaded_at],
            )

    long_ago = newest - timedelta(hours=100)
    plant(long_ago)
    plant(long_ago)  # two rows with one key, both loaded long ago: found by the run that loaded them
    assert _source_key_failures(db_path, target) == before_all + 1
    assert _source_key_failures(db_path, target, RECENT) == before_recent
    plant(newest)  # a new row repeating the old key: the recent run compares it with every row
    assert _source_key_failures(db_path, target) == before_all + 1
    assert _source_key_failures(db_path, target, RECENT) == before_recent + 1


def test_recent_scope_compiles_a_load_window_on_incremental_models_and_row_checks_of_views(
    fixture_warehouse: Path, tmp_path: Path
) -> None:
    target = tmp_path / "target"
    models = ["fct_usage_events", "dim_accounts", "base_server_logs__log_lines", "int_app_db__records_as_events"]
    selected = [f"{model},test_type:data" for model in [*models, "source:server_logs.log_lines"]]
    select = ["--select", *selected]
    run_dbt(["compile", *select], db_path=fixture_warehouse, target_path=target, dbt_vars=RECENT)
    compiled = {path.stem: path.read_text() for path in (target / "compiled").rglob("*.sql")}
    with duckdb.connect(str(fixture_warehouse), read_only=True) as con:
        newest = con.execute("select max(loaded_at) from usage_marts.fct_usage_events").fetchone()
    assert newest is not None
    cutoff = f"loaded_at > cast('{newest[0] - timedelta(hours=48)}' as timestamp)"
    assert cutoff in compiled[KEY_TEST]  # a literal: the scan skips the older row groups
    scoped = {name for name, sql in compiled.items() if "loaded_at > cast(" in sql}
    # volume_anomaly compares a day with the weeks before it; dim_accounts is rebuilt whole.
    assert not any(name.startswith("volume_anomaly") for name in scoped)
    assert not any("dim_accounts" in name and "fct_" not in name for name in scoped)
    assert any(name.startswith("unique_dim_accounts") for name in compiled)
    # On a view, a test of each row on its own reads the recent rows; a comparison of rows reads them all.
    assert any(name.startswith("not_null_base_server_logs") for name in scoped)
    assert "unique_int_app_db__records_as_events_event_id" in compiled
    assert "unique_int_app_db__records_as_events_event_id" not in scoped
    assert any(name.startswith("not_null_columns_int_app_db__r") for name in scoped)  # long names are cut
    # A raw table by its load-time column: each row on its own, and a key test through the recent rows' keys.
    assert "tested_rows._loaded_at > cast(" in compiled["source_not_null_server_logs_log_lines_log_file"]
    (key_test_sql,) = [sql for name, sql in compiled.items() if name.startswith("source_unique_combination_ser")]
    assert "recent_rows._loaded_at > cast(" in key_test_sql


def test_unknown_scope_is_an_error_naming_the_choices(fixture_warehouse: Path, tmp_path: Path) -> None:
    with pytest.raises(DbtCommandError, match=r"data_test_scope is 'new'.*'all'.*'recent'"):
        run_dbt(
            ["compile", "--select", KEY_TEST],
            db_path=fixture_warehouse,
            target_path=tmp_path / "target",
            dbt_vars={"data_test_scope": "new"},
        )


def test_daily_job_tests_every_row_weekly_and_on_a_new_warehouse(fixture_warehouse: Path, tmp_path: Path) -> None:
    def resource(db_path: Path) -> WarehouseResource:
        return WarehouseResource(
            db_path=str(db_path),
            target_path=str(tmp_path),
            reports_dir=str(tmp_path),
            expectations_docs_dir=str(tmp_path),
            full_test_weekday=6,
        )

    monday, sunday = date(2026, 11, 30), date(2026, 11, 29)
    assert resource(tmp_path / "missing.duckdb").build_args(monday) == list(PRODUCTION_BUILD)
    built = resource(fixture_warehouse)
    assert built.build_args(monday) == list(INCREMENTAL_BUILD)
    assert built.build_args(sunday) == list(PRODUCTION_BUILD)
