"""Engagement marts on a small hand-made dataset: windows, stickiness, lifecycle, adoption,
breadth, power users and segments, with every value computed by hand (as-of 2026-03-31).

Accounts (weeks start on Monday):
  acc_E  Team, 4 seats, signed up 2026-01-05. usr_e1 active 03-03, 03-10, 03-23, 03-25;
         usr_e2 active 02-10, 02-11, 03-24, 03-31; usr_e3 active 01-06 only.
  acc_C  Starter, 2 seats, signed up 2026-02-02; its subscription ended 2026-03-11 12:00.
         usr_c1 active 02-03 and 03-20.
  acc_N  Business trial, 10 seats, signed up 2026-03-20 (onboarding). usr_n1 active every
         day 03-20..03-31 (12 days), usr_n2 every day 03-21..03-31 (11 days).
acc_E also has one failed server-log export on 03-30. test_health.py reuses this warehouse.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from conftest import Query, query_db
from fixture_data import Row, load_fixture, log_line, segment_call, ts
from usage_warehouse.dbt import run_dbt

# The as-of date is pinned with var as_of_date; the load times agree with it (the newest load, the app rows at
# 2026-04-01 01:00, makes 2026-03-31 the latest complete day).
AS_OF = "2026-03-31"
LOADED = ts("2026-04-01 01:00:00")


def d(text: str) -> date:
    return date.fromisoformat(text)


def days(first: str, last: str) -> list[str]:
    start, end = d(first), d(last)
    return [(start + timedelta(days=n)).isoformat() for n in range((end - start).days + 1)]


def track(message_id: str, day: str, user_id: str, event: str, hour: int = 12, **columns: Any) -> Row:
    return segment_call(message_id, f"{day} {hour:02d}:00:00", user_id=user_id, event=event, **columns)


def app_row(**columns: Any) -> Row:
    return {**columns, "_loaded_at": LOADED}


ACCOUNTS = [
    app_row(
        id="acc_E",
        name="Established",
        plan="team",
        seats=4,
        industry="software",
        country="DE",
        created_at=ts("2026-01-05 10:00:00"),
        updated_at=ts("2026-01-05 10:00:00"),
    ),
    app_row(
        id="acc_C",
        name="Cancelled",
        plan="starter",
        seats=2,
        industry="retail",
        country="FR",
        created_at=ts("2026-02-02 10:00:00"),
        updated_at=ts("2026-03-11 12:00:00"),
    ),
    app_row(
        id="acc_N",
        name="Newcomer",
        plan="business",
        seats=10,
        industry="software",
        country="US",
        created_at=ts("2026-03-20 10:00:00"),
        updated_at=ts("2026-03-20 10:00:00"),
    ),
]

USERS = [
    app_row(
        id=user_id,
        account_id=account_id,
        email=f"{user_id}@example.com",
        full_name=user_id,
        role="member",
        created_at=ts(f"{signup} 10:30:00"),
        updated_at=ts(f"{signup} 10:30:00"),
    )
    for user_id, account_id, signup in [
        ("usr_e1", "acc_E", "2026-01-05"),
        ("usr_e2", "acc_E", "2026-01-05"),
        ("usr_e3", "acc_E", "2026-01-05"),
        ("usr_c1", "acc_C", "2026-02-02"),
        ("usr_n1", "acc_N", "2026-03-20"),
        ("usr_n2", "acc_N", "2026-03-20"),
    ]
]

SUBSCRIPTIONS = [
    app_row(
        id="sub_E1",
        account_id="acc_E",
        plan="team",
        status="active",
        seats=4,
        mrr_amount=100,
        currency="USD",
        started_at=ts("2026-01-05 10:00:00"),
        created_at=ts("2026-01-05 10:00:00"),
        updated_at=ts("2026-01-05 10:00:00"),
    ),
    app_row(
        id="sub_C1",
        account_id="acc_C",
        plan="starter",
        status="canceled",
        seats=2,
        mrr_amount=0,
        currency="USD",
        started_at=ts("2026-02-02 10:00:00"),
        ended_at=ts("2026-03-11 12:00:00"),
        created_at=ts("2026-02-02 10:00:00"),
        updated_at=ts("2026-03-11 12:00:00"),
    ),
    app_row(
        id="sub_N1",
        account_id="acc_N",
        plan="business",
        status="trialing",
        seats=10,
        mrr_amount=0,
        currency="USD",
        started_at=ts("2026-03-20 10:00:00"),
        created_at=ts("2026-03-20 10:00:00"),
        updated_at=ts("2026-03-20 10:00:00"),
    ),
]

TRACKS = [
    # acc_E. Dashboard Viewed -> dashboards (active); Chart Created -> charts (active, value);
    # Search Performed -> search (active); Report Shared -> report_sharing (active, value).
    track("e3_1", "2026-01-06", "usr_e3", "Dashboard Viewed"),
    track("e2_1", "2026-02-10", "usr_e2", "Chart Created", hour=9),
    track("e2_2", "2026-02-10", "usr_e2", "Chart Created", hour=10),
    track("e2_3", "2026-02-11", "usr_e2", "Chart Created", hour=9),
    track("e2_4", "2026-02-11", "usr_e2", "Chart Created", hour=10),
    track("e1_1", "2026-03-03", "usr_e1", "Dashboard Viewed"),
    track("e1_2", "2026-03-10", "usr_e1", "Dashboard Viewed"),
    track("e1_3", "2026-03-23", "usr_e1", "Dashboard Viewed"),
    track("e2_5", "2026-03-24", "usr_e2", "Search Performed"),
    track("e1_4", "2026-03-25", "usr_e1", "Report Shared", hour=9),
    track("e1_5", "2026-03-25", "usr_e1", "Report Shared", hour=10),
    track("e1_6", "2026-03-25", "usr_e1", "Report Shared", hour=11),
    # 36 searches on the as-of date: 40 events in acc_E's last 7 days, 1 of them failed.
    *[
        segment_call(f"e2_s{n}", f"2026-03-31 12:{n:02d}:00", user_id="usr_e2", event="Search Performed")
        for n in range(36)
    ],
    # acc_C
    track("c1_1", "2026-02-03", "usr_c1", "Dashboard Viewed"),
    track("c1_2", "2026-03-20", "usr_c1", "Dashboard Viewed"),
    # acc_N: Filter Applied -> filters (active)
    *[track(f"n1_{day}", day, "usr_n1", "Filter Applied") for day in days("2026-03-20", "2026-03-31")],
    *[track(f"n2_{day}", day, "usr_n2", "Search Performed") for day in days("2026-03-21", "2026-03-31")],
]

LOG_LINES = [
    # A failed export (level error): error event, feature data_export, neither active nor value.
    log_line(
        "worker/2026-03-30.log",
        1,
        "2026-03-30 13:00:00",
        {
            "ts": "2026-03-30T12:00:00Z",
            "level": "error",
            "service": "export-worker",
            "event": "export.failed",
            "account_id": "acc_E",
            "status": 500,
        },
    ),
]

MARTS = [
    "fct_account_engagement_daily",
    "fct_user_lifecycle",
    "fct_account_lifecycle",
    "fct_feature_adoption",
    "fct_account_feature_breadth",
    "fct_account_power_users",
    "fct_segment_engagement",
    "fct_account_health_daily",
]

DATASET: dict[str, list[Row]] = {
    "raw_segment.tracks": TRACKS,
    "raw_server_logs.log_lines": LOG_LINES,
    "raw_app.accounts": ACCOUNTS,
    "raw_app.users": USERS,
    "raw_app.subscriptions": SUBSCRIPTIONS,
}


_BUILT: dict[str, Path] = {}


@pytest.fixture(scope="session")
def engagement_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This module's dataset, built once per session: test_health.py imports this fixture, and pytest keeps one
    instance per importing module, so the build itself is cached here."""
    if "db_path" not in _BUILT:
        base = tmp_path_factory.mktemp("engagement")
        db_path = base / "warehouse.duckdb"
        load_fixture(str(db_path), dataset=DATASET)
        # Everything these marts are built from (seeds, staging, core and usage marts) with the tests of those
        # models only. Unit tests of incremental models that need a built table are run by test_fixture_marts.py.
        run_dbt(
            [
                "build",
                "--select",
                *(f"+{mart}" for mart in MARTS),
                "--exclude",
                "tag:needs_built_model",
                "--indirect-selection",
                "cautious",
            ],
            db_path=db_path,
            target_path=base / "target",
            dbt_vars={"as_of_date": AS_OF},
        )
        _BUILT["db_path"] = db_path
    return _BUILT["db_path"]


@pytest.fixture(scope="module")
def eq(engagement_warehouse: Path) -> Query:
    return query_db(engagement_warehouse)


def daily(eq: Query, account_id: str, day: str, columns: str) -> tuple[Any, ...]:
    rows = eq(
        f"select {columns} from usage_marts.fct_account_engagement_daily"
        f" where account_id = '{account_id}' and date_day = date '{day}'"
    )
    assert len(rows) == 1
    return rows[0]


def test_spine_is_dense_from_signup_to_as_of(eq: Query) -> None:
    assert eq("select distinct as_of_date from usage_marts.dim_dates") == [(d(AS_OF),)]
    rows = eq(
        "select account_id, count(*), min(date_day), max(date_day)"
        " from usage_marts.fct_account_engagement_daily group by account_id order by account_id"
    )
    # acc_C 02-02..03-31: 27 + 31 = 58 days; acc_E 01-05..03-31: 27 + 28 + 31 = 86; acc_N 03-20..03-31: 12.
    assert rows == [
        ("acc_C", 58, d("2026-02-02"), d(AS_OF)),
        ("acc_E", 86, d("2026-01-05"), d(AS_OF)),
        ("acc_N", 12, d("2026-03-20"), d(AS_OF)),
    ]


def test_user_active_on_days_1_and_3_counts_once_in_wau(eq: Query) -> None:
    # Week of Monday 03-23: usr_e1 active on 03-23 (day 1) and 03-25 (day 3), usr_e2 on 03-24.
    # WAU on 03-25 (window 03-19..03-25) = {usr_e1, usr_e2} = 2, although the daily counts sum to 1 + 1 + 1 = 3.
    assert daily(eq, "acc_E", "2026-03-25", "dau, wau, mau") == (1, 2, 2)
    summed = eq(
        "select sum(dau) from usage_marts.fct_account_engagement_daily"
        " where account_id = 'acc_E' and date_day between date '2026-03-19' and date '2026-03-25'"
    )
    assert summed == [(3,)]


def test_stickiness_and_seat_utilization(eq: Query) -> None:
    # acc_E on 03-31: DAU = {usr_e2} = 1; MAU (03-04..03-31) = {usr_e1 (03-10, 03-23, 03-25), usr_e2 (03-24, 03-31)}
    # = 2 (usr_e3, last active 01-06, is out); stickiness = 1 / 2 = 0.5; 4 paid seats: utilization 2 / 4 = 0.5.
    # WAU (03-25..03-31) = {usr_e1 (03-25), usr_e2} = 2. Active days in the 28: 03-10, 03-23, 03-24, 03-25, 03-31 = 5.
    assert daily(
        eq, "acc_E", AS_OF, "dau, wau, mau, stickiness, paid_seats, seat_utilization, active_days_28d, is_onboarding"
    ) == (1, 2, 2, 0.5, 4, 0.5, 5, False)
    # Events on 03-31: 36 searches; last 7 days: 3 shares (03-25) + 1 failed export (03-30) + 36 = 40, 1 error.
    # Features in the 28 days: dashboards, search, report_sharing, data_export (the failed export) = 4.
    # Value events: 3 shares in the 28 days; 4 charts (02-10, 02-11) in the 28 before (02-04..03-03).
    assert daily(
        eq,
        "acc_E",
        AS_OF,
        "event_count, event_count_7d, error_event_count_7d, features_used_28d,"
        " value_event_count_28d, value_event_count_prior_28d",
    ) == (36, 40, 1, 4, 3, 4)


def test_stickiness_is_null_without_monthly_actives(eq: Query) -> None:
    # acc_C on 03-19: last active 02-03, outside 02-20..03-19: MAU 0, stickiness null (not 0, not an error).
    assert daily(eq, "acc_C", "2026-03-19", "dau, mau, stickiness") == (0, 0, None)


def test_seats_and_subscription_by_day(eq: Query) -> None:
    # acc_C's subscription ends 03-11 at 12:00: in force on 03-10, not from 03-11 on; then the account's seats (2)
    # still apply. On 03-31 MAU = {usr_c1 (03-20)} = 1: utilization 1 / 2 = 0.5.
    assert daily(eq, "acc_C", "2026-03-10", "has_subscription_in_force, is_subscription_ended, paid_seats") == (
        True,
        False,
        2,
    )
    assert daily(eq, "acc_C", "2026-03-11", "has_subscription_in_force, is_subscription_ended") == (False, True)
    assert daily(eq, "acc_C", AS_OF, "mau, paid_seats, seat_utilization, plan") == (1, 2, 0.5, "starter")


def test_onboarding_flag(eq: Query) -> None:
    # acc_N signed up 03-20: 11 days on 03-31 < 30 (var onboarding_period_days).
    assert daily(eq, "acc_N", AS_OF, "days_since_signup, is_onboarding, dau, mau") == (11, True, 2, 2)


def lifecycle(eq: Query, user_id: str, period_type: str = "week") -> list[tuple[Any, ...]]:
    return eq(
        "select period_start_date, lifecycle_status, days_since_last_active from usage_marts.fct_user_lifecycle"
        f" where user_id = '{user_id}' and period_type = '{period_type}' order by period_start_date"
    )


def test_user_lifecycle_new_returning_dormant_resurrected(eq: Query) -> None:
    # usr_e1: 03-03 (new), 03-10 (returning), nothing in the week of 03-16 (dormant: 03-22 - 03-10 = 12 days),
    # 03-23 and 03-25 (resurrected; 03-29 - 03-25 = 4), nothing in the running week (as-of 03-31 - 03-25 = 6).
    assert lifecycle(eq, "usr_e1") == [
        (d("2026-03-02"), "new", 5),
        (d("2026-03-09"), "returning", 5),
        (d("2026-03-16"), "dormant", 12),
        (d("2026-03-23"), "resurrected", 4),
        (d("2026-03-30"), "dormant", 6),
    ]


def test_user_lifecycle_churn_and_resurrection(eq: Query) -> None:
    # usr_e2: last active 02-11, then dormant 11, 18, 25 days; churned once more than 28 days
    # (03-15 - 02-11 = 32); resurrected on 03-24, returning on 03-31.
    assert lifecycle(eq, "usr_e2") == [
        (d("2026-02-09"), "new", 4),
        (d("2026-02-16"), "dormant", 11),
        (d("2026-02-23"), "dormant", 18),
        (d("2026-03-02"), "dormant", 25),
        (d("2026-03-09"), "churned", 32),
        (d("2026-03-16"), "churned", 39),
        (d("2026-03-23"), "resurrected", 5),
        (d("2026-03-30"), "returning", 0),
    ]
    # Months: February new (02-28 - 02-11 = 17), March returning (active in February too).
    assert lifecycle(eq, "usr_e2", "month") == [(d("2026-02-01"), "new", 17), (d("2026-03-01"), "returning", 0)]


def test_account_lifecycle_subscription_end_is_churn(eq: Query) -> None:
    rows = eq(
        "select period_start_date, lifecycle_status, churn_reason, activity_status"
        " from usage_marts.fct_account_lifecycle where account_id = 'acc_C' and period_type = 'week'"
        " order by period_start_date"
    )
    # Active 02-03 only until 03-20. Dormant 12, 19, 26 days; churned (inactive) in the week of 03-02
    # (03-08 - 02-03 = 33 > 28). The subscription ended 03-11: churned (subscription_ended) from the week of 03-09,
    # even in the week of 03-16 when usr_c1 came back (activity alone: resurrected).
    assert rows == [
        (d("2026-02-02"), "new", None, "new"),
        (d("2026-02-09"), "dormant", None, "dormant"),
        (d("2026-02-16"), "dormant", None, "dormant"),
        (d("2026-02-23"), "dormant", None, "dormant"),
        (d("2026-03-02"), "churned", "inactive", "churned"),
        (d("2026-03-09"), "churned", "subscription_ended", "churned"),
        (d("2026-03-16"), "churned", "subscription_ended", "resurrected"),
        (d("2026-03-23"), "churned", "subscription_ended", "dormant"),
        (d("2026-03-30"), "churned", "subscription_ended", "dormant"),
    ]


def test_feature_adoption_share(eq: Query) -> None:
    rows = eq(
        "select feature, active_account_count, adopting_account_count, account_adoption_share,"
        " active_user_count, adopting_user_count, user_adoption_share, new_adopter_account_count,"
        " median_days_to_first_use"
        " from usage_marts.fct_feature_adoption"
        " where period_type = 'month' and period_start_date = date '2026-03-01' and segment_type = 'all'"
        " and feature in ('dashboards', 'search', 'filters', 'charts') order by feature"
    )
    # March: active accounts acc_E, acc_C, acc_N (3); active users usr_e1, usr_e2, usr_c1, usr_n1, usr_n2 (5).
    # charts: only in February -> 0. dashboards: acc_E (usr_e1), acc_C (usr_c1) -> 2/3 and 2/5, first used in
    # January / February -> no new adopters. filters: acc_N (usr_n1) -> 1/3, 1/5; first use 03-20, the signup day
    # -> median 0. search: acc_E (usr_e2), acc_N (usr_n2) -> 2/3, 2/5; first uses in March: acc_E 03-24 (78 days
    # after 01-05: 26 + 28 + 24), acc_N 03-21 (1 day) -> median (1 + 78) / 2 = 39.5.
    assert rows == [
        ("charts", 3, 0, 0.0, 5, 0, 0.0, 0, None),
        ("dashboards", 3, 2, pytest.approx(2 / 3), 5, 2, 0.4, 0, None),
        ("filters", 3, 1, pytest.approx(1 / 3), 5, 1, 0.2, 1, 0.0),
        ("search", 3, 2, pytest.approx(2 / 3), 5, 2, 0.4, 2, 39.5),
    ]
    # Plan segments use the plan in force at the end of the period: acc_C's subscription ended, so its current plan
    # (starter) applies; acc_N is on its business trial.
    plans = eq(
        "select segment_value, active_account_count, adopting_account_count from usage_marts.fct_feature_adoption"
        " where period_type = 'month' and period_start_date = date '2026-03-01' and segment_type = 'plan'"
        " and feature = 'dashboards' order by segment_value"
    )
    assert plans == [("business", 1, 0), ("starter", 1, 1), ("team", 1, 1)]


def test_feature_breadth(eq: Query) -> None:
    rows = eq(
        "select month_start_date, feature_count, module_count, available_feature_count, feature_breadth_share"
        " from usage_marts.fct_account_feature_breadth where account_id = 'acc_E' order by month_start_date"
    )
    # January: dashboards. February: charts. March: dashboards, report_sharing (reporting), search (exploration),
    # data_export (exports) = 4 features in 3 modules. The taxonomy has 20 features: 4 / 20 = 0.2.
    assert rows == [
        (d("2026-01-01"), 1, 1, 20, 0.05),
        (d("2026-02-01"), 1, 1, 20, 0.05),
        (d("2026-03-01"), 4, 3, 20, 0.2),
    ]


def test_power_users(eq: Query) -> None:
    rows = eq(
        "select account_id, user_id, active_days_28d, is_power_user, rank_in_account, account_power_user_count"
        " from usage_marts.fct_account_power_users order by account_id, rank_in_account"
    )
    # var power_user_min_active_days = 12: usr_n1 (03-20..03-31, 12 days) is one, usr_n2 (11 days) is not.
    # acc_E over 03-04..03-31: usr_e1 3 days (03-10, 03-23, 03-25), usr_e2 2 (03-24, 03-31), usr_e3 0.
    assert rows == [
        ("acc_C", "usr_c1", 1, False, 1, 0),
        ("acc_E", "usr_e1", 3, False, 1, 0),
        ("acc_E", "usr_e2", 2, False, 2, 0),
        ("acc_E", "usr_e3", 0, False, 3, 0),
        ("acc_N", "usr_n1", 12, True, 1, 1),
        ("acc_N", "usr_n2", 11, False, 2, 1),
    ]


def test_segment_engagement(eq: Query) -> None:
    rows = eq(
        "select segment_type, segment_value, account_count, median_stickiness, median_seat_utilization,"
        " median_features_used_28d from usage_marts.fct_segment_engagement order by segment_type, segment_value"
    )
    # Only acc_E is compared: acc_C's subscription ended, acc_N is onboarding. 4 seats -> band micro (0-5).
    assert rows == [
        ("all", "all", 1, 0.5, 0.5, 4.0),
        ("industry", "software", 1, 0.5, 0.5, 4.0),
        ("plan", "team", 1, 0.5, 0.5, 4.0),
        ("size_band", "micro", 1, 0.5, 0.5, 4.0),
    ]
