"""Incremental runs end with the same tables as a full build.

The fixture is landed in batches by load time; after each batch the project runs
incrementally. The last state of every mart must equal a full build on all the data,
row for row. The batches are cut so that the hard cases happen across runs: a visitor
identified in a later batch (t5, p1 restated to usr_3), users whose app-database record
lands after their events (account restated), a Segment duplicate re-delivered two days
later, a log file shipped twice.
"""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from fixture_data import HORIZON_BOUND, load_fixture
from usage_warehouse.dbt import DbtCommandError, run_dbt
from usage_warehouse.warehouse import INCREMENTAL_UPSTREAM_TABLES, MART_TABLES, query, table_rows

COMPARED_TABLES = [*MART_TABLES, *INCREMENTAL_UPSTREAM_TABLES]

STITCHED_EVENTS_SQL = (
    "select source_record_id, user_id, account_id from usage_marts.fct_usage_events"
    " where source_record_id in ('t5', 't1') order by 1"
)

CUTOFFS = [
    datetime(2026, 10, 1, 12, 0),
    datetime(2026, 10, 2, 12, 0),
    datetime(2026, 10, 3, 6, 30),
]


@pytest.fixture(scope="module")
def full_build(tmp_path_factory: pytest.TempPathFactory, dbt_target_path: Path) -> Path:
    db_path = tmp_path_factory.mktemp("full") / "warehouse.duckdb"
    load_fixture(str(db_path))
    run_dbt(["seed"], db_path=db_path, target_path=dbt_target_path)
    run_dbt(["run"], db_path=db_path, target_path=dbt_target_path)
    return db_path


@pytest.mark.parametrize("lookback_hours", [0, 24])
def test_incremental_batches_equal_full_build(
    tmp_path: Path, dbt_target_path: Path, full_build: Path, lookback_hours: int
) -> None:
    db_path = tmp_path / "warehouse.duckdb"
    dbt_vars = {"incremental_lookback_hours": lookback_hours}
    run_dbt_here = lambda args: run_dbt(args, db_path=db_path, target_path=dbt_target_path, dbt_vars=dbt_vars)  # noqa: E731

    previous = None
    for cutoff in [*CUTOFFS, None]:
        inserted = load_fixture(str(db_path), loaded_after=previous, loaded_until=cutoff)
        assert sum(inserted.values()) > 0, f"batch up to {cutoff} is empty: the cutoffs no longer split the fixture"
        if previous is None:
            run_dbt_here(["seed"])
        run_dbt_here(["run"])
        previous = cutoff

    # The last run was incremental on every incremental model.
    for table in COMPARED_TABLES:
        assert table_rows(db_path, table) == table_rows(full_build, table), f"{table} differs from a full build"

    # The accounting balances after incremental runs too, and the tests pass.
    run_dbt_here(["test"])


def test_rerun_without_new_data_changes_nothing(full_build: Path, dbt_target_path: Path, tmp_path: Path) -> None:
    before = {table: table_rows(full_build, table) for table in COMPARED_TABLES}
    run_dbt(["run"], db_path=full_build, target_path=dbt_target_path)
    after = {table: table_rows(full_build, table) for table in COMPARED_TABLES}
    assert after == before


def test_first_batch_has_unattributed_events_that_later_runs_restate(tmp_path: Path, dbt_target_path: Path) -> None:
    """Guards the test above: the batches really exercise restatement (events first land
    without user or account, and a later run fills them in)."""
    db_path = tmp_path / "warehouse.duckdb"
    load_fixture(str(db_path), loaded_until=CUTOFFS[1])
    run_dbt(["seed"], db_path=db_path, target_path=dbt_target_path)
    run_dbt(["run"], db_path=db_path, target_path=dbt_target_path)
    before = query(db_path, STITCHED_EVENTS_SQL)
    assert before == [("t1", "usr_1", "acc_A"), ("t5", None, None)]

    load_fixture(str(db_path), loaded_after=CUTOFFS[1])
    run_dbt(["run"], db_path=db_path, target_path=dbt_target_path)
    after = query(db_path, STITCHED_EVENTS_SQL)
    assert after == [("t1", "usr_1", "acc_A"), ("t5", "usr_3", "acc_B")]
    # The run restated the visitor of t5 (its link loaded after the watermark) and the users
    # whose app-database record landed after their events.
    restating_sql = _fct_usage_events_compiled_sql(dbt_target_path)
    assert RESTATED_VISITORS in restating_sql and RESTATED_USERS in restating_sql

    # Run again with nothing new: the link is still inside the 24-hour lookback, but the
    # stored rows show it, so the run restates nothing and writes the same rows.
    stored = table_rows(db_path, "usage_marts.fct_usage_events")
    run_dbt(["run", "--select", "fct_usage_events"], db_path=db_path, target_path=dbt_target_path)
    compiled_sql = _fct_usage_events_compiled_sql(dbt_target_path)
    assert "loaded_at >" in compiled_sql, "the rerun was not incremental"
    assert RESTATED_VISITORS not in compiled_sql and RESTATED_USERS not in compiled_sql
    assert table_rows(db_path, "usage_marts.fct_usage_events") == stored


# The restated parts of fct_usage_events' incremental query (rows loaded before the watermark).
RESTATED_USERS = "and user_id in ("
RESTATED_VISITORS = "and anonymous_id in ("


def _fct_usage_events_compiled_sql(target_path: Path) -> str:
    compiled = target_path / "compiled" / "usage_warehouse" / "models" / "marts" / "core"
    return (compiled / "fct_usage_events.sql").read_text()


CONFIG_EDITS = {
    # Every event counts for the metrics, not only active use; and one more metric.
    "metric_definitions": (
        [
            "update usage_config.metric_definitions set is_active_use_only = false",
            "insert into usage_config.metric_definitions (metric_key, metric_name, match_level, aggregation) "
            "values ('all_events_again', 'All events again', 'all', 'count_events')",
        ],
        "int_metrics__user_daily+",
        [
            "usage_intermediate.int_metrics__user_daily",
            "usage_intermediate.int_metrics__account_daily",
            "usage_intermediate.int_metrics__account_user_daily",
            "usage_marts.fct_account_usage_metrics",
        ],
    ),
    # The engagement component needs twice the active days for a full score.
    "health_score_components": (
        [
            "update usage_config.health_score_components set target_value = target_value * 2"
            " where component_key = 'engagement'"
        ],
        "fct_account_health_daily",
        ["usage_marts.fct_account_health_daily"],
    ),
    # The bands renamed.
    "health_score_bands": (
        ["update usage_config.health_score_bands set band = band || '_renamed'"],
        "fct_account_health_daily",
        ["usage_marts.fct_account_health_daily"],
    ),
    # The report-sharing funnel's second step becomes an event name, without a filter.
    "funnel_steps": (
        [
            "update usage_config.funnel_steps set event_name = 'Report Exported', feature = null "
            "where funnel_name = 'report_sharing' and step_number = 2",
        ],
        "int_funnels__step_events+",
        ["usage_intermediate.int_funnels__step_events", "usage_marts.fct_funnel_conversions"],
    ),
}


@pytest.mark.parametrize("seed", sorted(CONFIG_EDITS))
def test_editing_a_configuration_seed_recomputes_the_incremental_history(
    full_build: Path, dbt_target_path: Path, tmp_path: Path, seed: str
) -> None:
    """Incremental tables that apply a configuration seed to history store its fingerprint:
    after an edit, an incremental run recomputes every day, as a full refresh would."""
    statements, selector, tables = CONFIG_EDITS[seed]
    edited, refreshed = tmp_path / "edited.duckdb", tmp_path / "refreshed.duckdb"
    shutil.copy(full_build, edited)
    before = {table: table_rows(edited, table) for table in tables}
    with duckdb.connect(str(edited)) as con:
        for statement in statements:
            con.execute(statement)
    shutil.copy(edited, refreshed)
    select = ["--select", selector, "--exclude", "resource_type:test"]
    run_dbt(["run", *select], db_path=edited, target_path=dbt_target_path)
    run_dbt(["run", "--full-refresh", *select], db_path=refreshed, target_path=dbt_target_path)

    for table in tables:
        assert table_rows(edited, table) == table_rows(refreshed, table), f"{table} differs from a full refresh"
    assert table_rows(edited, tables[0]) != before[tables[0]], f"editing {seed} changed nothing"


def edit_then_run_and_refresh(edited: Path, refreshed: Path, target_path: Path, edit_sql: str, model: str) -> None:
    """Apply edit_sql (new raw rows) to the built warehouse `edited`, copy it to `refreshed`, then
    run `model` and its parents incrementally on the first and with --full-refresh on the copy."""
    with duckdb.connect(str(edited)) as con:
        con.execute(edit_sql)
    shutil.copy(edited, refreshed)
    select = ["--select", f"+{model}", "--exclude", "resource_type:test"]
    run_dbt(["run", *select], db_path=edited, target_path=target_path)
    run_dbt(["run", "--full-refresh", *select], db_path=refreshed, target_path=target_path)


def test_a_subscription_edited_after_the_fact_rescores_health(
    full_build: Path, dbt_target_path: Path, tmp_path: Path
) -> None:
    """An edited subscription (more seats from its start) rewrites the account's engagement
    rows with their old load times; the health mart finds the days whose inputs changed by
    comparing them with its stored rows, and ends equal to a full refresh."""
    edited, refreshed = tmp_path / "edited.duckdb", tmp_path / "refreshed.duckdb"
    shutil.copy(full_build, edited)
    health_sql = (
        "select date_day, seat_utilization_signal, health_score from usage_marts.fct_account_health_daily"
        " where account_id = 'acc_A' order by date_day"
    )
    before = query(edited, health_sql)
    edit_then_run_and_refresh(
        edited,
        refreshed,
        dbt_target_path,
        "insert into raw_app.subscriptions select * replace ("
        " 10 as seats, updated_at + interval 14 day as updated_at, _loaded_at + interval 1 minute as _loaded_at)"
        " from raw_app.subscriptions where id = 'sub_A2'",
        "fct_account_health_daily",
    )

    for table in ["usage_marts.fct_account_engagement_daily", "usage_marts.fct_account_health_daily"]:
        assert table_rows(edited, table) == table_rows(refreshed, table), f"{table} differs from a full refresh"
    after = query(edited, health_sql)
    changed = [old for old, new in zip(before, after, strict=True) if old != new]
    assert changed, "the edit changed no health row of acc_A"


R1_EVENTS_SQL = (
    "select event_id, event_at from usage_marts.fct_usage_events where source = 'app_db' and source_record_id = 'r1'"
)


def test_an_app_record_whose_time_changed_replaces_its_stored_event(
    full_build: Path, dbt_target_path: Path, tmp_path: Path
) -> None:
    """The upsert finds a stored Segment or log event by id and time, whose time never changes,
    and an app-database event by id alone: a new version of report r1 with a corrected creation
    time replaces r1's stored event (one row, the new time), as a full refresh has it."""
    edited, refreshed = tmp_path / "edited.duckdb", tmp_path / "refreshed.duckdb"
    shutil.copy(full_build, edited)
    assert query(edited, R1_EVENTS_SQL) == [("app_db:reports:r1", datetime(2026, 10, 1, 14, 0))]
    edit_then_run_and_refresh(
        edited,
        refreshed,
        dbt_target_path,
        "insert into raw_app.reports select * replace ("
        " created_at - interval 2 hour as created_at, updated_at + interval 1 day as updated_at,"
        " _loaded_at + interval 1 day as _loaded_at)"
        " from raw_app.reports where id = 'r1'",
        "fct_usage_events",
    )

    assert query(edited, R1_EVENTS_SQL) == [("app_db:reports:r1", datetime(2026, 10, 1, 12, 0))]
    events = "usage_marts.fct_usage_events"
    assert table_rows(edited, events) == table_rows(refreshed, events), f"{events} differs from a full refresh"


T2_COPIES_SQL = (
    "select message_id, properties from usage_staging.stg_segment__tracks where message_id = 't2' order by loaded_at"
)


@pytest.mark.parametrize("horizon_days", [None, 0])
def test_upsert_horizon_bounds_the_lookup_of_stored_copies(
    full_build: Path, dbt_target_path: Path, tmp_path: Path, horizon_days: int | None
) -> None:
    """t2's second copy lands two days after the first. With no horizon (null) the run finds
    the stored first copy and keeps it, as a full build does. With a horizon of 0 days (and
    no lookback) the stored rows looked up start at the newest stored load, after the first
    copy: the second copy is kept as a second row, the delete leaves the first one, and the
    key's unique test reports the duplicate instead of losing it."""
    db_path = tmp_path / "warehouse.duckdb"
    dbt_vars = {"incremental_lookback_hours": 0, "upsert_horizon_days": horizon_days}
    load_fixture(str(db_path), loaded_until=CUTOFFS[1])
    run_dbt(["seed"], db_path=db_path, target_path=dbt_target_path)
    run_dbt(["run", "--select", "+stg_segment__tracks"], db_path=db_path, target_path=dbt_target_path)
    assert query(db_path, T2_COPIES_SQL) == [("t2", '{"format": "pdf"}')]

    load_fixture(str(db_path), loaded_after=CUTOFFS[1])
    select = ["--select", "stg_segment__tracks"]
    run_dbt(["run", *select], db_path=db_path, target_path=dbt_target_path, dbt_vars=dbt_vars)
    copies = query(db_path, T2_COPIES_SQL)
    compiled = dbt_target_path / "compiled" / "usage_warehouse" / "models" / "staging" / "segment"
    bounded = HORIZON_BOUND.search((compiled / "stg_segment__tracks.sql").read_text()) is not None
    assert bounded == (horizon_days is not None), "the lookup of stored copies is bounded only with a horizon"
    if horizon_days is None:
        assert copies == [("t2", '{"format": "pdf"}')]
        tracks = "usage_staging.stg_segment__tracks"
        assert table_rows(db_path, tracks) == table_rows(full_build, tracks)
    else:
        assert copies == [("t2", '{"format": "pdf"}'), ("t2", '{"format": "csv"}')]
        with pytest.raises(DbtCommandError, match="unique_stg_segment__tracks_message_id"):
            run_dbt(["test", *select], db_path=db_path, target_path=dbt_target_path, dbt_vars=dbt_vars)
        # A value that is not a number of days stops the run with the var's name.
        with pytest.raises(DbtCommandError, match="var upsert_horizon_days is 'a month'"):
            run_dbt(
                ["run", *select],
                db_path=db_path,
                target_path=dbt_target_path,
                dbt_vars={"upsert_horizon_days": "a month"},
            )
