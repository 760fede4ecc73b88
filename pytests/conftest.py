"""Shared fixtures: warehouses built from the hand-made raw dataset."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from fixture_data import load_fixture
from usage_warehouse.dbt import run_dbt
from usage_warehouse.warehouse import query

Query = Callable[[str], list[tuple[Any, ...]]]


def query_db(db_path: Path) -> Query:
    return lambda sql: query(db_path, sql)


@pytest.fixture(scope="session")
def dbt_target_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("dbt_target")


@pytest.fixture(scope="session")
def fixture_warehouse(tmp_path_factory: pytest.TempPathFactory, dbt_target_path: Path) -> Path:
    """The hand-made fixture, built with one full `dbt build` (models, seeds, snapshots, tests)."""
    db_path = tmp_path_factory.mktemp("fixture") / "warehouse.duckdb"
    load_fixture(str(db_path))
    run_dbt(["build"], db_path=db_path, target_path=dbt_target_path)
    # Unit tests of incremental models that need the built table (selectors.yml leaves them out of a plain build).
    run_dbt(["test", "--select", "tag:needs_built_model"], db_path=db_path, target_path=dbt_target_path)
    return db_path


@pytest.fixture(scope="session")
def q(fixture_warehouse: Path) -> Query:
    return query_db(fixture_warehouse)
