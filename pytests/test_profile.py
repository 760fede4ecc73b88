"""`usage-warehouse profile`: each compiled query timed alone under DuckDB's profiler."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from usage_warehouse.bench.profile import slowest_operators
from usage_warehouse.cli import main
from usage_warehouse.dbt import run_dbt
from usage_warehouse.warehouse import query

RELATIONS = "select table_schema, table_name, table_type from information_schema.tables order by all"


def test_slowest_operators_walk_the_whole_plan() -> None:
    profile = {
        "operator": [
            {
                "type": "CREATE_TABLE_AS",
                "timing": 0.5,
                "intermediate_rows": 1,
                "extra_info": {},
                "children": [
                    {
                        "type": "HASH_JOIN",
                        "timing": 1.25,
                        "intermediate_rows": 40,
                        "extra_info": {"Join Type": "INNER", "Conditions": "event_id = event_id"},
                        "children": [
                            {
                                "type": "TABLE_SCAN",
                                "timing": 2.0,
                                "intermediate_rows": 1000,
                                "extra_info": {"Table": "w.s.events", "Projections": ["event_id"]},
                                "children": [],
                            },
                            {
                                "type": "PROJECTION",
                                "timing": 0.25,
                                "intermediate_rows": 40,
                                "extra_info": {"Projections": ["event_id", "loaded_at"]},
                                "children": [],
                            },
                        ],
                    }
                ],
            }
        ]
    }
    top = slowest_operators(profile, 3)
    assert [(op.operator, op.seconds, op.rows) for op in top] == [
        ("TABLE_SCAN", 2.0, 1000),
        ("HASH_JOIN", 1.25, 40),
        ("CREATE_TABLE_AS", 0.5, 1),
    ]
    assert top[0].detail == "table: w.s.events"  # the table before the projections
    assert top[1].detail == "conditions: event_id = event_id"
    assert slowest_operators(profile, 10)[-1].detail == "projections: event_id, loaded_at"


def test_profile_times_compiled_queries_without_changing_the_warehouse(fixture_warehouse: Path, tmp_path: Path) -> None:
    # The queries of a compile on the built warehouse: what the next run would execute.
    target = tmp_path / "target"
    run_dbt(
        ["compile", "--select", "dim_accounts", "dim_users", "unique_dim_accounts_account_id"],
        db_path=fixture_warehouse,
        target_path=target,
    )
    relations_before = query(fixture_warehouse, RELATIONS)
    out = tmp_path / "profile.json"
    argv = ["profile", "--db", str(fixture_warehouse), "--target-path", str(target), "--out", str(out)]
    assert main([*argv, "--select", "dim_accounts", "unique_dim_accounts_account_id", "--tests", "--repeat", "3"]) == 0

    results = json.loads(out.read_text())
    assert results["settings"]["command"] == "compile" and results["settings"]["repeat"] == 3
    queries = {item["unique_id"].split(".")[2]: item for item in results["queries"]}
    assert set(queries) == {"dim_accounts", "unique_dim_accounts_account_id"}
    accounts = queries["dim_accounts"]
    # The query gives the rows dbt stored (a table, no hook deletes rows) and reads the staged accounts.
    assert (
        accounts["rows"] == query(fixture_warehouse, "select count(*) from usage_marts.dim_accounts")[0][0] == 2
    )  # acc_A, acc_B
    assert accounts["rows_scanned"] >= 2 and accounts["cpu_seconds"] > 0
    assert (accounts["layer"], accounts["materialized"]) == ("marts", "table")
    assert len(accounts["wall_seconds_runs"]) == 3
    assert accounts["wall_seconds"] == sorted(accounts["wall_seconds_runs"])[1]  # the median run
    seconds = [operator["seconds"] for operator in accounts["operators"]]
    assert 0 < len(seconds) <= 5 and seconds == sorted(seconds, reverse=True)
    assert any(op["operator"] == "TABLE_SCAN" for op in accounts["operators"]) or len(seconds) == 5
    test = queries["unique_dim_accounts_account_id"]
    assert (test["resource_type"], test["layer"], test["rows"]) == ("test", "data_tests", 0)  # a passing test
    assert results["totals"]["nodes"] == 2
    assert results["totals"]["wall_seconds"] == pytest.approx(accounts["wall_seconds"] + test["wall_seconds"], abs=2e-3)
    # Read-only: no table was written, kept or dropped.
    assert query(fixture_warehouse, RELATIONS) == relations_before

    # Without names: the compiled tables only (dim_users too), not the test.
    assert main([*argv]) == 0
    names = {item["unique_id"].split(".")[2] for item in json.loads(out.read_text())["queries"]}
    assert names == {"dim_accounts", "dim_users"}


def test_profile_names_what_is_missing(
    fixture_warehouse: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "target"
    argv = ["profile", "--db", str(fixture_warehouse), "--target-path", str(target), "--out", str(tmp_path / "p.json")]
    assert main(argv) == 2
    assert "no run_results.json; run dbt build, run or compile with --target-path there" in capsys.readouterr().err
    run_dbt(["compile", "--select", "dim_accounts"], db_path=fixture_warehouse, target_path=target)
    assert main([*argv, "--select", "fct_no_such_model"]) == 2
    assert "fct_no_such_model: not among the models (add --tests for data tests)" in capsys.readouterr().err
    assert main([*argv[:2], str(tmp_path / "missing.duckdb"), *argv[3:]]) == 2
    assert "no warehouse file" in capsys.readouterr().err
