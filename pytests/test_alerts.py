"""Risk / upsell alerts: exact, hand-computed signals, rule evaluations and alert episodes on a
small raw dataset of four accounts, built once with the as-of date pinned to 2026-10-15.

acc_X  team, 5 seats, signup 09-01. usr_x1 active on 09-01, 09-02 and 09-25 (the 09-25 message
       is delivered twice): no active users for 14 days opens, closes when usr_x1 comes back,
       opens again; the 7-day usage drop opens once the account is 30 days old.
acc_Y  team, 3 seats, signup 09-20, never active: the inactivity rule waits for age 14.
acc_Z  team, 2 seats, signup 09-01, both users active every day: seats full (upsell).
acc_S  business, 10 seats, signup 09-01: one user active daily, data exports, weekly automation
       runs (records_processed) and a burst of API requests with failures: the export, error,
       advanced-feature and plan-limit signals.
"""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

from conftest import Query, query_db
from fixture_data import Row, load_fixture, log_line, segment_call, ts
from usage_warehouse.dbt import DbtCommandError, run_dbt

AS_OF = "2026-10-15"
# The alert and billing marts, everything upstream and the tests of those only. The selector's exclusion of unit
# tests that need a built incremental table must be repeated when selecting.
SELECT = [
    "--select",
    "+fct_account_alerts",
    "+fct_account_billable_usage",
    "--exclude",
    "tag:needs_built_model",
    "--indirect-selection",
    "buildable",
]
# App records are replicated the next morning; the newest load (10-16) makes 10-15 the as-of date (the latest
# complete day), so the var as_of_date is not needed.
_APP_LOADED = ts("2026-10-16 06:00:00")


def days(first: str, last: str) -> list[date]:
    start, end = date.fromisoformat(first), date.fromisoformat(last)
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


def account(account_id: str, plan: str, seats: int, created: str) -> Row:
    return {
        "id": account_id,
        "name": account_id,
        "plan": plan,
        "seats": seats,
        "created_at": ts(created),
        "updated_at": ts(created),
        "_loaded_at": _APP_LOADED,
    }


def subscription(account_id: str, plan: str, seats: int, started: str) -> Row:
    return {
        "id": f"sub_{account_id}",
        "account_id": account_id,
        "plan": plan,
        "status": "active",
        "seats": seats,
        "mrr_amount": 100,
        "currency": "USD",
        "started_at": ts(started),
        "created_at": ts(started),
        "updated_at": ts(started),
        "_loaded_at": _APP_LOADED,
    }


def user(user_id: str, account_id: str, created: str) -> Row:
    return {
        "id": user_id,
        "account_id": account_id,
        "email": f"{user_id}@example.com",
        "full_name": user_id,
        "role": "member",
        "created_at": ts(created),
        "updated_at": ts(created),
        "_loaded_at": _APP_LOADED,
    }


def server_event(name: str, line: int, at: str, event: str, **payload: Any) -> Row:
    """A server-log line for an event at `at` (UTC), shipped an hour later."""
    status = int(payload.pop("status", 200))
    level = "error" if status >= 500 else "info"
    body = {"ts": at.replace(" ", "T") + "Z", "level": level, "service": "worker", "status": status, "event": event}
    return log_line(name, line, str(ts(at) + timedelta(hours=1)), {**body, **payload})


TRACKS: list[Row] = [
    segment_call("x1", "2026-09-01 11:00:00", user_id="usr_x1", event="Dashboard Viewed"),
    segment_call("x2", "2026-09-02 11:00:00", user_id="usr_x1", event="Dashboard Viewed"),
    segment_call("x3", "2026-09-25 11:00:00", user_id="usr_x1", event="Dashboard Viewed"),
    # x3 delivered again 30 s later: the same message, counted once.
    segment_call(
        "x3", "2026-09-25 11:00:00", user_id="usr_x1", event="Dashboard Viewed", received_after=timedelta(seconds=31)
    ),
    segment_call("x4", "2026-09-25 12:00:00", user_id="usr_x1", event="Report Viewed"),
    *[
        segment_call(f"z{n}-{day}", f"{day} 12:00:00", user_id=f"usr_z{n}", event="Dashboard Viewed")
        for day in days("2026-09-01", AS_OF)
        for n in (1, 2)
    ],
    # acc_S data exports: 4 on 09-20 (the baseline), 3 on 10-14 (the surge).
    *[
        segment_call(f"s-export-{at}", at, user_id="usr_s1", event="Report Exported", properties='{"format": "csv"}')
        for at in [
            "2026-09-20 09:00:00",
            "2026-09-20 09:10:00",
            "2026-09-20 09:20:00",
            "2026-09-20 09:30:00",
            "2026-10-14 09:00:00",
            "2026-10-14 09:10:00",
            "2026-10-14 09:20:00",
        ]
    ],
]

PAGES: list[Row] = [
    segment_call(f"s-home-{day}", f"{day} 08:00:00", user_id="usr_s1", name="Home", path="/")
    for day in days("2026-09-01", AS_OF)
]

LOG_LINES: list[Row] = [
    # acc_S weekly automation runs (advanced feature, billable records_processed).
    server_event(
        "worker.log", 1, "2026-09-18 06:00:00", "automation.run_completed", account_id="acc_S", quantity=10000
    ),
    server_event(
        "worker.log", 2, "2026-09-25 06:00:00", "automation.run_completed", account_id="acc_S", quantity=10000
    ),
    server_event(
        "worker.log", 3, "2026-10-02 06:00:00", "automation.run_completed", account_id="acc_S", quantity=50000
    ),
    server_event(
        "worker.log", 4, "2026-10-09 06:00:00", "automation.run_completed", account_id="acc_S", quantity=40000
    ),
    # 20 API requests on 10-13, two of them failed.
    *[
        server_event(
            "api.log",
            n,
            f"2026-10-13 10:{n:02d}:00",
            "api.request",
            account_id="acc_S",
            request_id=f"req_{n}",
            status=500 if n <= 2 else 200,
        )
        for n in range(1, 21)
    ],
]

DATASET: dict[str, list[Row]] = {
    "raw_segment.tracks": TRACKS,
    "raw_segment.pages": PAGES,
    "raw_server_logs.log_lines": LOG_LINES,
    "raw_app.accounts": [
        account("acc_X", "team", 5, "2026-09-01 10:00:00"),
        account("acc_Y", "team", 3, "2026-09-20 10:00:00"),
        account("acc_Z", "team", 2, "2026-09-01 10:00:00"),
        account("acc_S", "business", 10, "2026-09-01 10:00:00"),
    ],
    "raw_app.subscriptions": [
        subscription("acc_X", "team", 5, "2026-09-01 10:00:00"),
        subscription("acc_Y", "team", 3, "2026-09-20 10:00:00"),
        subscription("acc_Z", "team", 2, "2026-09-01 10:00:00"),
        subscription("acc_S", "business", 10, "2026-09-01 10:00:00"),
    ],
    "raw_app.users": [
        user("usr_x1", "acc_X", "2026-09-01 10:05:00"),
        user("usr_z1", "acc_Z", "2026-09-01 10:05:00"),
        user("usr_z2", "acc_Z", "2026-09-01 10:06:00"),
        user("usr_s1", "acc_S", "2026-09-01 10:05:00"),
    ],
}


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    db_path = tmp_path_factory.mktemp("alerts") / "warehouse.duckdb"
    target = tmp_path_factory.mktemp("alerts_target")
    load_fixture(str(db_path), dataset=DATASET)
    run_dbt(["build", *SELECT], db_path=db_path, target_path=target)
    return db_path, target


@pytest.fixture(scope="module")
def q(warehouse: tuple[Path, Path]) -> Query:
    return query_db(warehouse[0])


def d(text: str) -> date:
    return date.fromisoformat(text)


def test_as_of_date_is_the_latest_complete_day(q: Query) -> None:
    assert q("select distinct as_of_date from usage_marts.dim_dates") == [(d(AS_OF),)]


def test_duplicate_segment_message_counted_once(q: Query) -> None:
    # 09-25: x3 (twice delivered, once kept) + x4 = 2 active events; the 7 days to 10-01 (none that day) hold
    # only those.
    rows = q(
        "select date_day, active_event_count, active_event_count_7d, days_without_active_user"
        " from usage_intermediate.int_alerts__account_daily_signals"
        " where account_id = 'acc_X' and date_day in ('2026-09-25', '2026-10-01') order by 1"
    )
    assert rows == [(d("2026-09-25"), 2, 2, 0), (d("2026-10-01"), 0, 2, 6)]


def test_every_alert_episode(q: Query) -> None:
    rows = q(
        "select account_id, rule_key, kind, opened_on, closed_on, is_open, days_open,"
        " round(opening_signal_value, 4), threshold, round(latest_signal_value, 4), closing_signal_value"
        " from usage_marts.fct_account_alerts order by account_id, rule_key, opened_on"
    )
    assert rows == [
        # acc_S, 10-13: 21 operations in 10-07..10-13 (the 10-09 run + 20 API requests), 2 failed: 2 / 21 = 0.0952;
        # on 10-12 only 1 operation in the window (< 20: no rate).
        ("acc_S", "risk_error_spike", "risk", d("2026-10-13"), None, True, 3, 0.0952, 0.05, 0.0952, None),
        # 3 exports in 10-08..10-14 against 4 in the 28 days 09-10..10-07 (4 * 7 / 28 = 1 a week): 3.0,
        # from 10-14 (the first day the 10-14 exports are in the window) to the as-of date: 2 days.
        ("acc_S", "risk_export_surge", "risk", d("2026-10-14"), None, True, 2, 3.0, 3.0, 3.0, None),
        # Runs on 09-18, 09-25, 10-02, 10-09: 4 of the last 4 weeks from 10-09 (10-08: 09-11..09-17 had none).
        ("acc_S", "upsell_advanced_features", "upsell", d("2026-10-09"), None, True, 7, 4.0, 4.0, 4.0, None),
        # October records_processed: 50 000 on 10-02 (0.5 of 100 000), + 40 000 on 10-09: 0.9 > 0.8.
        ("acc_S", "upsell_plan_limit", "upsell", d("2026-10-09"), None, True, 7, 0.9, 0.8, 0.9, None),
        # Last active 09-02: 14 days without on 09-16 (age 15 >= 14); usr_x1 back on 09-25 (value 0): closed
        # 09-25 after 9 days (09-16..09-24, latest 09-24 - 09-02 = 22).
        ("acc_X", "risk_no_active_users", "risk", d("2026-09-16"), d("2026-09-25"), False, 9, 14.0, 14.0, 22.0, 0.0),
        # A second episode of the same rule: 09-25 + 14 = 10-09, open on the as-of date (10-15: 20 days), 7 days.
        ("acc_X", "risk_no_active_users", "risk", d("2026-10-09"), None, True, 7, 14.0, 14.0, 20.0, None),
        # Age 30 on 10-01. 10-02: 0 active events in 09-26..10-02 against 2 in 09-19..09-25: -100 %. From 10-09
        # the week before (10-02..10-08) is empty too: no change can be computed, the episode closes.
        ("acc_X", "risk_usage_drop", "risk", d("2026-10-02"), d("2026-10-09"), False, 7, -100.0, -40.0, -100.0, None),
        # Never active: 14 days without on 10-03 (10-03 - 09-19), but the account is 13 days old; it opens on 10-04
        # (15 days, age 14) and is open on 10-15 (26 days): 12 days.
        ("acc_Y", "risk_no_active_users", "risk", d("2026-10-04"), None, True, 12, 15.0, 14.0, 26.0, None),
        # 2 users active every day / 2 seats = 1.0 > 0.9 from the first day the rule applies (age 30 on 10-01).
        ("acc_Z", "upsell_seat_utilization", "upsell", d("2026-10-01"), None, True, 15, 1.0, 0.9, 1.0, None),
    ]


def test_rule_not_applied_to_young_account(q: Query) -> None:
    rows = q(
        "select date_day, account_age_days, signal_value, is_evaluated, is_condition_met, is_triggered"
        " from usage_intermediate.int_alerts__rule_evaluations"
        " where account_id = 'acc_Y' and rule_key = 'risk_no_active_users'"
        " and date_day in ('2026-10-03', '2026-10-04') order by 1"
    )
    assert rows == [
        (d("2026-10-03"), 13, 14.0, False, True, False),
        (d("2026-10-04"), 14, 15.0, True, True, True),
    ]
    # The usage-drop rule (min age 30) is never evaluated for acc_Y (26 days old on the as-of date), nor for acc_X
    # on 09-09, when its 7-day change was already -100 % (0 events in 09-03..09-09, 2 in 08-27..09-02).
    assert q(
        "select count(*), sum(case when is_evaluated then 1 else 0 end)"
        " from usage_intermediate.int_alerts__rule_evaluations"
        " where account_id = 'acc_Y' and rule_key = 'risk_usage_drop'"
    ) == [(26, 0)]
    assert q(
        "select signal_value, is_evaluated, is_triggered from usage_intermediate.int_alerts__rule_evaluations"
        " where account_id = 'acc_X' and rule_key = 'risk_usage_drop' and date_day = '2026-09-09'"
    ) == [(-100.0, False, False)]


def test_signals_on_the_as_of_date(q: Query) -> None:
    rows = q(
        "select account_id, active_event_count_7d, active_event_count_prev_7d, round(active_event_change_pct_7d, 4),"
        " days_without_active_user, export_event_count_7d, export_event_count_baseline_28d,"
        " export_events_7d_vs_baseline, operation_event_count_7d, error_event_count_7d, round(error_rate_7d, 4),"
        " active_user_count_28d, seat_utilization_28d, quantity_vs_plan_limit_unit, quantity_vs_plan_limit,"
        " advanced_feature_active_weeks"
        " from usage_intermediate.int_alerts__account_daily_signals"
        " where date_day = (select max(as_of_date) from usage_marts.dim_dates) order by 1"
    )
    assert rows == [
        # acc_S: 7 home pages + 3 exports (10-09..10-15) against 7 pages: +42.86 %; one user of 10 seats.
        ("acc_S", 10, 7, 42.8571, 0, 3, 4, 3.0, 21, 2, 0.0952, 1, 0.1, "records_processed", 0.9, 4),
        # acc_X: nothing since 09-25 (20 days); usr_x1 (09-25) is within 28 days: 1 of 5 seats.
        ("acc_X", 0, 0, None, 20, 0, 0, None, 0, 0, None, 1, 0.2, None, None, 0),
        ("acc_Y", 0, 0, None, 26, 0, 0, None, 0, 0, None, 0, 0.0, None, None, 0),
        ("acc_Z", 14, 14, 0.0, 0, 0, 0, None, 0, 0, None, 2, 1.0, None, None, 0),
    ]


def test_unknown_signal_fails_the_build_naming_the_rule(warehouse: tuple[Path, Path], tmp_path: Path) -> None:
    db_path, target = warehouse
    broken = tmp_path / "broken.duckdb"
    shutil.copy(db_path, broken)
    with duckdb.connect(str(broken)) as con:
        con.execute(
            "insert into usage_config.alert_rules (rule_key, rule_name, kind, signal, comparison, threshold,"
            " min_account_age_days, is_enabled) values ('risk_typo', 'Typo', 'risk', 'error_rate_7day', 'gt', 0.1, 0,"
            " true)"
        )
    with pytest.raises(DbtCommandError, match="alert_rules_signal_is_known"):
        run_dbt(
            ["test", "--select", "alert_rules", "--store-failures"],
            db_path=broken,
            target_path=target,
        )
    failing = query_db(broken)(
        "select rule_key, signal from usage_dbt_test__audit.alert_rules_signal_is_known order by 1"
    )
    assert failing == [("risk_typo", "error_rate_7day")]


def test_morning_summary_lists_open_alerts_and_top_movers(warehouse: tuple[Path, Path]) -> None:
    """analyses/morning_summary.sql (printed by `make demo`) on the as-of date 10-15."""
    db_path, target = warehouse
    run_dbt(["compile", "--select", "morning_summary"], db_path=db_path, target_path=target)
    compiled = target / "compiled" / "usage_warehouse" / "analyses" / "morning_summary.sql"
    with duckdb.connect(str(db_path), read_only=True) as con:
        rows = con.execute(
            f"select section, rank_in_section, account_id, days_open, since_date,"
            f" case when section = 'top_mover' then reason end from ({compiled.read_text()}) as summary"
        ).fetchall()
    assert rows == [
        # The open risk alerts of test_every_alert_episode, longest open first.
        ("at_risk", 1, "acc_Y", 12, d("2026-10-04"), None),
        ("at_risk", 2, "acc_X", 7, d("2026-10-09"), None),
        ("at_risk", 3, "acc_S", 3, d("2026-10-13"), None),
        ("at_risk", 4, "acc_S", 2, d("2026-10-14"), None),
        # The open upsell alerts; acc_S's two 7-day alerts by rule key (advanced features, plan limit).
        ("upsell", 1, "acc_Z", 15, d("2026-10-01"), None),
        ("upsell", 2, "acc_S", 7, d("2026-10-09"), None),
        ("upsell", 3, "acc_S", 7, d("2026-10-09"), None),
        # Live accounts by the change of active events, 7 days to 10-15 against the 7 before (test_signals_on_the_
        # as_of_date): acc_S 7 -> 10; the three without a change by account id.
        ("top_mover", 1, "acc_S", None, None, "active events 7d: 7 -> 10"),
        ("top_mover", 2, "acc_X", None, None, "active events 7d: 0 -> 0"),
        ("top_mover", 3, "acc_Y", None, None, "active events 7d: 0 -> 0"),
        ("top_mover", 4, "acc_Z", None, None, "active events 7d: 14 -> 14"),
    ]
