"""Onboarding milestones and signup cohorts, on a small hand-made dataset with hand-computed values.

As-of date 2026-10-31 (the newest load is on 11-01). Milestones are the shipped defaults
(seeds/onboarding_milestones.csv), target days from the signup date:
  1 first_report_created (Report Created, scope user, 7)    4 first_data_import (Data Imported, 14)
  2 first_integration_connected (Integration Connected, 14) 5 first_automation_rule (Automation Rule Created, 21)
  3 first_teammate_invited (User Invited, 7)                6 first_report_shared (feature report_sharing, user, 21)
Rule: days_from_signup = calendar days from the signup date to the reaching date; on time when
days_from_signup <= target_days; overdue when not reached and the as-of date > signup + target_days.

Cohort week 09-28 (Monday):
  acc_P (signup Thu 10-01): report 10-08 23:00 (day 7 = target: on time); integration 10-16 (day 15 > 14:
    late); no invitation (target 10-08 passed: overdue); import 10-15 (day 14: on time); automation rule
    10-22 (day 21: on time); shared by p2 on 10-03 (day 2), by p1 on 10-05.
  acc_R (signup Tue 09-29): everything on time, days 0, 1, 1, 2, 3, 4.
  acc_S (signup Thu 10-01): a report without a user on 10-02 (does not count: scope user), one by s1 on
    10-09 00:30 (day 8: late); nothing else (every target passed: overdue).
Cohort week 10-19:
  acc_T (signup Fri 10-23): nothing; 7-day targets 10-30 passed (overdue), the others pending.
  acc_Q (signup Sat 10-24): nothing; 7-day targets are 10-31, the as-of date itself: pending.
"""

from __future__ import annotations

import shutil
from datetime import date, datetime
from pathlib import Path

import pytest

from conftest import Query, query_db
from fixture_data import Row, load_fixture, segment_call, ts
from usage_warehouse.dbt import run_dbt

MILESTONE_MARTS = ("fct_account_milestones", "fct_onboarding_cohorts")
_LOADED = ts("2026-11-01 07:00:00")


def _account(account_id: str, created_at: str) -> Row:
    created = ts(created_at)
    return {
        "id": account_id,
        "name": account_id,
        "plan": "team",
        "seats": 5,
        "created_at": created,
        "_loaded_at": _LOADED,
    }


def _user(user_id: str, account_id: str) -> Row:
    return {
        "id": user_id,
        "account_id": account_id,
        "email": f"{user_id}@example.com",
        "role": "admin",
        "created_at": ts("2026-09-01 00:00:00"),
        "_loaded_at": _LOADED,
    }


def _report(report_id: str, account_id: str, user_id: str | None, at: str) -> Row:
    return {
        "id": report_id,
        "account_id": account_id,
        "created_by_user_id": user_id,
        "report_type": "funnel",
        "created_at": ts(at),
        "_loaded_at": _LOADED,
    }


def _integration(integration_id: str, account_id: str, user_id: str, at: str) -> Row:
    return {
        "id": integration_id,
        "account_id": account_id,
        "connected_by_user_id": user_id,
        "provider": "hubspot",
        "connected_at": ts(at),
        "_loaded_at": _LOADED,
    }


def _invitation(invitation_id: str, account_id: str, user_id: str, at: str) -> Row:
    return {
        "id": invitation_id,
        "account_id": account_id,
        "invited_by_user_id": user_id,
        "invitee_email": "new@example.com",
        "role": "member",
        "created_at": ts(at),
        "_loaded_at": _LOADED,
    }


def _data_import(import_id: str, account_id: str, user_id: str, at: str, *, completed: bool = True) -> Row:
    return {
        "id": import_id,
        "account_id": account_id,
        "user_id": user_id,
        "source_type": "csv",
        "status": "completed" if completed else "failed",
        "rows_imported": 100 if completed else 0,
        "started_at": ts(at),
        "completed_at": ts(at) if completed else None,
        "_loaded_at": _LOADED,
    }


def _automation_rule(rule_id: str, account_id: str, user_id: str, at: str) -> Row:
    return {
        "id": rule_id,
        "account_id": account_id,
        "created_by_user_id": user_id,
        "trigger_type": "schedule",
        "is_enabled": True,
        "created_at": ts(at),
        "_loaded_at": _LOADED,
    }


DATASET: dict[str, list[Row]] = {
    "raw_app.accounts": [
        _account("acc_P", "2026-10-01 10:00:00"),
        _account("acc_R", "2026-09-29 10:00:00"),
        _account("acc_S", "2026-10-01 10:00:00"),
        _account("acc_T", "2026-10-23 10:00:00"),
        _account("acc_Q", "2026-10-24 10:00:00"),
    ],
    "raw_app.users": [
        _user("p1", "acc_P"),
        _user("p2", "acc_P"),
        _user("r1", "acc_R"),
        _user("s1", "acc_S"),
        _user("t1", "acc_T"),
        _user("q1", "acc_Q"),
    ],
    "raw_app.reports": [
        _report("rp1", "acc_P", "p1", "2026-10-08 23:00:00"),
        _report("rr1", "acc_R", "r1", "2026-09-29 15:00:00"),
        _report("rs0", "acc_S", None, "2026-10-02 12:00:00"),
        _report("rs1", "acc_S", "s1", "2026-10-09 00:30:00"),
    ],
    "raw_app.integrations": [
        _integration("ip1", "acc_P", "p1", "2026-10-16 09:00:00"),
        _integration("ir1", "acc_R", "r1", "2026-09-30 09:00:00"),
    ],
    "raw_app.invitations": [_invitation("vr1", "acc_R", "r1", "2026-09-30 10:00:00")],
    "raw_app.data_imports": [
        _data_import("mp0", "acc_P", "p1", "2026-10-03 10:00:00", completed=False),  # failed: no event
        _data_import("mp1", "acc_P", "p2", "2026-10-15 10:00:00"),
        _data_import("mr1", "acc_R", "r1", "2026-10-01 10:00:00"),
    ],
    "raw_app.automation_rules": [
        _automation_rule("ap1", "acc_P", "p1", "2026-10-22 10:00:00"),
        _automation_rule("ar1", "acc_R", "r1", "2026-10-02 10:00:00"),
    ],
    "raw_segment.tracks": [
        segment_call("sp1", "2026-10-03 10:00:00", user_id="p2", event="Report Shared"),
        segment_call("sp2", "2026-10-05 10:00:00", user_id="p1", event="Report Shared"),
        segment_call("sr1", "2026-10-03 10:00:00", user_id="r1", event="Report Shared"),
    ],
}


def _build(db_path: Path, target: Path, command: str) -> None:
    run_dbt(
        [
            command,
            "--select",
            *(f"+{model}" for model in MILESTONE_MARTS),
            "--exclude",
            "tag:needs_built_model",
            "--indirect-selection",
            "cautious",
        ],
        db_path=db_path,
        target_path=target,
    )


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db_path = tmp_path_factory.mktemp("milestones") / "warehouse.duckdb"
    load_fixture(str(db_path), dataset=DATASET)
    _build(db_path, tmp_path_factory.mktemp("milestones_target"), "build")
    return db_path


@pytest.fixture(scope="module")
def q(warehouse: Path) -> Query:
    return query_db(warehouse)


def d(text: str) -> date:
    return date.fromisoformat(text)


def test_as_of_date(q: Query) -> None:
    assert q("select distinct as_of_date from usage_marts.fct_account_milestones") == [(d("2026-10-31"),)]


def test_reached_on_target_day_is_on_time_and_a_day_later_is_late(q: Query) -> None:
    rows = q(
        "select account_id, reached_at, reached_by_user_id, reached_user_count, days_from_signup, target_date,"
        " is_on_time, is_late, status from usage_marts.fct_account_milestones"
        " where milestone_key = 'first_report_created' order by account_id"
    )
    assert rows == [
        # acc_P: 10-01 -> 10-08 is 7 days = target_days 7: on time (target_date 10-08).
        ("acc_P", datetime(2026, 10, 8, 23), "p1", 1, 7, d("2026-10-08"), True, False, "on_time"),
        # acc_Q: target 10-24 + 7 = 10-31 = the as-of date: still pending.
        ("acc_Q", None, None, 0, None, d("2026-10-31"), False, False, "pending"),
        ("acc_R", datetime(2026, 9, 29, 15), "r1", 1, 0, d("2026-10-06"), True, False, "on_time"),
        # acc_S: 10-01 -> 10-09 is 8 days > 7: late. The 10-02 report has no user: it does not count (scope user).
        ("acc_S", datetime(2026, 10, 9, 0, 30), "s1", 1, 8, d("2026-10-08"), False, True, "late"),
        # acc_T: target 10-23 + 7 = 10-30 < 10-31: overdue.
        ("acc_T", None, None, 0, None, d("2026-10-30"), False, False, "overdue"),
    ]


def test_every_status_of_one_account(q: Query) -> None:
    rows = q(
        "select milestone_key, days_from_signup, status, is_reached, is_overdue from usage_marts.fct_account_milestones"
        " where account_id = 'acc_P' order by sort_order"
    )
    assert rows == [
        ("first_report_created", 7, "on_time", True, False),
        ("first_integration_connected", 15, "late", True, False),  # 15 > 14
        ("first_teammate_invited", None, "overdue", False, True),  # target 10-08 < 10-31
        ("first_data_import", 14, "on_time", True, False),  # 14 = 14; the failed import of 10-03 is no event
        ("first_automation_rule", 21, "on_time", True, False),  # 21 = 21
        ("first_report_shared", 2, "on_time", True, False),
    ]


def test_user_scope_takes_the_first_user(q: Query) -> None:
    # acc_P shared first by p2 (10-03), then by p1 (10-05): reached by p2, 2 users reached it.
    assert q(
        "select reached_at, reached_by_user_id, reached_user_count from usage_marts.fct_account_milestones"
        " where account_id = 'acc_P' and milestone_key = 'first_report_shared'"
    ) == [(datetime(2026, 10, 3, 10, 0, 1), "p2", 2)]


def test_pending_versus_overdue_depends_on_target_date(q: Query) -> None:
    # acc_T: 7-day milestones overdue (10-30 < 10-31); 14-day (11-06) and 21-day (11-13) pending.
    assert q(
        "select milestone_key, target_date, status from usage_marts.fct_account_milestones"
        " where account_id = 'acc_T' order by sort_order"
    ) == [
        ("first_report_created", d("2026-10-30"), "overdue"),
        ("first_integration_connected", d("2026-11-06"), "pending"),
        ("first_teammate_invited", d("2026-10-30"), "overdue"),
        ("first_data_import", d("2026-11-06"), "pending"),
        ("first_automation_rule", d("2026-11-13"), "pending"),
        ("first_report_shared", d("2026-11-13"), "pending"),
    ]


COHORT_COLUMNS = (
    "milestone_key, sort_order, account_count, reached_account_count, on_time_account_count, late_account_count,"
    " overdue_account_count, pending_account_count, completion_rate, on_time_rate, avg_days_to_reach"
)


def test_cohort_of_week_0928(q: Query) -> None:
    rows = q(
        f"select {COHORT_COLUMNS} from usage_marts.fct_onboarding_cohorts"
        " where cohort_week_start_date = date '2026-09-28' order by sort_order"
    )
    assert rows == [
        # P day 7 on time, R day 0 on time, S day 8 late: reached 3/3, on time 2/3, average (7 + 0 + 8) / 3 = 5.
        ("first_report_created", 1, 3, 3, 2, 1, 0, 0, 1.0, pytest.approx(2 / 3), 5.0),
        # R day 1 on time, P day 15 late, S overdue: average (1 + 15) / 2 = 8.
        ("first_integration_connected", 2, 3, 2, 1, 1, 1, 0, pytest.approx(2 / 3), pytest.approx(1 / 3), 8.0),
        ("first_teammate_invited", 3, 3, 1, 1, 0, 2, 0, pytest.approx(1 / 3), pytest.approx(1 / 3), 1.0),
        ("first_data_import", 4, 3, 2, 2, 0, 1, 0, pytest.approx(2 / 3), pytest.approx(2 / 3), 8.0),  # (14 + 2) / 2
        (
            "first_automation_rule",
            5,
            3,
            2,
            2,
            0,
            1,
            0,
            pytest.approx(2 / 3),
            pytest.approx(2 / 3),
            12.0,
        ),  # (21 + 3) / 2
        ("first_report_shared", 6, 3, 2, 2, 0, 1, 0, pytest.approx(2 / 3), pytest.approx(2 / 3), 3.0),  # (2 + 4) / 2
        # Every milestone: R on time (its last one on day 4); P (invitation) and S overdue.
        ("all_milestones", 7, 3, 1, 1, 0, 2, 0, pytest.approx(1 / 3), pytest.approx(1 / 3), 4.0),
    ]


def test_cohort_of_week_1019(q: Query) -> None:
    rows = q(
        "select milestone_key, account_count, overdue_account_count, pending_account_count, completion_rate"
        " from usage_marts.fct_onboarding_cohorts where cohort_week_start_date = date '2026-10-19'"
        " and milestone_key in ('first_report_created', 'first_data_import', 'all_milestones') order by sort_order"
    )
    # T overdue / Q pending on 7-day milestones; both pending on 14-day ones; all: T overdue, Q pending.
    assert rows == [
        ("first_report_created", 2, 1, 1, 0.0),
        ("first_data_import", 2, 0, 2, 0.0),
        ("all_milestones", 2, 1, 1, 0.0),
    ]
    assert q("select count(distinct cohort_week_start_date), count(*) from usage_marts.fct_onboarding_cohorts") == [
        (2, 2 * 7)
    ]


def test_a_day_later_pending_becomes_overdue(warehouse: Path, tmp_path: Path) -> None:
    """One more day of data (a load on 11-02 makes the as-of date 11-01): acc_Q's 7-day target (10-31)
    has passed, so its pending milestones become overdue."""
    db_path = tmp_path / "next_day.duckdb"
    shutil.copyfile(warehouse, db_path)
    later = segment_call(
        "q_next",
        "2026-11-01 12:00:00",
        user_id="q1",
        event="Dashboard Viewed",
        loaded_after=ts("2026-11-02 08:00:00") - ts("2026-11-01 12:00:01"),
    )
    load_fixture(str(db_path), dataset={"raw_segment.tracks": [later]})
    _build(db_path, tmp_path / "target", "run")
    assert query_db(db_path)(
        "select as_of_date, milestone_key, status from usage_marts.fct_account_milestones"
        " where account_id = 'acc_Q' and target_days = 7 order by sort_order"
    ) == [
        (d("2026-11-01"), "first_report_created", "overdue"),
        (d("2026-11-01"), "first_teammate_invited", "overdue"),
    ]
