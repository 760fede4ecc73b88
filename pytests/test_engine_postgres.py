"""The whole project on PostgreSQL: a throwaway server, the hand-made fixture landed with
PostgresEngine.append_raw, one `dbt build` (and the unit tests that need the built tables),
then every mart compared row by row with the DuckDB build of the same fixture."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from fixture_data import HORIZON_BOUND, load_fixture
from usage_warehouse.dbt import run_dbt
from usage_warehouse.engines import DuckDBEngine
from usage_warehouse.engines.compare import compare_rows, compare_tables
from usage_warehouse.engines.postgres import PostgresEngine, PostgresServer, postgres_type
from usage_warehouse.raw_schema import RAW_TABLES, RawTable
from usage_warehouse.warehouse import MART_TABLES


@pytest.fixture(scope="module")
def postgres_server() -> Iterator[PostgresServer]:
    with PostgresServer() as server:
        yield server


@pytest.fixture(scope="module")
def postgres_warehouse(postgres_server: PostgresServer, tmp_path_factory: pytest.TempPathFactory) -> PostgresEngine:
    """The hand-made fixture landed in PostgreSQL and built with `dbt build`, as conftest builds it on DuckDB."""
    scratch = tmp_path_factory.mktemp("postgres_build")
    raw_path = scratch / "raw.duckdb"
    load_fixture(str(raw_path))
    engine = postgres_server.engine()
    with duckdb.connect(str(raw_path), read_only=True) as raw:
        engine.append_raw(raw, RAW_TABLES)
    started = time.perf_counter()
    run_dbt(["build"], db_path=raw_path, target_path=scratch / "target", engine_env=engine.dbt_env())
    print(f"dbt build on PostgreSQL: {time.perf_counter() - started:.1f} s")
    run_dbt(
        ["test", "--select", "tag:needs_built_model"],
        db_path=raw_path,
        target_path=scratch / "target",
        engine_env=engine.dbt_env(),
    )
    return engine


def test_raw_rows_landed_and_accounted(postgres_warehouse: PostgresEngine) -> None:
    # fixture_data.TRACKS: 12 rows; 2 redeliveries and 2 quarantined rows leave 8.
    assert postgres_warehouse.query("select count(*) from raw_segment.tracks") == [(12,)]
    assert postgres_warehouse.query(
        "select raw_row_count, kept_row_count, duplicate_row_count, quarantined_row_count, is_balanced "
        "from usage_audit.fct_source_row_accounting where source_table = 'segment.tracks'"
    ) == [(12, 8, 2, 2, True)]


def test_every_mart_equals_the_duckdb_build(postgres_warehouse: PostgresEngine, fixture_warehouse: Path) -> None:
    differences = compare_tables(DuckDBEngine(fixture_warehouse), postgres_warehouse, MART_TABLES)
    assert differences == []


def test_incremental_staging_run_with_an_upsert_horizon(
    postgres_warehouse: PostgresEngine, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """An incremental run of the staging dedupes on PostgreSQL reads the upsert horizon
    (macro upsert_horizon_condition, strategy horizon_delete_insert) and, with every raw row
    read again (a lookback of a year), changes no row."""
    tables = ["usage_staging.stg_segment__tracks", "usage_staging.stg_server_logs__log_events"]
    before = {table: sorted(postgres_warehouse.query(f"select * from {table}"), key=repr) for table in tables}
    target = tmp_path_factory.mktemp("postgres_incremental") / "target"
    run_dbt(
        ["run", "--select", "stg_segment__tracks", "stg_server_logs__log_events"],
        db_path=target.parent / "unused.duckdb",
        target_path=target,
        dbt_vars={"incremental_lookback_hours": 24 * 365},
        engine_env=postgres_warehouse.dbt_env(),
    )
    compiled = target / "compiled" / "usage_warehouse" / "models" / "staging" / "segment" / "stg_segment__tracks.sql"
    assert HORIZON_BOUND.search(compiled.read_text()), "the run was not incremental with a horizon"
    after = {table: sorted(postgres_warehouse.query(f"select * from {table}"), key=repr) for table in tables}
    assert after == before


RERUN_TABLES = {
    "usage_marts.fct_usage_events": (),
    # the run-history columns record the run, not the session (the model's docs)
    "usage_intermediate.int_sessions__clickstream_events": (
        "previous_session_id",
        "previous_session_started_at",
        "sessionized_loaded_at",
    ),
    "usage_marts.fct_sessions": (),
    "usage_marts.fct_page_views": (),
    # period facts replaced whole per period (partition_delete_insert)
    "usage_marts.fct_user_lifecycle": (),
    "usage_marts.fct_feature_adoption": (),
    "usage_intermediate.int_retention__feature_periods": (),
}


RERUN_MODELS = [table.split(".")[1] for table in RERUN_TABLES]


def test_incremental_rerun_finds_stored_events_and_periods(
    postgres_warehouse: PostgresEngine, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """The event-level models upsert on an id and a time (the session models: unique keys of two
    columns, delete+insert on PostgreSQL; fct_usage_events: timed_delete_insert), and the period
    facts replace their periods (partition_delete_insert): an incremental run that reads every
    event again (a lookback of a year) finds every stored copy and period and writes the same
    events, sessions and periods."""

    def rows(table: str, left_out: tuple[str, ...]) -> list[tuple[object, ...]]:
        schema, name = table.split(".")
        listed = postgres_warehouse.query(
            "select column_name from information_schema.columns"
            f" where table_schema = '{schema}' and table_name = '{name}' order by ordinal_position"
        )
        columns = [column for (column,) in listed if column not in left_out]
        return sorted(postgres_warehouse.query(f"select {', '.join(columns)} from {table}"), key=repr)

    before = {table: rows(table, left_out) for table, left_out in RERUN_TABLES.items()}
    target = tmp_path_factory.mktemp("postgres_sessions") / "target"
    run_dbt(
        ["run", "--select", *RERUN_MODELS],
        db_path=target.parent / "unused.duckdb",
        target_path=target,
        dbt_vars={"incremental_lookback_hours": 24 * 365},
        engine_env=postgres_warehouse.dbt_env(),
    )
    after = {table: rows(table, left_out) for table, left_out in RERUN_TABLES.items()}
    assert all(before[table] for table in RERUN_TABLES)
    assert after == before
    model = Path("usage_warehouse", "models", "intermediate", "sessions", "int_sessions__clickstream_events.sql")
    assert "existing.event_at = new_events.event_at" in (target / "compiled" / model).read_text()
    upsert = (target / "run" / model).read_text()
    assert "(event_id, event_at) in (" in upsert, "the upsert did not delete by id and time"
    events_model = Path("usage_warehouse", "models", "marts", "core", "fct_usage_events.sql")
    events_upsert = (target / "run" / events_model).read_text()
    assert "stored.event_at = new_rows.event_at" in events_upsert, "fct_usage_events did not delete by id and time"
    lifecycle_model = Path("usage_warehouse", "models", "marts", "engagement", "fct_user_lifecycle.sql")
    lifecycle_replace = " ".join((target / "run" / lifecycle_model).read_text().split())
    assert "select distinct period_type, period_start_date from" in lifecycle_replace, "not replaced by period"


def test_append_raw_round_trips_awkward_values(postgres_server: PostgresServer, tmp_path: Path) -> None:
    table = RawTable(
        "copy_check",
        "awkward_values",
        (
            ("text_value", "varchar"),
            ("whole", "bigint"),
            ("amount", "decimal(12,2)"),
            ("flag", "boolean"),
            ("landed_at", "timestamp"),
        ),
        "landed_at",
    )
    rows = [
        ("tab\there, newline\nthere, backslash \\N and \\t, carriage\rreturn", 1, Decimal("12.50"), True, None),
        ("", None, None, False, datetime(2026, 10, 1, 9, 30, 0, 123456)),
        (None, -(2**62), Decimal("-0.01"), None, datetime(2026, 10, 2)),
        ("unicode: é 漢字 🙂", 0, Decimal("0.00"), True, datetime(2026, 10, 3, 23, 59, 59)),
    ]
    with duckdb.connect(str(tmp_path / "source.duckdb")) as source:
        source.execute(f"create schema {table.schema}")
        source.execute(table.create_sql())
        source.executemany(f"insert into {table.qualified_name} values (?, ?, ?, ?, ?)", rows)
        engine = postgres_server.engine()
        assert engine.append_raw(source, [table]) == {"copy_check.awkward_values": 4}
        assert engine.append_raw(source, [table]) == {"copy_check.awkward_values": 4}  # appends, table exists
    landed = engine.query(f"select * from {table.qualified_name}")
    assert sorted(landed, key=repr) == sorted(rows + rows, key=repr)
    assert engine.query(
        "select data_type from information_schema.columns where table_schema = 'copy_check' order by ordinal_position"
    ) == [("text",), ("bigint",), ("numeric",), ("boolean",), ("timestamp without time zone",)]


def test_postgres_type_names_the_unmapped_type() -> None:
    assert postgres_type("decimal(12,2)") == "numeric(12,2)"
    with pytest.raises(ValueError, match=r"'hugeint' has no PostgreSQL type: add it to _POSTGRES_TYPES"):
        postgres_type("hugeint")


def test_server_removes_its_directory_on_exit() -> None:
    with PostgresServer(dbname="scratch") as server:
        data_dir = server.data_dir
        assert server.engine().query("select current_database(), current_setting('TimeZone')") == [("scratch", "UTC")]
    assert not data_dir.exists()


def test_compare_rows_orders_rows_and_allows_float_noise() -> None:
    left = [(1, "a", 0.1 + 0.2, None), (2, "b", Decimal("1.50"), True)]
    right = [(2, "b", 1.5, True), (1, "a", 0.3, None)]
    assert compare_rows("t", "duckdb", left, "postgres", right) == []


def test_compare_rows_reports_each_difference() -> None:
    assert compare_rows("t", "duckdb", [(1, "a")], "postgres", [(1, "a"), (2, "b")]) == [
        "t: 1 rows on duckdb, 2 on postgres"
    ]
    assert compare_rows("t", "duckdb", [(1, "a", 1.0)], "postgres", [(1, "a", 1.001)]) == [
        "t sorted row 1 (duckdb != postgres): column 3: 1 != 1.001"
    ]
    assert compare_rows("t", "duckdb", [(1, None)], "postgres", [(1, "x")]) == [
        "t sorted row 1 (duckdb != postgres): column 2: None != 'x'"
    ]
