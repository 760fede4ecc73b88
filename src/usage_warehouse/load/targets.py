"""The engine a load lands on, chosen by dbt target name, with the connection profiles.yml uses.

``engine_for_target("postgres")`` reads the same ``USAGE_WAREHOUSE_PG_*`` variables (with the
same defaults) as the profile's ``postgres`` output, ``"spark"`` the ``USAGE_WAREHOUSE_SPARK_*``
directories of its ``spark`` output, and ``"duckdb"`` the file given, else
``USAGE_WAREHOUSE_DUCKDB_PATH``, else ``warehouse/usage_warehouse.duckdb``: the files land
where ``dbt build --target <name>`` then reads them.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Mapping
from pathlib import Path

from usage_warehouse.dbt import PROJECT_DIR
from usage_warehouse.demo_build import warehouse_path
from usage_warehouse.engines import DuckDBEngine, Engine

TARGETS = ("duckdb", "postgres", "spark")

_SPARK_MODULE = "usage_warehouse.engines.spark"
_SPARK_DEFAULTS = {
    "USAGE_WAREHOUSE_SPARK_WAREHOUSE_DIR": "warehouse/spark/warehouse",
    "USAGE_WAREHOUSE_SPARK_METASTORE_DIR": "warehouse/spark/metastore",
}


class TargetError(ValueError):
    """A target that cannot be reached as configured; the message says which setting to fix."""


def engine_for_target(target: str, *, db_path: Path | None = None, env: Mapping[str, str] | None = None) -> Engine:
    """The engine of a dbt target (``duckdb``, ``postgres`` or ``spark``), configured from ``env``
    (default: the process environment) as profiles.yml configures dbt."""
    env = os.environ if env is None else env
    if target == "duckdb":
        return DuckDBEngine(db_path or warehouse_path())
    if db_path is not None:
        raise TargetError(
            f"--db names a DuckDB file, but the target is {target}: drop --db (the {target} connection "
            "comes from the environment, as in profiles.yml) or use --target duckdb"
        )
    if target == "postgres":
        return _postgres(env)
    if target == "spark":
        return _spark(env)
    raise TargetError(f"unknown target {target!r}: use one of {', '.join(TARGETS)}")


def _postgres(env: Mapping[str, str]) -> Engine:
    import psycopg2

    from usage_warehouse.engines.postgres import PostgresEngine

    port = env.get("USAGE_WAREHOUSE_PG_PORT", "5432")
    if not port.isdigit():
        raise TargetError(f"USAGE_WAREHOUSE_PG_PORT={port!r} is not a port number: set it to e.g. 5432")
    engine = PostgresEngine(
        host=env.get("USAGE_WAREHOUSE_PG_HOST", "localhost"),
        port=int(port),
        user=env.get("USAGE_WAREHOUSE_PG_USER", "postgres"),
        password=env.get("USAGE_WAREHOUSE_PG_PASSWORD") or None,
        dbname=env.get("USAGE_WAREHOUSE_PG_DBNAME", "usage_warehouse"),
        schema=env.get("USAGE_WAREHOUSE_SCHEMA", "usage"),
    )
    try:
        engine.query("select 1")
    except psycopg2.OperationalError as problem:
        raise TargetError(
            f"cannot connect to PostgreSQL database {engine.dbname} at {engine.host}:{engine.port} as {engine.user}: "
            f"{str(problem).strip()}; set USAGE_WAREHOUSE_PG_HOST, _PORT, _USER, _PASSWORD and _DBNAME "
            "(the variables profiles.yml reads)"
        ) from None
    return engine


def _spark(env: Mapping[str, str]) -> Engine:
    try:
        spark = importlib.import_module(_SPARK_MODULE)
    except ModuleNotFoundError as missing:
        what = "the Spark engine" if missing.name == _SPARK_MODULE else f"the Python package {missing.name}"
        raise TargetError(
            f"--target spark needs {what} ({_SPARK_MODULE}), which this installation does not have: "
            "install the project's requirements (pyspark) and a version of usage_warehouse with Spark support"
        ) from None
    warehouse_dir, metastore_dir = (
        _project_path(env.get(variable, default)) for variable, default in _SPARK_DEFAULTS.items()
    )
    spark_dir = warehouse_dir.parent
    if metastore_dir != spark_dir / "metastore" or warehouse_dir.name != "warehouse":
        raise TargetError(
            f"the Spark warehouse ({warehouse_dir}) and metastore ({metastore_dir}) must be the directories "
            "'warehouse' and 'metastore' of one Spark directory: set USAGE_WAREHOUSE_SPARK_WAREHOUSE_DIR="
            "<dir>/warehouse and USAGE_WAREHOUSE_SPARK_METASTORE_DIR=<dir>/metastore"
        )
    engine: Engine = spark.SparkEngine(spark_dir)
    return engine


def _project_path(text: str) -> Path:
    """A path of the profile: relative ones are relative to the dbt project, where dbt runs."""
    path = Path(text)
    return (path if path.is_absolute() else PROJECT_DIR / path).resolve()


def close_engine(engine: Engine) -> None:
    """Release what the engine holds open (Spark: its session and the one-process Derby metastore)."""
    close = getattr(engine, "close", None)
    if callable(close):
        close()
