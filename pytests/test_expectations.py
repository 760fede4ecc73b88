"""The Great Expectations checkpoint (`python -m usage_warehouse expectations`).

A tiny demo warehouse (8 accounts, 20 days) is built once; the checkpoint must pass on it and
write the data docs. Then, for each suite, one table of a copy is corrupted and the checkpoint
must fail (exit code 1) naming exactly the expectation and table that catch it, and nothing else.
"""

from __future__ import annotations

import re
import shutil
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

from usage_warehouse.cli import main
from usage_warehouse.dbt import run_dbt
from usage_warehouse.expectations import SUITES, TableCheck, Thresholds, build_checks
from usage_warehouse.expectations.facts import WarehouseFacts
from usage_warehouse.generator import GeneratorConfig, generate, write_duckdb

SUMMARY_ROW = re.compile(r"^\s+(raw|staging|marts)\s+(\d+)\s+(\d+)\s+(\d+)$", re.MULTILINE)


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A freshly built tiny demo warehouse (models, seeds, snapshots; dbt's own tests are not the subject)."""
    root = tmp_path_factory.mktemp("expectations")
    db_path = root / "warehouse.duckdb"
    write_duckdb(generate(GeneratorConfig(accounts=8, days=20)), db_path)
    run_dbt(["build", "--exclude-resource-type", "test", "unit_test"], db_path=db_path, target_path=root / "target")
    return db_path


def run_command(db_path: Path, docs_dir: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["expectations", "--db", str(db_path), "--docs-dir", str(docs_dir)])
    return code, capsys.readouterr().out


def failed_lines(output: str) -> set[str]:
    return {line.strip().removeprefix("FAILED ") for line in output.splitlines() if line.strip().startswith("FAILED ")}


def corrupted_copy(warehouse: Path, tmp_path: Path, *statements: str) -> Path:
    copy = tmp_path / "corrupted.duckdb"
    shutil.copy(warehouse, copy)
    with duckdb.connect(str(copy)) as con:
        for statement in statements:
            con.execute(statement)
    return copy


def scalar(db_path: Path, sql: str) -> int:
    with duckdb.connect(str(db_path), read_only=True) as con:
        return int(con.execute(sql).fetchall()[0][0])


def test_checkpoint_passes_on_a_fresh_build_and_writes_data_docs(
    warehouse: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    docs = tmp_path / "docs"
    code, output = run_command(warehouse, docs, capsys)
    assert code == 0, output
    rows = {
        suite: (int(total), int(passed), int(failed)) for suite, total, passed, failed in SUMMARY_ROW.findall(output)
    }
    assert set(rows) == set(SUITES)
    for suite, (total, passed, failed) in rows.items():
        assert total > 0 and passed == total and failed == 0, (suite, output)
        assert f"  {suite}: read " in output  # progress per suite
    assert "checkpoint passed" in output
    assert (docs / "index.html").is_file()
    index = (docs / "index.html").read_text()
    # One validation page per checked table, reachable from the index.
    pages = list((docs / "validations").rglob("*.html"))
    assert len(pages) == 42
    assert "fct_source_row_accounting" in index and "raw_segment.tracks" in index


def test_raw_suite_fails_when_keys_go_missing(
    warehouse: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Null the message id of every 10th raw track: about 90% of ids left, below mostly=0.95.
    bad = corrupted_copy(warehouse, tmp_path, "update raw_segment.tracks set id = null where rowid % 10 = 0")
    nulls = scalar(bad, "select count(*) - count(id) from raw_segment.tracks")
    rows = scalar(bad, "select count(*) from raw_segment.tracks")
    assert nulls / rows > 1 - Thresholds().raw_key_not_null_mostly  # the corruption is past the tolerance
    code, output = run_command(bad, tmp_path / "docs", capsys)
    assert code == 1
    assert failed_lines(output) == {"raw: raw_segment.tracks: expect_column_values_to_not_be_null(id)"}
    assert f"{nulls} of {rows} rows unexpected" in output


def test_staging_suite_fails_on_a_duplicate_key(
    warehouse: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The newest message id becomes a copy of the oldest: same row count, one key twice.
    bad = corrupted_copy(
        warehouse,
        tmp_path,
        "update usage_staging.stg_segment__tracks set message_id = (select min(message_id) "
        "from usage_staging.stg_segment__tracks) where message_id = (select max(message_id) "
        "from usage_staging.stg_segment__tracks)",
    )
    code, output = run_command(bad, tmp_path / "docs", capsys)
    assert code == 1
    assert failed_lines(output) == {
        "staging: usage_staging.stg_segment__tracks: expect_column_values_to_be_unique(message_id)"
    }
    rows = scalar(bad, "select count(*) from usage_staging.stg_segment__tracks")
    assert f"2 of {rows} rows unexpected" in output  # both rows that share the key


def test_marts_suite_fails_on_range_accounting_reconciliation_and_a_missing_table(
    warehouse: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = corrupted_copy(
        warehouse,
        tmp_path,
        # An out-of-range score: one row gets 100.5 (a tiny demo's accounts are all still onboarding,
        # unscored: the row's null becomes the bad value).
        "update usage_marts.fct_account_health_daily set health_score = 100.5 where rowid = "
        "(select min(rowid) from usage_marts.fct_account_health_daily)",
        # Unbalanced accounting that is_balanced does not show: kept + 1 on one raw table.
        "update usage_audit.fct_source_row_accounting set kept_row_count = kept_row_count + 1 "
        "where source_table = 'segment.tracks'",
        # A daily fact that no longer sums to the events: one row counts one event more.
        "update usage_marts.fct_account_daily_usage set event_count = event_count + 1 "
        "where account_daily_feature_usage_id = (select min(account_daily_feature_usage_id) "
        "from usage_marts.fct_account_daily_usage)",
        # A mart that is not there at all: its check's query fails, and that is a failure too.
        "drop table usage_marts.fct_account_engagement_daily",
    )
    assert scalar(bad, "select count(*) from usage_marts.fct_account_health_daily where health_score > 100") == 1
    code, output = run_command(bad, tmp_path / "docs", capsys)
    assert code == 1
    assert failed_lines(output) == {
        "marts: usage_marts.fct_account_health_daily: expect_column_values_to_be_between(health_score)",
        "marts: usage_audit.fct_source_row_accounting: "
        "expect_column_pair_values_to_be_equal(raw_row_count, accounted_row_count)",
        "marts: daily_usage_reconciles_with_events: "
        "expect_column_pair_values_to_be_equal(account_event_count, feature_fact_event_count)",
        "marts: usage_marts.fct_account_engagement_daily: query",
    }
    # One health row, one accounting row and one day are off.
    assert "health_score is a score from 0 to 100: 1 of " in output
    assert "raw = kept + duplicates + quarantined: 1 of 15 rows unexpected" in output
    assert "feature facts sum to the events with an account: 1 of " in output


def _facts(scale: int) -> WarehouseFacts:
    raw = {"raw_segment.tracks": 1000, "raw_segment.pages": 600, "raw_server_logs.log_lines": 400, "raw_app.users": 50}
    return WarehouseFacts(
        raw_row_counts={name: rows * scale for name, rows in raw.items()},
        staging_row_counts={"stg_app_db__accounts": 10 * scale, "stg_app_db__users": 50 * scale},
        newest_load_at=datetime(2026, 10, 31, 23),
        as_of_date=date(2026, 10, 30),
        plans=("team",),
        features=("reports",),
    )


def _row_bounds(checks: list[TableCheck], table: str) -> tuple[object, object]:
    (check,) = [check for check in checks if check.table == table]
    (bound,) = [e for e in check.expectations if type(e).__name__ == "ExpectTableRowCountToBeBetween"]
    return bound.min_value, bound.max_value  # type: ignore[attr-defined]


@pytest.mark.parametrize("scale", [1, 100])
def test_row_count_bounds_scale_with_the_warehouse(scale: int) -> None:
    checks = build_checks(_facts(scale))
    # staging keeps at most every raw row and at least half: 1000 raw tracks -> 500..1000.
    assert _row_bounds(checks, "usage_staging.stg_segment__tracks") == (500 * scale, 1000 * scale)
    # events: at least half of 1000 + 600 + 400 = 2000 raw events and lines (1000), at most one per raw row
    # including the 50 app users: 2000 + 50 = 2050.
    assert _row_bounds(checks, "usage_marts.fct_usage_events") == (1000 * scale, 2050 * scale)
    # one account row per staged account.
    assert _row_bounds(checks, "usage_marts.dim_accounts") == (10 * scale, 10 * scale)
