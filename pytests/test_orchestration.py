"""The Dagster daily job, its retry policy, the run report and the backfill job, on the hand-made fixture.

One daily run builds the fixture warehouse from nothing (landing → dbt build → expectations →
report); its landing fails on the first attempt, so the retry policy is exercised. A second,
cheap run (landing a small extra batch, then the checkpoint with the default tolerances, no
dbt) writes a report that compares with the first. The backfill job then recomputes two days
of the daily facts and leaves the third alone.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import duckdb
import pytest
from dagster import AssetKey, DagsterEventType, Definitions, ExecuteInProcessResult, RetryPolicy, build_schedule_context

from fixture_data import FIXTURE, load_fixture, segment_call
from usage_warehouse.dbt import INCREMENTAL_BUILD, PRODUCTION_BUILD
from usage_warehouse.orchestration.jobs import (
    BACKFILL_JOB,
    DAILY_JOB,
    RUN_DATE_TAG,
    OrchestrationSettings,
    WarehouseResource,
    build_definitions,
)
from usage_warehouse.orchestration.landing import Landing, Log, loads_until
from usage_warehouse.warehouse import query

FIRST_RUN = date(2026, 10, 3)
SECOND_RUN = date(2026, 10, 4)
# The fixture's deliberate faults exceed the default tolerances on so few rows (1 of 12 tracks
# without an id; 3 of 10 log lines kept): the first run checks with tolerances for that.
FIXTURE_TOLERANCES = {"raw_key_not_null_mostly": 0.9, "staging_min_kept_share": 0.3}
EXTRA_TRACKS = [
    segment_call("t_extra_1", "2026-10-04 09:00:00", user_id="usr_1", event="Dashboard Viewed"),
    segment_call("t_extra_2", "2026-10-04 09:05:00", user_id="usr_2", event="Dashboard Viewed"),
]


class FixtureLanding(Landing):
    """Lands the hand-made fixture's rows loaded by the run date; fails on its first attempt."""

    attempts_file: str

    def land(self, db_path: Path, run_date: date, log: Log) -> dict[str, int]:
        attempts = Path(self.attempts_file)
        attempt = int(attempts.read_text()) + 1 if attempts.exists() else 1
        attempts.write_text(str(attempt))
        if attempt == 1:
            raise ConnectionError("the raw store did not answer (first attempt)")
        return load_fixture(str(db_path), loaded_until=loads_until(run_date))


class ExtraBatchLanding(Landing):
    """Lands two Segment tracks of 2026-10-04."""

    def land(self, db_path: Path, run_date: date, log: Log) -> dict[str, int]:
        return load_fixture(str(db_path), dataset={"raw_segment.tracks": EXTRA_TRACKS})


def _settings(tmp: Path, landing: Landing, tolerances: dict[str, float]) -> OrchestrationSettings:
    return OrchestrationSettings(
        db_path=tmp / "warehouse.duckdb",
        target_path=tmp / "dbt_target",
        reports_dir=tmp / "run_reports",
        expectations_docs_dir=tmp / "expectations_docs",
        landing=landing,
        retry_policy=RetryPolicy(max_retries=2),
        expectation_thresholds=tolerances,
        backfill_start_date="2026-09-01",
    )


def _report(tmp: Path, run_date: date) -> dict[str, Any]:
    report: dict[str, Any] = json.loads((tmp / "run_reports" / f"{run_date.isoformat()}.json").read_text())
    return report


@pytest.fixture(scope="module")
def tmp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("orchestration")


@pytest.fixture(scope="module")
def first_run(tmp: Path) -> ExecuteInProcessResult:
    landing = FixtureLanding(attempts_file=str(tmp / "landing_attempts"))
    definitions = build_definitions(_settings(tmp, landing, FIXTURE_TOLERANCES))
    return definitions.resolve_job_def(DAILY_JOB).execute_in_process(
        tags={RUN_DATE_TAG: FIRST_RUN.isoformat()}, raise_on_error=False
    )


@pytest.fixture(scope="module")
def second_run(tmp: Path, first_run: ExecuteInProcessResult) -> ExecuteInProcessResult:
    """Landing and the checkpoint only (no dbt build), with the default tolerances."""
    definitions = build_definitions(_settings(tmp, ExtraBatchLanding(), {}))
    raw_keys = definitions.resolve_assets_def(AssetKey(["segment", "tracks"])).keys
    return definitions.resolve_job_def(DAILY_JOB).execute_in_process(
        tags={RUN_DATE_TAG: SECOND_RUN.isoformat()},
        asset_selection=[*raw_keys, AssetKey("expectations_checkpoint")],
        raise_on_error=False,
    )


def test_daily_job_builds_after_retrying_the_landing(tmp: Path, first_run: ExecuteInProcessResult) -> None:
    assert first_run.success
    assert (tmp / "landing_attempts").read_text() == "2"
    retried = [
        event.step_key for event in first_run.all_events if event.event_type == DagsterEventType.STEP_UP_FOR_RETRY
    ]
    assert retried == ["landing"]
    db = tmp / "warehouse.duckdb"
    # Row counts of the fixture (pytests/test_fixture_marts.py explains each).
    assert query(db, "select count(*), sum(event_count) from usage_marts.fct_user_daily_usage") == [(15, 16)]
    assert query(db, "select count(*) from usage_marts.dim_features") == [(21,)]
    assert query(db, "select count(*) from usage_marts.dim_accounts") == [(2,)]
    assert query(db, "select count(*) from usage_marts.fct_usage_events") == [(18,)]


def test_first_report_counts_what_ran_and_the_rows(tmp: Path, first_run: ExecuteInProcessResult) -> None:
    report = _report(tmp, FIRST_RUN)
    fixture_rows = {table: len(rows) for table, rows in FIXTURE.items()}
    assert report["status"] == "succeeded"
    assert report["run_id"] == first_run.run_id
    assert report["landed"] == {**{table: 0 for table in report["landed"]}, **fixture_rows}
    assert sum(report["landed"].values()) == 42
    assert report["rows"]["layer_totals"]["raw"] == 42
    assert report["rows"]["tables"]["raw"]["raw_segment.tracks"] == 12
    # 12 tracks: 8 kept, 2 duplicates, 2 quarantined; 10 log lines: 3 kept, 1 duplicate, 6 quarantined.
    assert report["rows"]["accounting"]["segment.tracks"] == {"raw": 12, "kept": 8, "duplicates": 2, "quarantined": 2}
    assert report["rows"]["accounting"]["server_logs.log_lines"] == {
        "raw": 10,
        "kept": 3,
        "duplicates": 1,
        "quarantined": 6,
    }
    assert report["rows"]["quarantined_total"] == 8
    assert report["rows"]["tables"]["staging"]["usage_staging.stg_segment__tracks"] == 8
    assert report["rows"]["tables"]["marts"]["usage_marts.fct_usage_events"] == 18
    dbt = report["dbt"]
    assert dbt["command"] == "build"
    manifest = json.loads((tmp / "dbt_target" / "runs" / first_run.run_id / "manifest.json").read_text())
    models = [node for node in manifest["nodes"].values() if node["resource_type"] == "model"]
    assert dbt["status_counts"]["model"] == {"success": len(models)}
    assert len(models) >= 92
    assert dbt["tests"]["failed"] == 0 and dbt["tests"]["errored"] == 0
    # Every data test of the build ran and passed or warned (those that need a built model aside);
    # the production build runs no unit tests.
    data_tests = [
        node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "test" and "needs_built_model" not in node["tags"]
    ]
    # 349 since the quarantine codes are one test on the quarantined rows (decision log, "Performance")
    assert len(data_tests) > 300
    assert dbt["tests"]["passed"] + dbt["tests"]["warned"] == len(data_tests)
    assert "unit_test" not in dbt["status_counts"]
    assert all(node["execution_seconds"] >= 0 for node in dbt["nodes"])
    assert report["expectations"]["success"] is True
    assert report["expectations"]["failures"] == []
    assert report["comparison"] is None
    assert (tmp / "run_reports" / f"{FIRST_RUN.isoformat()}.md").read_text().startswith("# Run 2026-10-03: succeeded")


def test_second_report_compares_with_the_first(tmp: Path, second_run: ExecuteInProcessResult) -> None:
    assert not second_run.success  # the default tolerances fail on the fixture's faults
    report = _report(tmp, SECOND_RUN)
    assert report["status"] == "failed"
    assert report["dbt"] is None  # dbt did not run in this run
    assert report["landed"] == {"raw_segment.tracks": 2}
    comparison = report["comparison"]
    assert comparison["previous_run_date"] == FIRST_RUN.isoformat()
    assert comparison["previous_status"] == "succeeded"
    assert comparison["row_deltas"] == {"raw": {"raw_segment.tracks": 2}}
    assert comparison["layer_total_deltas"] == {"raw": 2, "staging": 0, "intermediate": 0, "marts": 0, "audit": 0}
    # The default tolerances fail on the fixture's faults, and the row accounting no longer
    # matches the raw table: two rows landed that no dbt build has seen.
    assert comparison["new_failures"] == [
        "expectation: marts: usage_audit.fct_source_row_accounting: "
        "expect_column_pair_values_to_be_equal(raw_row_count, measured_raw_row_count)",
        "expectation: raw: raw_segment.tracks: expect_column_values_to_not_be_null(id)",
        "expectation: staging: usage_staging.stg_server_logs__log_events: expect_table_row_count_to_be_between()",
    ]
    assert comparison["resolved_failures"] == []
    markdown = (tmp / "run_reports" / f"{SECOND_RUN.isoformat()}.md").read_text()
    assert "- raw: +2 rows" in markdown and "new failure: expectation: raw" in markdown


def _backfill(tmp: Path, first: str, last: str) -> tuple[ExecuteInProcessResult, dict[str, Any]]:
    definitions = build_definitions(_settings(tmp, ExtraBatchLanding(), {}))
    result = definitions.resolve_job_def(BACKFILL_JOB).execute_in_process(
        tags={"dagster/asset_partition_range_start": first, "dagster/asset_partition_range_end": last},
        raise_on_error=False,
    )
    run_results = json.loads((tmp / "dbt_target" / "runs" / result.run_id / "run_results.json").read_text())
    return result, run_results


def test_backfill_recomputes_the_partition_range(tmp: Path, second_run: ExecuteInProcessResult) -> None:
    db = tmp / "warehouse.duckdb"
    daily_sql = "select usage_date, max(last_event_at) from usage_marts.fct_account_daily_usage group by 1 order by 1"
    correct = dict(query(db, daily_sql))
    # 2026-09-30: automation rule ar1, created that afternoon (an app-database record as an event).
    assert sorted(day.isoformat() for day in correct) == ["2026-09-30", "2026-10-01", "2026-10-02", "2026-10-03"]
    with duckdb.connect(str(db)) as con:  # a defect of the past, on every day (one no dbt test looks at)
        con.execute("update usage_marts.fct_account_daily_usage set last_event_at = last_event_at + interval 1 day")

    # Any incremental run recomputes 10-01 .. 10-03: they have events loaded within the 24-hour
    # lookback of the newest load (10-03 11:10). 09-30 (loaded 09-30 17:00) only a backfill recomputes.
    result, run_results = _backfill(tmp, "2026-10-01", "2026-10-01")
    assert result.success
    assert run_results["args"]["vars"] == {"backfill_start_date": "2026-10-01", "backfill_end_date": "2026-10-01"}
    built = sorted(r["unique_id"] for r in run_results["results"] if r["unique_id"].startswith("model."))
    assert built == [
        "model.usage_warehouse.fct_account_daily_module_usage",
        "model.usage_warehouse.fct_account_daily_product_usage",
        "model.usage_warehouse.fct_account_daily_usage",
        "model.usage_warehouse.fct_account_engagement_daily",
        "model.usage_warehouse.fct_feature_adoption",
        "model.usage_warehouse.fct_user_daily_usage",
        "model.usage_warehouse.fct_user_lifecycle",
        "model.usage_warehouse.int_alerts__account_daily_signals",
        "model.usage_warehouse.int_engagement__user_active_days",
        "model.usage_warehouse.int_retention__activity_days",
        "model.usage_warehouse.int_retention__feature_periods",
    ]
    outside = date(2026, 9, 30)  # outside the range: still wrong
    assert dict(query(db, daily_sql)) == {**correct, outside: correct[outside] + timedelta(days=1)}

    result, run_results = _backfill(tmp, "2026-09-30", "2026-10-01")  # two partitions in one run
    assert result.success
    assert run_results["args"]["vars"] == {"backfill_start_date": "2026-09-30", "backfill_end_date": "2026-10-01"}
    assert dict(query(db, daily_sql)) == correct


def test_schedule_requests_yesterdays_run_once_a_day(tmp: Path, first_run: ExecuteInProcessResult) -> None:
    definitions = build_definitions(_settings(tmp, ExtraBatchLanding(), {}))
    Definitions.validate_loadable(definitions)  # what `dagster dev` checks when it loads the code location
    schedule = definitions.resolve_schedule_def(f"{DAILY_JOB}_schedule")
    assert (schedule.cron_schedule, schedule.execution_timezone) == ("0 6 * * *", "UTC")
    context = build_schedule_context(scheduled_execution_time=datetime(2026, 10, 21, 6, 0, tzinfo=UTC))
    [request] = schedule.evaluate_tick(context).run_requests or []
    assert request.run_key == "2026-10-20"
    assert request.tags[RUN_DATE_TAG] == "2026-10-20"
    assert definitions.resolve_job_def(DAILY_JOB).op_retry_policy == RetryPolicy(max_retries=2)


def test_the_daily_build_reuses_the_parse_kept_for_its_vars(tmp_path: Path) -> None:
    """dbt parses the whole project again when its vars differ from those of the parse it finds: each
    command starts from the parse kept for its vars, else the manifest's (no vars)."""

    class RecordingDbt:
        def cli(self, args: list[str], target_path: Path, **kwargs: Any) -> Path:
            return target_path

    warehouse = WarehouseResource(
        db_path=str(tmp_path / "warehouse.duckdb"),
        target_path=str(tmp_path / "target"),
        reports_dir=str(tmp_path),
        expectations_docs_dir=str(tmp_path),
    )
    (tmp_path / "target").mkdir()
    (tmp_path / "target" / "partial_parse.msgpack").write_bytes(b"manifest parse")
    dbt = cast(Any, RecordingDbt())
    daily, weekly = list(INCREMENTAL_BUILD), list(PRODUCTION_BUILD)

    def started(args: list[str], run_id: str) -> bytes:
        run_target: Path = warehouse.start_dbt(dbt, args, run_id)
        return (run_target / "partial_parse.msgpack").read_bytes()

    assert started(daily, "run_1") == b"manifest parse"
    # dbt parsed again with the daily vars and wrote its parse into the run's target path.
    (warehouse.run_dir("run_1") / "partial_parse.msgpack").write_bytes(b"daily parse")
    warehouse.keep_parse(daily, "run_1")
    assert started(daily, "run_2") == b"daily parse"
    assert started(weekly, "run_3") == b"manifest parse"
    assert warehouse.kept_parse(daily) != warehouse.kept_parse(weekly)
