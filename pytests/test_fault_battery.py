"""The fault battery: each fault of the data-quality issue injected into raw data, with exact
pass criteria (docs/faults.md lists every fault and what the project does with it).

Every case starts from the CLEAN baseline of pytests/fixture_faults.py plus one injected
fault, built into its own warehouse file, so "the facts equal the clean baseline" is a
comparison of whole mart tables (digests of their ordered rows) between two builds.
To stay fast, each build runs only the models the facts need (CORE) on a copy of a
template warehouse that already holds the seeds.

1. duplicates  2. late events  3. clock skew  4. malformed input  5. schema drift
6. idempotency  7. privacy erasure  8. bad configuration
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

import fixture_faults as ff
from fixture_data import load_fixture
from usage_warehouse.dbt import PROJECT_DIR, dbt_executable, run_dbt
from usage_warehouse.raw_schema import RAW_TABLES, create_raw_tables
from usage_warehouse.warehouse import INCREMENTAL_UPSTREAM_TABLES, MART_TABLES, query, table_rows

DBT_VARS = {"as_of_date": ff.AS_OF_DATE}
DBT_ENV = {"USAGE_WAREHOUSE_TARGET": "duckdb", "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}

# The models the facts need: staging, core and usage marts, the audit models.
CORE_SELECT = [
    "+int_metrics__account_daily",
    "+int_metrics__account_user_daily",
    "+int_funnels__step_events",
    "+int_alerts__account_daily_operations",
    "+int_engagement__user_active_days",
    "+int_retention__feature_periods",
    "+fct_account_daily_usage",
    "+fct_account_daily_module_usage",
    "+fct_account_daily_product_usage",
    "+fct_user_daily_usage",
    "+dim_users",
    "+dim_accounts",
    "+dim_features",
    "+fct_unmapped_events",
    "+fct_source_row_accounting",
    "+fct_quarantined_rows",
    "+fct_audit_checks",
]

FACT_TABLES = [
    "usage_marts.fct_usage_events",
    "usage_marts.fct_account_daily_usage",
    "usage_marts.fct_account_daily_module_usage",
    "usage_marts.fct_account_daily_product_usage",
    "usage_marts.fct_user_daily_usage",
    "usage_marts.dim_users",
    "usage_marts.dim_accounts",
    "usage_marts.dim_features",
]
# Whole state of an incremental build: facts, incremental staging and intermediate tables, audit tables.
STATE_TABLES = [
    *FACT_TABLES,
    *INCREMENTAL_UPSTREAM_TABLES,
    "usage_audit.fct_quarantined_rows",
    "usage_audit.fct_source_row_accounting",
    "usage_audit.fct_unprocessed_raw_rows",
]


# The marts built and scanned by the privacy cases: every mart and audit model of the project.
PRIVACY_SCANNED_MARTS = [table.split(".", 1)[1] for table in MART_TABLES]

# --- helpers ------------------------------------------------------------------------------


def dbt(
    args: list[str],
    db_path: Path,
    target: Path,
    project_dir: Path = PROJECT_DIR,
    dbt_vars: dict[str, Any] | None = None,
) -> str:
    with active(db_path) as path:
        all_vars = DBT_VARS | (dbt_vars or {})
        return run_dbt(args, db_path=path, target_path=target, dbt_vars=all_vars, project_dir=project_dir)


@contextmanager
def active(db_path: Path) -> Iterator[Path]:
    """dbt runs on one fixed file name (the case's file is moved there and back): the
    warehouse path is part of the profile, and an unchanged profile lets dbt parse the
    project partially instead of from scratch on every command."""
    path = db_path.parent / "active.duckdb"
    for suffix in ("", ".wal"):
        if Path(f"{db_path}{suffix}").exists():
            shutil.move(f"{db_path}{suffix}", f"{path}{suffix}")
    try:
        yield path
    finally:
        for suffix in ("", ".wal"):
            if Path(f"{path}{suffix}").exists():
                shutil.move(f"{path}{suffix}", f"{db_path}{suffix}")


def dbt_run(db_path: Path, target: Path, *extra: str, dbt_vars: dict[str, Any] | None = None) -> str:
    return dbt(["run", "--select", *CORE_SELECT, *extra], db_path, target, dbt_vars=dbt_vars)


def dbt_failing(args: list[str], db_path: Path, target: Path, project_dir: Path = PROJECT_DIR) -> str:
    """Run a dbt command that must FAIL; returns its whole output (run_dbt's error keeps only
    the lines that name failures, not the messages under them)."""
    cmd = [dbt_executable(), *args, "--project-dir", str(project_dir), "--profiles-dir", str(project_dir)]
    cmd += ["--vars", json.dumps(DBT_VARS), "--target-path", str(target)]
    with active(db_path) as path:
        env = {**os.environ, **DBT_ENV, "USAGE_WAREHOUSE_DUCKDB_PATH": str(path)}
        done = subprocess.run(cmd, cwd=project_dir, env=env, capture_output=True, text=True, check=False)
    assert done.returncode != 0, f"`dbt {' '.join(args)}` succeeded but must fail:\n{done.stdout[-2000:]}"
    return done.stdout + done.stderr


def compiled_audit_sql(target: Path, model: str) -> str:
    """The last compiled SQL of an audit model."""
    return (target / "compiled" / "usage_warehouse" / "models" / "audit" / f"{model}.sql").read_text()


def digest(db_path: Path, table: str) -> str:
    rows = table_rows(db_path, table)
    return hashlib.md5(repr(rows).encode()).hexdigest()


def digests(db_path: Path, tables: list[str]) -> dict[str, str]:
    return {table: digest(db_path, table) for table in tables}


def differing(a: Path, b: Path, tables: list[str]) -> list[str]:
    return [table for table in tables if digest(a, table) != digest(b, table)]


def log_line_id(log_file: str | None, line_number: int | None) -> str:
    """The warehouse's key of a log line: md5('<file>:<line>'), blanks for nulls."""
    text = f"{log_file or ''}:{'' if line_number is None else line_number}"
    return hashlib.md5(text.encode()).hexdigest()


def pii_hash(value: str) -> str:
    """hash_pii: md5(salt || lower(trim(value)))."""
    return hashlib.md5((ff.PII_SALT + value.strip().lower()).encode()).hexdigest()


def accounting(db_path: Path) -> dict[str, tuple[int, int, int, int, bool]]:
    rows = query(
        db_path,
        "select source_table, raw_row_count, kept_row_count, duplicate_row_count, quarantined_row_count,"
        " is_balanced from usage_audit.fct_source_row_accounting",
    )
    return {row[0]: tuple(row[1:]) for row in rows}  # type: ignore[misc]


def load_days(db_path: Path, source_table: str) -> list[tuple[Any, ...]]:
    """fct_load_day_accounting for one raw table: (load_date, raw, kept, duplicates,
    quarantined, is_balanced) per load day."""
    return query(
        db_path,
        "select load_date, raw_row_count, kept_row_count, duplicate_row_count, quarantined_row_count, is_balanced"
        f" from usage_audit.fct_load_day_accounting where source_table = '{source_table}' order by load_date",
    )


def recounted_days(db_path: Path) -> list[tuple[str, date]]:
    """The (table, load day) pairs that the latest run of fct_load_day_accounting recounted."""
    return query(
        db_path,
        "select source_table, load_date from usage_audit.fct_load_day_accounting"
        " where audited_at = (select max(audited_at) from usage_audit.fct_load_day_accounting) order by all",
    )


def string_columns(db_path: Path, schemas: tuple[str, ...]) -> list[tuple[str, str]]:
    names = ", ".join(f"'{s}'" for s in schemas)
    return [
        (f"{schema}.{table}", column)
        for schema, table, column in query(
            db_path,
            "select table_schema, table_name, column_name from information_schema.columns"
            f" where table_schema in ({names}) and data_type = 'VARCHAR' order by all",
        )
    ]


def landed(db_path: Path, data: ff.Dataset, after: datetime | None = None, until: datetime | None = None) -> None:
    inserted = load_fixture(str(db_path), dataset=data, loaded_after=after, loaded_until=until)
    assert sum(inserted.values()) > 0, f"nothing loaded in ({after}, {until}]"


# --- shared builds ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("faults")


@pytest.fixture(scope="module")
def target(work: Path) -> Path:
    return work / "target"


@pytest.fixture(scope="module")
def template(work: Path, target: Path) -> Path:
    """Empty raw tables and the seeds: every case starts from a copy of this file."""
    db_path = work / "template.duckdb"
    with duckdb.connect(str(db_path)) as con:
        create_raw_tables(con)
    dbt(["seed"], db_path, target)
    return db_path


@pytest.fixture(scope="module")
def new_db(work: Path, template: Path) -> Iterator[Any]:
    def make(name: str, data: ff.Dataset | None = None) -> Path:
        db_path = work / f"{name}.duckdb"
        shutil.copy(template, db_path)
        if data is not None:
            landed(db_path, data)
        return db_path

    yield make


@pytest.fixture(scope="module")
def clean(new_db: Any, target: Path) -> Path:
    """The clean baseline, built in full."""
    db_path = new_db("baseline", ff.baseline())
    dbt_run(db_path, target)
    return db_path


def test_0_baseline_is_clean(clean: Path) -> None:
    # Guards every "equals the baseline" below: the baseline has facts, and no duplicate,
    # quarantined or unprocessed row.
    rows = query(clean, "select source, count(*) from usage_marts.fct_usage_events group by all order by all")
    # tracks t1..t7, pages p1 p2, log lines worker:1 api:1 api:2, app records r1 d1 inv1 ar1 s1 (d2 failed: no event)
    assert rows == [("app_db", 5), ("segment_page", 2), ("segment_track", 7), ("server_log", 3)]
    assert all(dup == 0 and quarantined == 0 and ok for _, _, dup, quarantined, ok in accounting(clean).values())
    assert query(clean, "select count(*) from usage_audit.fct_unprocessed_raw_rows") == [(0,)]
    assert query(clean, "select count(*) from usage_audit.fct_unmapped_events") == [(0,)]


# --- 1. duplicates ------------------------------------------------------------------------


def test_1_duplicates_leave_facts_equal_to_baseline(new_db: Any, clean: Path, target: Path) -> None:
    db_path = new_db("duplicates", ff.duplicates())
    dbt_run(db_path, target)

    assert differing(db_path, clean, FACT_TABLES) == []
    # The kept copy is the earliest received: t1, t2, t3 keep the baseline receive time and
    # payload; t4's re-delivery was loaded first but received 2 s later, so it is not kept.
    kept_sql = (
        "select source_record_id, received_at, properties, loaded_at from usage_marts.fct_usage_events"
        " where source_record_id in ('t1', 't2', 't3', 't4') order by 1"
    )
    assert query(db_path, kept_sql) == query(clean, kept_sql)
    assert query(db_path, kept_sql)[3][1:3] == (datetime(2026, 10, 2, 12, 0, 1), '{"query_length": 7}')
    counts = accounting(db_path)
    # tracks: 7 + 4 re-deliveries = 11 raw = 7 kept + 4 duplicates; a log line shipped twice;
    # an older version of acc_B.
    assert counts["segment.tracks"] == (11, 7, 4, 0, True)
    assert counts["server_logs.log_lines"] == (4, 3, 1, 0, True)
    assert counts["app_db.accounts"] == (3, 2, 1, 0, True)
    # Per load day: a copy is a duplicate on the day it was loaded, wherever its kept copy is.
    # 10-01: t1-t3 kept, t1 again 30 s later, t2 with another payload; 10-02: t4, t5 kept, t4's
    # copy loaded first; 10-03: t6, t7 kept, t3 again two days later (kept on 10-01).
    assert load_days(db_path, "segment.tracks") == [
        (date(2026, 10, 1), 5, 3, 2, 0, True),
        (date(2026, 10, 2), 3, 2, 1, 0, True),
        (date(2026, 10, 3), 3, 2, 1, 0, True),
    ]
    # acc_B's older version, loaded 09-16, is a duplicate of the version kept on 10-03.
    assert load_days(db_path, "app_db.accounts") == [
        (date(2026, 9, 16), 1, 0, 1, 0, True),
        (date(2026, 10, 3), 2, 2, 0, 0, True),
    ]


@pytest.mark.parametrize("horizon_days", [30, 1])
def test_1_duplicates_loaded_day_by_day(new_db: Any, target: Path, horizon_days: int) -> None:
    """The duplicates, landed and built one load day at a time. The audit looks up the kept
    row of a day's copies only among the staged rows loaded from var upsert_horizon_days before
    the day on. With the default 30 days every copy is found, as in a full build. t3's copy
    lands two days after the kept row: with a horizon of 1 day, the staging model still finds
    it (its own lookup starts from the load watermark, a day earlier), but the audit reports
    the copy, on a day that no longer balances and as a row missing from staging (and so the
    log line shipped again two days later): the copies landed further apart than the horizon
    the project was told to expect."""
    data = ff.duplicates()
    horizon = {"upsert_horizon_days": horizon_days}
    full = new_db(f"duplicates_full_{horizon_days}", data)
    dbt_run(full, target, dbt_vars=horizon)
    db_path = new_db(f"duplicates_by_day_{horizon_days}")
    previous = None
    for cut in [datetime(2026, 10, 2), datetime(2026, 10, 3), None]:
        landed(db_path, data, after=previous, until=cut)
        dbt_run(db_path, target, dbt_vars=horizon)
        previous = cut
    cutoff = (date(2026, 10, 3) - timedelta(days=horizon_days)).isoformat()
    for model in ("fct_load_day_accounting", "fct_unprocessed_raw_rows"):
        assert f"loaded_at >= cast('{cutoff}' as timestamp)" in compiled_audit_sql(target, model), model
    assert differing(db_path, full, FACT_TABLES) == []
    unprocessed = "select source_table, source_record_id, missing_from from usage_audit.fct_unprocessed_raw_rows"
    if horizon_days == 30:
        assert differing(db_path, full, [*STATE_TABLES, "usage_audit.fct_load_day_accounting"]) == []
        assert load_days(db_path, "segment.tracks")[-1] == (date(2026, 10, 3), 3, 2, 1, 0, True)
    else:
        assert load_days(db_path, "segment.tracks")[-1] == (date(2026, 10, 3), 3, 2, 0, 0, False)
        # the log file shipped again on 10-03 is two days apart from its first shipment too
        assert sorted(query(db_path, unprocessed)) == [
            ("segment.tracks", "t3", "stg_segment__tracks"),
            ("server_logs.log_lines", log_line_id("worker/2026-10-01.log", 1), "stg_server_logs__log_events"),
        ]


# --- 2. late events -----------------------------------------------------------------------


def test_2_late_events_land_on_their_day_or_are_counted(new_db: Any, target: Path) -> None:
    data = ff.baseline()
    db_path = new_db("late")
    landed(db_path, data, until=ff.LATE_FIRST_CUT)
    dbt_run(db_path, target)
    # Within the lookback: late_1 (event 10-01 15:00, loaded 10-03 05:50, i.e. committed after the
    # run that saw loads up to 06:30) lands with the rest of the data on the next run.
    landed(db_path, data, after=ff.LATE_FIRST_CUT)
    landed(db_path, {"raw_segment.tracks": [ff.LATE_WITHIN_LOOKBACK]})
    dbt_run(db_path, target)

    # received 10-03 05:50:01 - (sent - original = 38 h 50 min) = 10-01 15:00:01, its true day
    assert query(
        db_path, "select event_at, event_date from usage_marts.fct_usage_events where source_record_id = 'late_1'"
    ) == [(datetime(2026, 10, 1, 15, 0, 1), date(2026, 10, 1))]
    # acc_A dashboards on 10-01: t1 (usr_1) in the baseline, + late_1 (usr_2) = 2 events, 2 users
    assert query(
        db_path,
        "select event_count, user_count from usage_marts.fct_account_daily_usage"
        " where account_id = 'acc_A' and usage_date = '2026-10-01' and feature = 'dashboards'",
    ) == [(2, 2)]

    # Beyond the lookback: late_2 lands with load time 10-01 18:10, more than 24 h before the
    # newest tracks load already processed (10-03 11:10). late_3 was held offline 40 days.
    landed(db_path, {"raw_segment.tracks": [ff.LATE_BEYOND_LOOKBACK, ff.LATE_BEYOND_HORIZON]})
    dbt_run(db_path, target)
    assert query(db_path, "select count(*) from usage_marts.fct_usage_events where source_record_id = 'late_2'") == [
        (0,)
    ]
    assert query(
        db_path, "select source_table, source_record_id, missing_from from usage_audit.fct_unprocessed_raw_rows"
    ) == [("segment.tracks", "late_2", "stg_segment__tracks")]
    # raw 10 (7 + late_1..3); kept 8; late_3 quarantined; 8 + 0 + 1 = 9 <> 10: not balanced
    assert accounting(db_path)["segment.tracks"] == (10, 8, 0, 1, False)
    assert query(
        db_path, "select quarantine_reason from usage_audit.fct_quarantined_rows where source_record_id = 'late_3'"
    ) == [("late_beyond_horizon",)]
    # The run recounted the two days whose raw counts changed: late_2 (loaded 10-01 18:10) is
    # in no staging row, so 10-01 does not balance; late_3 (loaded 10-03 10:10) is quarantined.
    assert recounted_days(db_path) == [("segment.tracks", date(2026, 10, 1)), ("segment.tracks", date(2026, 10, 3))]
    assert load_days(db_path, "segment.tracks") == [
        (date(2026, 10, 1), 4, 3, 0, 0, False),
        (date(2026, 10, 2), 2, 2, 0, 0, True),
        (date(2026, 10, 3), 4, 3, 0, 1, True),
    ]
    output = dbt_failing(
        ["test", "--select", "fct_unprocessed_raw_rows", "fct_source_row_accounting", "fct_load_day_accounting"],
        db_path,
        target,
    )
    assert "fct_unprocessed_raw_rows_is_empty" in output
    assert "accepted_values_fct_source_row_accounting_is_balanced__False__True" in output
    assert "accepted_values_fct_load_day_accounting_is_balanced__False__True" in output
    # A run with no new data recounts no day, and still lists the row until a rebuild takes it.
    before = query(db_path, "select max(audited_at) from usage_audit.fct_load_day_accounting")
    dbt_run(db_path, target)
    assert query(db_path, "select max(audited_at) from usage_audit.fct_load_day_accounting") == before
    assert query(db_path, "select source_record_id from usage_audit.fct_unprocessed_raw_rows") == [("late_2",)]

    # A full refresh picks it up on its true day, and the audit is empty again.
    dbt_run(db_path, target, "--full-refresh")
    assert query(db_path, "select event_date from usage_marts.fct_usage_events where source_record_id = 'late_2'") == [
        (date(2026, 10, 1),)
    ]
    assert query(db_path, "select count(*) from usage_audit.fct_unprocessed_raw_rows") == [(0,)]
    assert accounting(db_path)["segment.tracks"] == (10, 9, 0, 1, True)
    assert load_days(db_path, "segment.tracks")[0] == (date(2026, 10, 1), 4, 4, 0, 0, True)


def test_2_events_are_rechecked_on_the_load_days_of_their_own_tables(new_db: Any, target: Path) -> None:
    """fct_unprocessed_raw_rows rechecks the usage events on the load days recounted for the
    raw tables whose rows are events (is_event_source), not on those of any table: a newer
    version of a user recounts the users table's days, and no event is read again."""
    data = ff.baseline()
    db_path = new_db("event_days", data)
    dbt_run(db_path, target)
    alice = next(row for row in data["raw_app.users"] if row["id"] == "usr_1")
    renamed = {
        **alice,
        "full_name": "Alice B.",
        "updated_at": datetime(2026, 10, 5, 12, 0),
        "_loaded_at": datetime(2026, 10, 6, 7, 0),
    }
    landed(db_path, {"raw_app.users": [renamed]})
    dbt_run(db_path, target)
    # Alice's earlier version (loaded 10-03) is now a duplicate: both days are recounted.
    assert recounted_days(db_path) == [("app_db.users", date(2026, 10, 3)), ("app_db.users", date(2026, 10, 6))]
    assert staged_events_condition(target) == "1 = 0"

    # A track committed late, loaded 10-03 05:50: the tracks' day 10-03 is recounted, and the
    # events loaded that day are read again.
    landed(db_path, {"raw_segment.tracks": [ff.LATE_WITHIN_LOOKBACK]})
    dbt_run(db_path, target)
    assert recounted_days(db_path) == [("segment.tracks", date(2026, 10, 3))]
    condition = staged_events_condition(target)
    assert "2026-10-03" in condition and "2026-10-06" not in condition
    assert query(db_path, "select count(*) from usage_audit.fct_unprocessed_raw_rows") == [(0,)]


def test_2_the_audit_rechecks_the_days_counted_since_its_last_check(new_db: Any, target: Path) -> None:
    """fct_unprocessed_raw_rows rechecks row by row the load days that fct_load_day_accounting
    recounted after the check recorded in fct_audit_checks: nothing after a build with no new
    data (the full build's days were checked by the full build), and the days of a build that
    stopped between the recount and the check."""
    db_path = new_db("recheck", ff.baseline())
    dbt_run(db_path, target)
    assert query(db_path, "select count(*) from usage_audit.fct_audit_checks") == [(1,)]
    dbt_run(db_path, target)
    assert staged_events_condition(target) == "1 = 0"
    assert "loaded_at >=" not in compiled_audit_sql(target, "fct_unprocessed_raw_rows")

    # A late track lands; a build recounts its day and stops before the check.
    landed(db_path, {"raw_segment.tracks": [ff.LATE_WITHIN_LOOKBACK]})
    dbt(["run", "--select", "+fct_load_day_accounting"], db_path, target)
    assert recounted_days(db_path) == [("segment.tracks", date(2026, 10, 3))]
    checked_through = "select max(checked_through_audited_at) from usage_audit.fct_audit_checks"
    assert query(db_path, checked_through) < query(
        db_path, "select max(audited_at) from usage_audit.fct_load_day_accounting"
    )
    # The record built alone, without the check, records nothing.
    dbt(["run", "--select", "fct_audit_checks"], db_path, target)
    assert query(db_path, "select count(*) from usage_audit.fct_audit_checks") == [(2,)]
    # The next build recounts nothing new, and still rechecks that day.
    dbt_run(db_path, target)
    condition = staged_events_condition(target)
    assert "2026-10-03" in condition and "2026-10-02" not in condition
    assert query(db_path, "select count(*) from usage_audit.fct_unprocessed_raw_rows") == [(0,)]
    assert query(db_path, checked_through) == query(
        db_path, "select max(audited_at) from usage_audit.fct_load_day_accounting"
    )
    # Checked: the build after it rechecks nothing.
    dbt_run(db_path, target)
    assert staged_events_condition(target) == "1 = 0"
    # Four builds completed the check; the one that stopped did not add a row.
    assert query(db_path, "select count(*), sum(unprocessed_row_count) from usage_audit.fct_audit_checks") == [(4, 0)]


def staged_events_condition(target: Path) -> str:
    """The load-day condition on the staged events in the last compiled fct_unprocessed_raw_rows."""
    sql = compiled_audit_sql(target, "fct_unprocessed_raw_rows")
    match = re.search(r"int_usage_events__unioned\"\n\s+where (.+)\n", sql)
    assert match, "no condition on the staged events in the compiled fct_unprocessed_raw_rows"
    return match.group(1).strip()


# --- 3. clock skew ------------------------------------------------------------------------


def test_3_clock_skew_corrected_and_impossible_times_flagged(new_db: Any, clean: Path, target: Path) -> None:
    data, expected = ff.clock_skew()
    db_path = new_db("skew", data)
    dbt_run(db_path, target)
    rows = query(
        db_path,
        "select source_record_id, event_at, event_date, is_event_time_adjusted from usage_marts.fct_usage_events"
        " where source_record_id like 'skew_%'",
    )
    got = {record: (at, day, flagged) for record, at, day, flagged in rows}
    want = {
        record: (datetime.fromisoformat(at), datetime.fromisoformat(at).date(), flagged)
        for record, (at, flagged) in expected.items()
    }
    assert got == want
    # skew_hours: device said 10-02 01:30, the true day is 10-01
    assert got["skew_hours"][1] == date(2026, 10, 1)
    # The baseline events are untouched.
    baseline_sql = "select * from usage_marts.fct_usage_events where source_record_id not like 'skew_%' order by all"
    assert query(db_path, baseline_sql) == query(clean, baseline_sql)


# --- 4. malformed input -------------------------------------------------------------------


def test_4_malformed_rows_quarantined_with_reason_codes(new_db: Any, clean: Path, target: Path) -> None:
    db_path = new_db("malformed", ff.malformed())
    dbt_run(db_path, target)

    expected = []
    for table, row, reason, _kind in ff.MALFORMED:
        source_table = table.replace("raw_segment.", "segment.").replace("raw_app.", "app_db.")
        source_table = source_table.replace("raw_server_logs.", "server_logs.")
        if source_table == "server_logs.log_lines":
            record_id: str | None = log_line_id(row["log_file"], row["line_number"])
        else:
            record_id = (row["id"] or "").strip() or None
        expected.append((source_table, record_id, reason))
    got = query(
        db_path, "select source_table, source_record_id, quarantine_reason from usage_audit.fct_quarantined_rows"
    )
    assert sorted(got, key=repr) == sorted(expected, key=repr)
    assert len({kind for *_, kind in ff.MALFORMED}) >= 10

    # raw = kept + duplicates + quarantined, per source table, exactly
    counts = accounting(db_path)
    assert counts["segment.tracks"] == (17, 7, 0, 10, True)  # 7 good + 10 bad
    assert counts["segment.groups"] == (2, 1, 0, 1, True)
    assert counts["segment.identifies"] == (3, 2, 0, 1, True)
    assert counts["server_logs.log_lines"] == (16, 3, 0, 13, True)
    assert counts["app_db.reports"] == (4, 1, 0, 3, True)
    assert counts["app_db.users"] == (4, 3, 0, 1, True)
    assert all(balanced for *_, balanced in counts.values())
    # No bad row reaches a fact, and no row is unaccounted for.
    assert differing(db_path, clean, FACT_TABLES) == []
    assert query(db_path, "select count(*) from usage_audit.fct_unprocessed_raw_rows") == [(0,)]
    # Invalid UTF-8 itself cannot be stored as text: the warehouse rejects it (bytes landed
    # as-is become escaped text, `\\xE9`, and are quarantined as invalid_json above).
    with pytest.raises(duckdb.InvalidInputException), duckdb.connect(":memory:") as con:
        con.execute("select ?", [ff.INVALID_UTF8_BYTES.decode("utf-8", errors="surrogateescape")]).fetchall()


def test_4_rows_without_load_time_pass_the_audit_tests(work: Path, target: Path) -> None:
    db_path = work / "malformed.duckdb"  # built by the test above
    dbt(["test", "--select", "fct_quarantined_rows"], db_path, target)


def test_4_reason_codes_are_checked_per_raw_table(work: Path, target: Path) -> None:
    """The quarantine codes are tested on the quarantined rows, per raw table: a server-log code
    on a Segment track and a row of an unknown table fail the test (2 rows); the table as the
    malformed batch built it passes (the test above)."""
    broken = work / "malformed_codes.duckdb"
    shutil.copy(work / "malformed.duckdb", broken)
    with duckdb.connect(str(broken)) as con:
        con.execute(
            "update usage_audit.fct_quarantined_rows set quarantine_reason = 'invalid_number' where quarantine_id = "
            "(select min(quarantine_id) from usage_audit.fct_quarantined_rows where source_table = 'segment.tracks')"
        )
        con.execute(
            "update usage_audit.fct_quarantined_rows set source_table = 'segment.screens' where quarantine_id = "
            "(select min(quarantine_id) from usage_audit.fct_quarantined_rows where source_table = 'app_db.users')"
        )
    output = dbt_failing(
        ["test", "--select", "fct_quarantined_rows,test_name:accepted_values_by_group"], broken, target
    )
    assert re.search(r"accepted_values_by_group_fct_q\S*.*\n.*Got 2 results", output), output[-2000:]


def test_4_unknown_events_and_orphan_ids_are_kept_and_listed(new_db: Any, target: Path) -> None:
    db_path = new_db("orphans", ff.unknown_and_orphans())
    dbt_run(db_path, target)
    assert query(
        db_path,
        "select source_record_id, user_id, account_id, feature, is_mapped from usage_marts.fct_usage_events"
        " where source_record_id in ('unknown_1', 'orphan_u') or account_id = 'acc_ZZZ' order by 1",
    ) == [
        (log_line_id("api/2026-10-02.log", 3), None, "acc_ZZZ", "api_access", True),
        ("orphan_u", "usr_ghost", None, "dashboards", True),
        ("unknown_1", "usr_2", "acc_A", "unmapped", False),
    ]
    assert query(db_path, "select source, event_name, event_count from usage_audit.fct_unmapped_events") == [
        ("segment_track", "Hologram Summoned", 1)
    ]
    # The unknown user is a user seen only in Segment; the unknown account has usage rows
    # (the relationships test to dim_accounts warns) but no dim_accounts row.
    assert query(
        db_path, "select account_id, is_in_app_database from usage_marts.dim_users where user_id = 'usr_ghost'"
    ) == [(None, False)]
    assert query(
        db_path,
        "select usage_date, feature, event_count from usage_marts.fct_account_daily_usage where account_id = 'acc_ZZZ'",
    ) == [(date(2026, 10, 2), "api_access", 1)]
    assert query(db_path, "select count(*) from usage_marts.dim_accounts where account_id = 'acc_ZZZ'") == [(0,)]


def test_4_empty_tables_build_empty_marts(new_db: Any, target: Path) -> None:
    db_path = new_db("empty")
    dbt_run(db_path, target)
    assert query(db_path, "select count(*) from usage_marts.fct_usage_events") == [(0,)]
    assert query(db_path, "select count(*) from usage_marts.fct_account_daily_usage") == [(0,)]
    counts = accounting(db_path)
    assert len(counts) == len(RAW_TABLES)
    assert set(counts.values()) == {(0, 0, 0, 0, True)}


# --- 5. schema drift ----------------------------------------------------------------------


def test_5_new_raw_columns_change_nothing(work: Path, clean: Path, target: Path) -> None:
    db_path = work / "drift_extra.duckdb"
    shutil.copy(clean, db_path)
    with duckdb.connect(str(db_path)) as con:
        con.execute("alter table raw_segment.tracks add column context_locale varchar default 'de-DE'")
        con.execute("alter table raw_server_logs.log_lines add column host varchar default 'web-1'")
        con.execute("alter table raw_app.users add column favourite_colour varchar default 'teal'")
    dbt_run(db_path, target, "--full-refresh")
    assert differing(db_path, clean, STATE_TABLES) == []


def test_5_dropped_or_retyped_columns_fail_naming_the_column(new_db: Any, target: Path) -> None:
    db_path = new_db("drift_broken", ff.baseline())
    with duckdb.connect(str(db_path)) as con:
        con.execute("alter table raw_segment.tracks drop column event")
        # timestamps landing as text, a bigint landing as text
        con.execute("alter table raw_segment.pages alter uuid_ts type varchar")
        con.execute("alter table raw_server_logs.log_lines alter line_number type varchar")
    output = dbt_failing(["run", "--select", *CORE_SELECT], db_path, target)
    assert "segment.tracks.event is missing (expected text)" in output
    assert re.search(
        r"segment\.pages\.uuid_ts has type [^ ]*(varchar|character varying)[^ ]* \(expected timestamp\)", output, re.I
    )
    assert re.search(
        r"server_logs\.log_lines\.line_number has type [^ ]*(varchar|character varying)[^ ]* \(expected integer\)",
        output,
        re.I,
    )
    # the drift stops the build before any fact is written
    assert query(db_path, "select count(*) from information_schema.tables where table_name = 'fct_usage_events'") == [
        (0,)
    ]


def test_5_dbt_contract_matches_raw_schema() -> None:
    """macros/quarantine.sql raw_landing_contract() lists exactly the columns of raw_schema.py."""
    text = (PROJECT_DIR / "macros" / "quarantine.sql").read_text()
    start = text.index("macro raw_landing_contract")
    body = text[start : text.index("endmacro", start)]
    column = r"\('(\w+)', '(\w+)'\)"
    segment_common = re.findall(column, body[: body.index("return(")])
    families = {
        "varchar": "text",
        "timestamp": "timestamp",
        "bigint": "integer",
        "integer": "integer",
        "boolean": "boolean",
    }
    for table in RAW_TABLES:
        source = {"raw_segment": "segment", "raw_server_logs": "server_logs", "raw_app": "app_db"}[table.schema]
        match = re.search(rf"'{source}\.{table.name}': (segment_common \+ )?\[(.*?)\]", body, re.S)
        assert match, f"{source}.{table.name} is not in raw_landing_contract()"
        listed = (segment_common if match.group(1) else []) + re.findall(column, match.group(2))
        want = [(name, families.get(sql_type, "number")) for name, sql_type in table.columns]
        assert listed == want, f"{source}.{table.name}: the contract macro differs from raw_schema.py"


# --- 6. idempotency -----------------------------------------------------------------------


def test_6_two_builds_give_identical_marts(work: Path, clean: Path, target: Path) -> None:
    db_path = work / "rebuilt.duckdb"
    shutil.copy(clean, db_path)
    dbt_run(db_path, target)  # a second, incremental build on the same data
    assert differing(db_path, clean, STATE_TABLES) == []
    dbt_run(db_path, target, "--full-refresh")  # and a second full build
    assert differing(db_path, clean, STATE_TABLES) == []


def test_6_build_killed_mid_run_then_rerun_gives_the_same(new_db: Any, clean: Path, target: Path) -> None:
    db_path = new_db("killed", ff.baseline())
    cmd = [dbt_executable(), "run", "--select", *CORE_SELECT, "--project-dir", str(PROJECT_DIR)]
    cmd += ["--profiles-dir", str(PROJECT_DIR), "--vars", json.dumps(DBT_VARS), "--target-path", str(target)]
    with active(db_path) as path:
        env = {**os.environ, **DBT_ENV, "USAGE_WAREHOUSE_DUCKDB_PATH": str(path)}
        proc = subprocess.Popen(
            cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True
        )
        assert proc.stdout is not None
        created = 0
        deadline = time.monotonic() + 120
        for line in proc.stdout:
            created += " OK created " in line
            if created >= 12 or time.monotonic() > deadline:  # mid-run: staging done, marts not yet
                break
        still_running = proc.poll() is None
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    assert still_running, "dbt finished before it could be killed"
    assert created >= 12
    dbt_run(db_path, target)
    assert differing(db_path, clean, STATE_TABLES) == []


def test_6_random_incremental_runs_equal_one_full_build(new_db: Any, clean: Path, target: Path) -> None:
    data = ff.baseline()
    load_times = sorted({row.get("uuid_ts") or row.get("_loaded_at") for rows in data.values() for row in rows})
    rng = random.Random(20261003)
    cuts = sorted(rng.sample(load_times[:-1], 3))
    db_path = new_db("random_incremental")
    previous = None
    for cut in [*cuts, None]:
        landed(db_path, data, after=previous, until=cut)
        dbt_run(db_path, target)
        previous = cut
    assert differing(db_path, clean, STATE_TABLES) == []


# --- 7. privacy erasure -------------------------------------------------------------------


@pytest.fixture(scope="module")
def erased(work: Path, clean: Path, target: Path) -> Path:
    """The baseline, then (incremental run) usr_1's erasure request by email, and an event of
    usr_1 that lands after it; every model is built so every mart can be scanned."""
    db_path = work / "erased.duckdb"
    shutil.copy(clean, db_path)
    landed(
        db_path,
        {"raw_app.privacy_erasure_requests": [ff.ERASURE_REQUEST], "raw_segment.tracks": [ff.EVENT_AFTER_ERASURE]},
    )
    dbt(["run", "--select", *(f"+{name}" for name in PRIVACY_SCANNED_MARTS)], db_path, target)
    return db_path


@pytest.fixture(scope="module")
def erased_user_hits(erased: Path) -> set[str]:
    """Tables of the marts and audit models that still hold usr_1 in any form."""
    db_path = erased
    forbidden = {
        "usr_1",  # user id
        "anon_1",  # the user's visitor id
        "alice@example.com",
        pii_hash("alice@example.com"),
        pii_hash(ff.CLIENT_IP),
        "198.51.100.23",
        pii_hash("198.51.100.23"),
    }
    found = set()
    for table, column in string_columns(db_path, ("usage_marts", "usage_audit")):
        for value in forbidden:
            hits = query(db_path, f"select count(*) from {table} where contains(lower({column}), lower('{value}'))")
            if hits[0][0]:
                found.add(table)
    return found


def test_7_no_mart_row_holds_the_erased_user(erased: Path, erased_user_hits: set[str]) -> None:
    # fct_user_daily_usage (and the marts that read it) would keep a day whose only events were
    # the user's without its post-hook delete_erased_users (macros/privacy.sql).
    assert erased_user_hits == set()
    assert query(erased, "select count(*) from usage_marts.dim_users where user_id = 'usr_1'") == [(0,)]
    assert query(erased, "select count(*) from usage_marts.fct_usage_events where user_id = 'usr_1'") == [(0,)]


def test_7_scan_of_every_mart_column_finds_no_raw_email_or_ip(erased: Path) -> None:
    email = r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}"
    ipv4 = r"(^|[^0-9.])([0-9]{1,3}\.){3}[0-9]{1,3}([^0-9.]|$)"
    columns = string_columns(erased, ("usage_marts", "usage_audit"))
    assert len(columns) > 50
    found = [
        f"{table}.{column}"
        for table, column in columns
        if query(erased, f"select count(*) from {table} where regexp_matches({column}, '{email}|{ipv4}')")[0][0]
    ]
    assert found == []


def test_7_events_anonymised_before_and_suppressed_after(erased: Path, clean: Path) -> None:
    # The call that landed after the erasure is suppressed (kept in staging only, not a fact).
    assert query(
        erased, "select count(*) from usage_marts.fct_usage_events where source_record_id = 'after_erasure'"
    ) == [(0,)]
    # usr_1's earlier events stay with acc_A, without user, visitor, properties or user agent.
    assert query(
        erased,
        "select source_record_id, user_id, anonymous_id, account_id, user_match, properties, user_agent"
        " from usage_marts.fct_usage_events where user_match = 'erased' order by 1",
    ) == [
        ("ar1", None, None, "acc_A", "erased", None, None),
        ("inv1", None, None, "acc_A", "erased", None, None),
        ("p2", None, None, "acc_A", "erased", None, None),
        ("r1", None, None, "acc_A", "erased", None, None),
        ("t1", None, None, "acc_A", "erased", None, None),
        ("t2", None, None, "acc_A", "erased", None, None),
        ("t7", None, None, "acc_A", "erased", None, None),
    ]
    # Account-level event counts and quantities are kept; distinct users lose usr_1.
    totals = (
        "select usage_date, sum(event_count), sum(quantity) from usage_marts.fct_account_daily_usage"
        " where account_id = 'acc_A' group by all order by all"
    )
    assert query(erased, totals) == query(clean, totals)
    users = (
        "select usage_date, user_count from usage_marts.fct_account_daily_product_usage"
        " where account_id = 'acc_A' and product = 'insights' order by all"
    )
    # 10-01 insights: t1, t2, p2, r1 (usr_1) and t3 (usr_2) -> 2 users, then usr_2 only;
    # 10-02: t4 (usr_2) -> 1 user either way; 10-03: t7 (usr_1) only -> 1 user, then 0
    assert query(clean, users) == [(date(2026, 10, 1), 2), (date(2026, 10, 2), 1), (date(2026, 10, 3), 1)]
    assert query(erased, users) == [(date(2026, 10, 1), 1), (date(2026, 10, 2), 1), (date(2026, 10, 3), 0)]
    # usr_1's user-day rows go with the restated days; ar1 (09-30) was the user's only event that
    # day, so that day produces no new row and only the post-hook removes the old one.
    assert query(erased, "select usage_date from usage_marts.fct_user_daily_usage where user_id = 'usr_1'") == []


@pytest.fixture(scope="module")
def erased_full(work: Path, erased: Path, target: Path) -> Path:
    db_path = work / "erased_full.duckdb"
    shutil.copy(erased, db_path)
    dbt_run(db_path, target, "--full-refresh")
    return db_path


def test_7_erasure_incrementally_equals_full_refresh(erased_full: Path, erased: Path) -> None:
    assert differing(erased_full, erased, STATE_TABLES) == []


# --- 8. bad configuration -----------------------------------------------------------------

PROJECT_PARTS = [
    "dbt_project.yml",
    "profiles.yml",
    "selectors.yml",
    "models",
    "macros",
    "seeds",
    "tests",
    "snapshots",
    "analyses",
    "docs",
]


def test_8_bad_seed_rows_fail_the_build_naming_the_row(work: Path) -> None:
    project = work / "bad_config_project"
    project.mkdir()
    for part in PROJECT_PARTS:
        source = PROJECT_DIR / part
        if source.is_dir():
            shutil.copytree(source, project / part)
        elif source.exists():
            shutil.copy(source, project / part)
    seeds = project / "seeds"
    taxonomy = (seeds / "usage_taxonomy.csv").read_text().splitlines()
    duplicated = next(line for line in taxonomy[1:] if line.startswith("segment_track,Dashboard Viewed,"))
    # A row with no module and no product: two nulls for the taxonomy's one not-null test.
    unowned = "segment_track,Unowned Event,,,unowned,,,true,false,false,,,An event no module claims"
    (seeds / "usage_taxonomy.csv").write_text("\n".join([*taxonomy, duplicated, unowned]) + "\n")
    metrics = (seeds / "metric_definitions.csv").read_text().splitlines()
    metrics.append("median_pages,Median pages,A metric with an aggregation nobody knows,all,,,,median_events,,false")
    (seeds / "metric_definitions.csv").write_text("\n".join(metrics) + "\n")
    health = (seeds / "health_score_components.csv").read_text()
    assert ",0.30,true," in health
    (seeds / "health_score_components.csv").write_text(health.replace(",0.30,true,", ",0.40,true,", 1))

    db_path = work / "bad_config.duckdb"
    output = dbt_failing(
        [
            "build",
            "--select",
            "usage_taxonomy",
            "metric_definitions",
            "health_score_components",
            "--indirect-selection",
            "cautious",
            "--store-failures",
        ],
        db_path,
        work / "bad_config_target",
        project_dir=project,
    )
    results = json.loads((work / "bad_config_target" / "run_results.json").read_text())["results"]
    failed = {r["unique_id"].split(".")[2]: r["relation_name"] for r in results if r["status"] in ("fail", "error")}

    def failing_rows(prefix: str) -> list[tuple[Any, ...]]:
        names = [name for name in failed if name.startswith(prefix)]
        assert len(names) == 1, f"expected one failing {prefix}* test, got {sorted(failed)}"
        schema_and_table = ".".join(failed[names[0]].split(".")[-2:])  # the file was "active" during the run
        return query(db_path, f"select * from {schema_and_table}")

    # The stored failing rows name the offending row.
    assert any("Dashboard Viewed" in row for row in failing_rows("unique_combination_usage_taxonomy"))
    assert any("median_events" in row for row in failing_rows("accepted_values_metric_definitions_aggregation"))
    weights = failing_rows("weights_sum_to_one_health_score_components")
    # one row per enabled component, each with the total: 0.40 + 0.20 * 3 + 0.10 = 1.10
    assert len(weights) == 5
    assert all("enabled weights sum to 1.1" in row[-1] for row in weights), weights
    # One row per column with nulls, with their number.
    assert sorted(failing_rows("not_null_columns_usage_taxonomy")) == [("module", 1), ("product", 1)]
    assert len(failed) == 4, sorted(failed)
    # and the build's own output names each failing test; the not-null test counts null values
    assert re.search(r"Failure in test not_null_columns_usage_taxonomy\S*.*\n.*Got 2 results", output), output
    for prefix in ["unique_combination_usage_taxonomy", "accepted_values_metric_definitions_aggregation"]:
        assert f"Failure in test {prefix}" in output
    assert "Failure in test weights_sum_to_one_health_score_components" in output
