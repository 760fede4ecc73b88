"""The whole project on Spark (dbt-spark, session method): the hand-made fixture landed with
SparkEngine, built, and every mart and audit table compared with the DuckDB build row by row."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from fixture_data import load_fixture
from usage_warehouse.dbt import run_dbt
from usage_warehouse.engines import DuckDBEngine
from usage_warehouse.engines.compare import compare_rows, compare_tables
from usage_warehouse.engines.spark import SparkEngine, create_table_sql, spark_type
from usage_warehouse.raw_schema import APP_ACCOUNTS, APP_SUBSCRIPTIONS, RAW_TABLES
from usage_warehouse.warehouse import MART_TABLES

pytestmark = pytest.mark.skipif(shutil.which("java") is None, reason="Spark needs a Java runtime (make system-deps)")

# Selector of the Spark build (selectors.yml): every model, seed, snapshot and unit test, and
# the data tests that guard the build's outcome; the other data tests run on DuckDB.
SPARK_SELECTOR = "spark"


def test_raw_tables_map_duckdb_types_to_spark() -> None:
    sql = create_table_sql(APP_ACCOUNTS)
    assert "seats int," in sql
    assert "created_at timestamp," in sql
    assert "id string," in sql
    assert sql.endswith("using parquet")
    assert spark_type("DECIMAL(12,2)") == "decimal(12,2)"
    assert {spark_type(t) for _, t in APP_SUBSCRIPTIONS.columns if t == "varchar"} == {"string"}
    with pytest.raises(ValueError, match="raw column type 'hugeint' has no Spark type: add it to SPARK_TYPES"):
        spark_type("hugeint")


@pytest.fixture(scope="module")
def spark_warehouse(tmp_path_factory: pytest.TempPathFactory, dbt_target_path: Path) -> Iterator[SparkEngine]:
    """The fixture's raw rows landed in a local Spark warehouse and built with dbt-spark."""
    work = tmp_path_factory.mktemp("spark")
    raw_db = work / "raw.duckdb"
    load_fixture(str(raw_db))
    engine = SparkEngine(work / "spark")
    with duckdb.connect(str(raw_db), read_only=True) as source:
        landed = engine.append_raw(source, RAW_TABLES)
    assert landed["raw_segment.tracks"] == 12
    engine.close()  # dbt's session opens the Derby metastore next: one process at a time
    target = work / "target"
    run_dbt(["build", "--selector", SPARK_SELECTOR], db_path=raw_db, target_path=target, engine_env=engine.dbt_env())
    run_dbt(
        ["test", "--select", "tag:needs_built_model"], db_path=raw_db, target_path=target, engine_env=engine.dbt_env()
    )
    yield engine
    engine.close()


def test_raw_rows_land_unchanged(spark_warehouse: SparkEngine, tmp_path: Path) -> None:
    rows = spark_warehouse.query(
        "select id, seats, created_at, deleted_at, _loaded_at from raw_app.accounts order by id"
    )
    assert rows == [
        ("acc_A", 5, datetime(2026, 9, 1, 10, 0), None, datetime(2026, 10, 3, 7, 0)),
        ("acc_B", 10, datetime(2026, 9, 15, 10, 0), None, datetime(2026, 10, 3, 7, 0)),
    ]
    raw_db = tmp_path / "raw.duckdb"
    load_fixture(str(raw_db))
    raw_tables = [table.qualified_name for table in RAW_TABLES]
    assert compare_tables(DuckDBEngine(raw_db), spark_warehouse, raw_tables) == []


def mart_differences(duckdb_build: DuckDBEngine, spark: SparkEngine) -> list[str]:
    """compare_rows over every mart, selecting DuckDB's columns by name: Spark stores a
    partitioned table's partition column (the daily facts' date) last."""
    differences: list[str] = []
    for table in MART_TABLES:
        schema, name = table.split(".")
        columns = ", ".join(
            column
            for (column,) in duckdb_build.query(
                "select column_name from information_schema.columns "
                f"where table_schema = '{schema}' and table_name = '{name}' order by ordinal_position"
            )
        )
        sql = f"select {columns} from {table}"
        differences += compare_rows(table, "duckdb", duckdb_build.query(sql), "spark", spark.query(sql))
    return differences


def test_every_mart_matches_the_duckdb_build(spark_warehouse: SparkEngine, fixture_warehouse: Path) -> None:
    assert mart_differences(DuckDBEngine(fixture_warehouse), spark_warehouse) == []
