"""Usage metrics over time windows, on a small hand-made dataset with hand-computed values.

As-of date 2026-10-31. Window N covers the N days ending on the as-of date, inclusive
(0 .. N-1 days before it); the previous period is the N days before (N .. 2N-1 days before):
the current 7 days are 10-25 .. 10-31, the previous 7 days 10-18 .. 10-24.

acc_M (signed up 07-01; users u1, u2, u3), acc_N (10-01; u4), acc_Z (10-30; no usage).
Segment calls happen at `at` and are received 1 s later: their event time is `at` + 1 s.

Events of acc_M, by UTC day (d = Dashboard Viewed, x = Report Exported, l = server log, r = report):
  11-01 d10 u1 (after the as-of date: counted nowhere)
  10-31 d1 u1                     10-24 d5 u3 at 23:59:59 (exactly 7 days before: previous 7 days)
  10-30 d2 u1                     10-21 l4 run_completed qty 30, 250 ms
  10-29 l2 run_completed qty 50, 500 ms; l3 run_failed
  10-28 l1 run_completed qty 100, 1000 ms; r1 u1
  10-27 x4 u1 format "PDF"        10-20 d6 u2
  10-26 x1 u2 pdf; x2 u2 csv      10-19 x3 u1 pdf
  10-25 d3 u1; d4 u2 at 00:00:01  10-17 d7 u3;  10-02 d8 u1;  10-01 d9 u1
acc_N: 10-31 n1 u4 Dashboard Viewed; 10-30 api.request by u1 (a log line naming acc_N and u1).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from conftest import Query, query_db
from fixture_data import Row, load_fixture, log_line, segment_call, ts
from usage_warehouse.dbt import DbtCommandError, run_dbt

AS_OF = "2026-10-31"
METRIC_MARTS = (
    "fct_account_usage_metrics",
    "fct_app_usage_metrics",
    "fct_account_metric_daily",
    "fct_app_metric_daily",
)
_APP_LOADED = ts("2026-11-01 07:00:00")


def _track(message_id: str, at: str, user_id: str, event: str, properties: str | None = None) -> Row:
    return segment_call(message_id, at, user_id=user_id, event=event, properties=properties)


def _log(line: int, at: str, event: str, account_id: str, **fields: object) -> Row:
    payload = {"ts": at, "level": "info", "service": "worker", "event": event, "account_id": account_id, **fields}
    return log_line("worker/metrics.log", line, "2026-11-01 06:00:00", payload)


def _account(account_id: str, created_at: str) -> Row:
    created = ts(created_at)
    return {
        "id": account_id,
        "name": account_id,
        "plan": "team",
        "seats": 5,
        "created_at": created,
        "updated_at": created,
        "_loaded_at": _APP_LOADED,
    }


def _user(user_id: str, account_id: str, created_at: str) -> Row:
    created = ts(created_at)
    return {
        "id": user_id,
        "account_id": account_id,
        "email": f"{user_id}@example.com",
        "role": "member",
        "created_at": created,
        "updated_at": created,
        "_loaded_at": _APP_LOADED,
    }


DATASET: dict[str, list[Row]] = {
    "raw_segment.tracks": [
        _track("d1", "2026-10-31 10:00:00", "u1", "Dashboard Viewed"),
        _track("d2", "2026-10-30 10:00:00", "u1", "Dashboard Viewed"),
        _track("d3", "2026-10-25 10:00:00", "u1", "Dashboard Viewed"),
        _track("d4", "2026-10-25 00:00:00", "u2", "Dashboard Viewed"),
        _track("d5", "2026-10-24 23:59:58", "u3", "Dashboard Viewed"),
        _track("d6", "2026-10-20 09:00:00", "u2", "Dashboard Viewed"),
        _track("d7", "2026-10-17 09:00:00", "u3", "Dashboard Viewed"),
        _track("d8", "2026-10-02 09:00:00", "u1", "Dashboard Viewed"),
        _track("d9", "2026-10-01 09:00:00", "u1", "Dashboard Viewed"),
        _track("d10", "2026-11-01 09:00:00", "u1", "Dashboard Viewed"),
        _track("x1", "2026-10-26 12:00:00", "u2", "Report Exported", '{"format": "pdf"}'),
        _track("x2", "2026-10-26 12:05:00", "u2", "Report Exported", '{"format": "csv"}'),
        _track("x3", "2026-10-19 12:00:00", "u1", "Report Exported", '{"format": "pdf"}'),
        _track("x4", "2026-10-27 12:00:00", "u1", "Report Exported", '{"format": "PDF"}'),
        _track("n1", "2026-10-31 08:00:00", "u4", "Dashboard Viewed"),
    ],
    "raw_server_logs.log_lines": [
        _log(1, "2026-10-28T10:00:00Z", "automation.run_completed", "acc_M", quantity=100, duration_ms=1000),
        _log(2, "2026-10-29T10:00:00Z", "automation.run_completed", "acc_M", quantity=50, duration_ms=500),
        _log(3, "2026-10-29T11:00:00Z", "automation.run_failed", "acc_M", status=500),
        _log(4, "2026-10-21T10:00:00Z", "automation.run_completed", "acc_M", quantity=30, duration_ms=250),
        _log(5, "2026-10-30T12:00:00Z", "api.request", "acc_N", user_id="u1", status=200),
    ],
    "raw_app.accounts": [
        _account("acc_M", "2026-07-01 10:00:00"),
        _account("acc_N", "2026-10-01 10:00:00"),
        _account("acc_Z", "2026-10-30 10:00:00"),
    ],
    "raw_app.users": [
        _user("u1", "acc_M", "2026-07-01 10:00:00"),
        _user("u2", "acc_M", "2026-07-01 10:00:00"),
        _user("u3", "acc_M", "2026-07-01 10:00:00"),
        _user("u4", "acc_N", "2026-10-01 10:00:00"),
    ],
    "raw_app.reports": [
        {
            "id": "r1",
            "account_id": "acc_M",
            "created_by_user_id": "u1",
            "report_type": "funnel",
            "created_at": ts("2026-10-28 15:00:00"),
            "updated_at": ts("2026-10-28 15:00:00"),
            "_loaded_at": _APP_LOADED,
        }
    ],
}


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db_path = tmp_path_factory.mktemp("usage_metrics") / "warehouse.duckdb"
    target = tmp_path_factory.mktemp("usage_metrics_target")
    load_fixture(str(db_path), dataset=DATASET)
    # The metric marts and everything they are built from (other marts are not needed here).
    # No as_of_date var: the newest load (11-01 09:10, d10) makes the as-of date 2026-10-31.
    run_dbt(
        [
            "build",
            "--select",
            *(f"+{model}" for model in METRIC_MARTS),
            "--exclude",
            "tag:needs_built_model",
            "--indirect-selection",
            "cautious",
        ],
        db_path=db_path,
        target_path=target,
    )
    return db_path


@pytest.fixture(scope="module")
def q(warehouse: Path) -> Query:
    return query_db(warehouse)


WINDOW_COLUMNS = (
    "value_1d, previous_value_1d, value_7d, previous_value_7d, change_7d, pct_change_7d,"
    " value_30d, previous_value_30d, value_all_time"
)


def account_metric(q: Query, account_id: str, metric_key: str) -> tuple[object, ...]:
    rows = q(
        f"select {WINDOW_COLUMNS} from usage_marts.fct_account_usage_metrics"
        f" where account_id = '{account_id}' and metric_key = '{metric_key}'"
    )
    assert len(rows) == 1
    return rows[0]


def D(value: int | str) -> Decimal:
    return Decimal(value)


def test_dataset_lands_as_expected(q: Query) -> None:
    assert q("select distinct as_of_date from usage_marts.fct_account_usage_metrics") == [(ts(AS_OF).date(),)]
    # The event times the hand computation relies on: +1 s for Segment calls.
    rows = q(
        "select source_record_id, event_at, event_date from usage_marts.fct_usage_events"
        " where source_record_id in ('d4', 'd5') order by 1"
    )
    assert [(r[0], str(r[1]), str(r[2])) for r in rows] == [
        ("d4", "2026-10-25 00:00:01", "2026-10-25"),
        ("d5", "2026-10-24 23:59:59", "2026-10-24"),
    ]


def test_every_account_has_every_metric(q: Query) -> None:
    metrics = q("select count(*) from usage_config.metric_definitions")[0][0]
    assert q("select count(*), count(distinct account_id) from usage_marts.fct_account_usage_metrics") == [
        (3 * metrics, 3)
    ]
    # acc_Z has no usage: zeros, and no percent change (the previous period is 0).
    assert q(
        "select max(value_all_time), max(value_7d), count(pct_change_7d), count(last_event_date)"
        " from usage_marts.fct_account_usage_metrics where account_id = 'acc_Z'"
    ) == [(D(0), D(0), 0, 0)]


def test_window_edge_and_period_over_period_change(q: Query) -> None:
    # dashboard_views of acc_M. Current 7 days (10-25 .. 10-31): d1, d2, d3, d4 (10-25 00:00:01, 6 days
    # before) = 4. Previous 7 days (10-18 .. 10-24): d5 (10-24 23:59:59, exactly 7 days before), d6 = 2.
    # Change 4 - 2 = +2, +100 %. 1 day: d1 = 1, previous day (10-30) d2 = 1.
    # 30 days (10-02 .. 10-31): 4 + 2 + d7 + d8 (10-02, 29 days before) = 8; previous 30 days: d9 (10-01) = 1.
    # All time: 9 (d10 on 11-01 is after the as-of date).
    assert account_metric(q, "acc_M", "dashboard_views") == (D(1), D(1), D(4), D(2), D(2), 100.0, D(8), D(1), D(9))


def test_events_change_and_percent(q: Query) -> None:
    # events of acc_M per day: 10-31 1, 10-30 1, 10-29 2 (l2, l3), 10-28 2 (l1, r1), 10-27 1, 10-26 2, 10-25 2
    # -> 7 days = 11; previous 7 days: 10-24 d5, 10-21 l4, 10-20 d6, 10-19 x3 = 4. Change +7, 100 * 7 / 4 = 175 %.
    # 30 days: 11 + 4 + d7 + d8 = 17; previous 30 days: d9 = 1; all time 18.
    assert account_metric(q, "acc_M", "events") == (D(1), D(1), D(11), D(4), D(7), 175.0, D(17), D(1), D(18))


def test_distinct_users_over_7_days_count_a_user_once(q: Query) -> None:
    # Active users of acc_M, current 7 days: u1 (10-25, 10-27, 10-28, 10-30, 10-31) and u2 (10-25, 10-26)
    # = 2, although the daily counts sum to 1+1+1+1+1+2 = 7. Previous 7 days: u3 (d5), u2 (d6), u1 (x3) = 3.
    # Change -1, 100 * -1 / 3 %. 30 days: u1, u2, u3 = 3; previous 30 days: u1 (d9) = 1.
    row = account_metric(q, "acc_M", "active_users")
    assert row[:5] == (D(1), D(1), D(2), D(3), D(-1))
    assert row[5] == pytest.approx(-100 / 3)
    assert row[6:] == (D(3), D(1), D(3))
    daily_sum = q(
        "select sum(metric_value) from usage_intermediate.int_metrics__account_daily"
        " where account_id = 'acc_M' and metric_key = 'active_users'"
        " and metric_date between date '2026-10-25' and date '2026-10-31'"
    )
    assert daily_sum == [(D(7),)]


def test_property_filtered_metric(q: Query) -> None:
    # pdf_exports = Report Exported with format = "pdf" (compared as text): x1 (10-26) in the current 7 days,
    # x3 (10-19) in the previous; x2 (csv) and x4 ("PDF") do not count. Change 0, 0 %.
    assert account_metric(q, "acc_M", "pdf_exports") == (D(0), D(0), D(1), D(1), D(0), 0.0, D(2), D(0), D(2))


def test_sum_quantity_and_sum_property(q: Query) -> None:
    # records_processed = quantity of automation.run_completed: 100 + 50 in the current 7 days, 30 in the
    # previous (the failed run l3, whose quantity is 1 by the taxonomy default, is another event name).
    # Change +120, 100 * 120 / 30 = 400 %.
    assert account_metric(q, "acc_M", "records_processed") == (
        D(0),
        D(0),
        D(150),
        D(30),
        D(120),
        400.0,
        D(180),
        D(0),
        D(180),
    )
    # automation_run_time_ms = property duration_ms: 1000 + 500 vs 250.
    assert account_metric(q, "acc_M", "automation_run_time_ms")[2:6] == (D(1500), D(250), D(1250), 500.0)


def test_app_distinct_users_are_not_summed_over_accounts(q: Query) -> None:
    # users (any event), current 7 days: acc_M {u1, u2}, acc_N {u4, u1 (the api.request logged for acc_N)}:
    # 2 + 2 = 4 summed, but 3 distinct users in the app. Events: acc_M 11 + acc_N 2 (n1, api) = 13.
    assert q(
        "select account_id, value_7d from usage_marts.fct_account_usage_metrics"
        " where metric_key = 'users' order by account_id"
    ) == [("acc_M", D(2)), ("acc_N", D(2)), ("acc_Z", D(0))]
    assert q(
        "select metric_key, value_7d, value_1d from usage_marts.fct_app_usage_metrics"
        " where metric_key in ('users', 'events') order by 1"
    ) == [("events", D(13), D(2)), ("users", D(3), D(2))]


def test_account_daily_is_dense_with_aligned_earlier_values(q: Query) -> None:
    # acc_M signed up 07-01: one row per day 07-01 .. 10-31 = 31 + 31 + 30 + 31 = 123, zeros included.
    assert q(
        "select count(*), min(metric_date), max(metric_date), sum(metric_value)"
        " from usage_marts.fct_account_metric_daily where account_id = 'acc_M' and metric_key = 'dashboard_views'"
    ) == [(123, ts("2026-07-01").date(), ts("2026-10-31").date(), D(9))]
    rows = q(
        "select metric_date, metric_value, trailing_7d_value, metric_value_7_days_earlier,"
        " trailing_7d_value_7_days_earlier, metric_value_28_days_earlier"
        " from usage_marts.fct_account_metric_daily where account_id = 'acc_M' and metric_key = 'dashboard_views'"
        " and metric_date in (date '2026-10-24', date '2026-10-25', date '2026-10-31') order by 1"
    )
    # 10-24: d5 alone; trailing 10-18 .. 10-24 = d5 + d6 = 2; 7 days earlier (10-17) d7 = 1, whose trailing
    # 7 days (10-11 .. 10-17) = d7 = 1. 10-25: d3 + d4 = 2; trailing 10-19 .. 10-25 = d5 + d6 + d3 + d4 = 4;
    # 7 days earlier (10-18) nothing, its trailing 7 days (10-12 .. 10-18) = d7 = 1.
    # 10-31: d1 = 1; trailing 4 (= value_7d); 10-24 beside it: 1, its trailing 2 (= previous_value_7d); 10-03: 0.
    assert [(str(r[0]), *r[1:]) for r in rows] == [
        ("2026-10-24", D(1), D(2), D(1), D(1), D(0)),
        ("2026-10-25", D(2), D(4), D(0), D(1), D(0)),
        ("2026-10-31", D(1), D(4), D(1), D(2), D(0)),
    ]


def test_daily_distinct_users_trailing_and_before_signup(q: Query) -> None:
    # Trailing 7 days of active users on 10-31 = 2 (u1, u2), on 10-24 = 3 (u1 x3, u2 d6, u3 d5): exact counts.
    assert q(
        "select metric_date, metric_value, trailing_7d_value from usage_marts.fct_account_metric_daily"
        " where account_id = 'acc_M' and metric_key = 'active_users'"
        " and metric_date in (date '2026-10-24', date '2026-10-31') order by 1"
    ) == [(ts("2026-10-24").date(), D(1), D(3)), (ts("2026-10-31").date(), D(1), D(2))]
    # acc_N signed up 10-01: 31 rows; 7 days before 10-07 is before signup (null), before 10-08 it is 10-01 (0).
    rows = q(
        "select count(*), count(metric_value_7_days_earlier), min(metric_date)"
        " from usage_marts.fct_account_metric_daily where account_id = 'acc_N' and metric_key = 'dashboard_views'"
    )
    assert rows == [(31, 31 - 7, ts("2026-10-01").date())]
    # Pairs never used are not in the daily mart: acc_Z has no rows.
    assert q("select count(*) from usage_marts.fct_account_metric_daily where account_id = 'acc_Z'") == [(0,)]


def test_app_daily_distinct_users_across_accounts(q: Query) -> None:
    # users on 10-30: u1 in acc_M (d2) and u1 in acc_N (api) -> 1 distinct user, not 2; trailing 7 days
    # (10-24 .. 10-30): u3 (d5), u1, u2 = 3. On 10-31: u1 (d1), u4 (n1) = 2; trailing 7 days (10-25 .. 10-31):
    # u1, u2, u4 = 3, the same as fct_app_usage_metrics.value_7d (acc_M 2 + acc_N 2 summed would be 4).
    assert q(
        "select metric_date, metric_value, trailing_7d_value from usage_marts.fct_app_metric_daily"
        " where metric_key = 'users' and metric_date in (date '2026-10-30', date '2026-10-31') order by 1"
    ) == [(ts("2026-10-30").date(), D(1), D(3)), (ts("2026-10-31").date(), D(2), D(3))]
    # Every metric has one row per day from the first signup (07-01) to the as-of date.
    metrics = q("select count(*) from usage_config.metric_definitions")[0][0]
    assert q("select count(*), max(metric_date) from usage_marts.fct_app_metric_daily") == [
        (123 * metrics, ts(AS_OF).date())
    ]


def test_metric_seed_rejects_sum_property_without_value_property(warehouse: Path, tmp_path: Path) -> None:
    """A sum_property metric without value_property fails the build, naming the metric."""
    bad_db = tmp_path / "bad.duckdb"
    bad_db.write_bytes(warehouse.read_bytes())
    with duckdb.connect(str(bad_db)) as con:
        con.execute(
            "insert into usage_config.metric_definitions (metric_key, aggregation, match_level)"
            " values ('broken_sum', 'sum_property', 'all')"
        )
    with pytest.raises(DbtCommandError) as failure:
        run_dbt(
            ["test", "--select", "metric_definitions_sum_property_names_value_property", "--store-failures"],
            db_path=bad_db,
            target_path=tmp_path / "target",
        )
    assert "metric_definitions_sum_property_names_value_property" in str(failure.value)
    failing = query_db(bad_db)(
        "select metric_key from usage_dbt_test__audit.metric_definitions_sum_property_names_value_property"
    )
    assert failing == [("broken_sum",)]


def test_short_history_keeps_complete_earlier_values(warehouse: Path, tmp_path: Path, q: Query) -> None:
    """With metric_daily_history_days 3 the daily marts keep 10-29 .. 10-31, and the first kept
    day's earlier values reach back 34 days (its trailing 7 days 28 days earlier: 09-25 .. 10-01)
    with the same values as over the whole history."""
    short_db = tmp_path / "short.duckdb"
    short_db.write_bytes(warehouse.read_bytes())
    run_dbt(
        ["run", "--select", "fct_account_metric_daily", "fct_app_metric_daily"],
        db_path=short_db,
        target_path=tmp_path / "target",
        dbt_vars={"metric_daily_history_days": 3},
    )
    short = query_db(short_db)
    columns = (
        "metric_date, metric_value, trailing_7d_value, metric_value_7_days_earlier,"
        " trailing_7d_value_7_days_earlier, metric_value_28_days_earlier, trailing_7d_value_28_days_earlier"
    )
    account_sql = (
        f"select {columns} from usage_marts.fct_account_metric_daily where account_id = 'acc_M'"
        " and metric_key = '{metric}' and metric_date >= date '2026-10-29' order by 1"
    )
    # dashboard_views on 10-29: none that day; trailing 10-23 .. 10-29 = d5 + d3 + d4 = 3; 10-22: 0, its
    # trailing 10-16 .. 10-22 = d7 + d6 = 2; 10-01: d9 = 1, its trailing 09-25 .. 10-01 = d9 = 1.
    views = short(account_sql.format(metric="dashboard_views"))
    assert [row[0] for row in views] == [ts(day).date() for day in ("2026-10-29", "2026-10-30", "2026-10-31")]
    assert views[0][1:] == (D(0), D(3), D(0), D(2), D(1), D(1))
    assert views == q(account_sql.format(metric="dashboard_views"))
    # active_users on 10-29: 28 days earlier (10-01) u1; its trailing 09-25 .. 10-01: u1 = 1.
    users = short(account_sql.format(metric="active_users"))
    assert users[0][5:] == (D(1), D(1))
    assert users == q(account_sql.format(metric="active_users"))
    app_sql = f"select metric_key, {columns} from usage_marts.fct_app_metric_daily order by 1, 2"
    metrics = q("select count(*) from usage_config.metric_definitions")[0][0]
    app_rows = short(app_sql)
    assert len(app_rows) == 3 * metrics
    assert app_rows == [row for row in q(app_sql) if row[1] >= ts("2026-10-29").date()]
