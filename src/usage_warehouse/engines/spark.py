"""Spark as a warehouse: a local SparkSession over a warehouse directory and a metastore.

dbt-spark's ``session`` method starts its own SparkSession inside the dbt process, with the
``server_side_parameters`` of the profile. The profile (profiles.yml, target ``spark``) reads
them from the environment that :meth:`SparkEngine.dbt_env` returns, and this engine starts
its session with the same settings (:func:`session_settings`), so both see the same tables:
parquet files under ``<spark_dir>/warehouse`` and a Derby metastore under
``<spark_dir>/metastore``. Derby allows one process at a time: the engine stops its session
(``close()``) before dbt runs, and starts it again when it is next used.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import pyarrow.parquet as pq

from usage_warehouse.engines import translate_type
from usage_warehouse.raw_schema import RawTable

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

# DuckDB types of the raw landing contract (raw_schema.py) and their Spark types.
SPARK_TYPES: dict[str, str] = {
    "varchar": "string",
    "timestamp": "timestamp",
    "bigint": "bigint",
    "integer": "int",
    "boolean": "boolean",
    "double": "double",
    "date": "date",
}

# The environment variables the profile's `spark` output reads (profiles.yml).
WAREHOUSE_DIR_VAR = "USAGE_WAREHOUSE_SPARK_WAREHOUSE_DIR"
METASTORE_DIR_VAR = "USAGE_WAREHOUSE_SPARK_METASTORE_DIR"
SHUFFLE_PARTITIONS_VAR = "USAGE_WAREHOUSE_SPARK_SHUFFLE_PARTITIONS"
DEFAULT_SHUFFLE_PARTITIONS = 4


def spark_type(duckdb_type: str) -> str:
    """The Spark SQL type of a DuckDB type of the landing contract."""
    return translate_type(duckdb_type, SPARK_TYPES, "Spark", f"SPARK_TYPES in {__file__}")


def create_table_sql(table: RawTable) -> str:
    """`create table` of one raw table as a parquet table (Spark has no Hive-format dynamic partitions)."""
    columns = ",\n    ".join(f"{name} {spark_type(sql_type)}" for name, sql_type in table.columns)
    return f"create table if not exists {table.qualified_name} (\n    {columns}\n) using parquet"


def session_settings(spark_dir: Path, shuffle_partitions: int = DEFAULT_SHUFFLE_PARTITIONS) -> dict[str, str]:
    """Spark settings of a local warehouse in spark_dir; the profile sets the same ones from dbt_env()."""
    metastore = spark_dir / "metastore"
    derby_url = f"jdbc:derby:;databaseName={metastore / 'metastore_db'};create=true"
    return {
        "spark.sql.warehouse.dir": str(spark_dir / "warehouse"),
        "spark.hadoop.javax.jdo.option.ConnectionURL": derby_url,
        "spark.driver.extraJavaOptions": f"-Dderby.system.home={metastore} -Duser.timezone=UTC",
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.shuffle.partitions": str(shuffle_partitions),
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
    }


class SparkEngine:
    """A local Spark warehouse (parquet tables and a Derby metastore) in one directory."""

    name = "spark"

    def __init__(self, spark_dir: str | Path, *, shuffle_partitions: int = DEFAULT_SHUFFLE_PARTITIONS) -> None:
        self.spark_dir = Path(spark_dir).resolve()
        self.shuffle_partitions = shuffle_partitions
        self._session: SparkSession | None = None

    def session(self) -> SparkSession:
        """The engine's SparkSession, started on first use (a few seconds: a JVM starts)."""
        if self._session is None:
            from pyspark.sql import SparkSession

            (self.spark_dir / "metastore").mkdir(parents=True, exist_ok=True)
            builder = SparkSession.builder.master("local[*]").appName("usage-warehouse").enableHiveSupport()
            for key, value in session_settings(self.spark_dir, self.shuffle_partitions).items():
                builder = builder.config(key, value)
            self._session = builder.getOrCreate()
            self._session.sparkContext.setLogLevel("ERROR")
        return self._session

    def close(self) -> None:
        """Stop the session and its JVM: the embedded Derby metastore keeps its lock for as
        long as the JVM lives, and dbt's own session (another process) needs it next."""
        if self._session is None:
            return
        from pyspark import SparkContext

        self._session.stop()
        self._session = None
        gateway = SparkContext._gateway
        if gateway is not None:
            gateway.shutdown()
            process = getattr(gateway, "proc", None)
            if process is not None:
                process.stdin.close()  # the JVM exits when its stdin closes
                process.wait(timeout=60)
            SparkContext._gateway = None
            SparkContext._jvm = None

    def execute(self, sql: str) -> None:
        self.session().sql(sql).collect()

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        return [tuple(row) for row in self.session().sql(sql).collect()]

    def append_raw(self, source: duckdb.DuckDBPyConnection, tables: Sequence[RawTable]) -> dict[str, int]:
        """Append each table's rows through a parquet file: Spark reads DuckDB's timestamps
        (no time zone) as they are, and casts every column to the contract's Spark type."""
        counts: dict[str, int] = {}
        spark = self.session()
        staging = Path(tempfile.mkdtemp(prefix="landing-", dir=self.spark_dir))
        try:
            for table in tables:
                spark.sql(f"create database if not exists {table.schema}")
                spark.sql(create_table_sql(table))
                rows = source.sql(
                    f"select {', '.join(table.column_names)} from {table.qualified_name}"
                ).to_arrow_table()
                counts[table.qualified_name] = rows.num_rows
                if rows.num_rows == 0:
                    continue
                path = staging / f"{table.schema}__{table.name}.parquet"
                pq.write_table(rows, path)
                incoming = spark.read.parquet(str(path)).selectExpr(
                    *(f"cast({name} as {spark_type(sql_type)}) as {name}" for name, sql_type in table.columns)
                )
                incoming.write.insertInto(table.qualified_name)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return counts

    def dbt_env(self) -> Mapping[str, str]:
        return {
            "USAGE_WAREHOUSE_TARGET": "spark",
            WAREHOUSE_DIR_VAR: str(self.spark_dir / "warehouse"),
            METASTORE_DIR_VAR: str(self.spark_dir / "metastore"),
            SHUFFLE_PARTITIONS_VAR: str(self.shuffle_partitions),
        }
