"""Retention marts (fct_retention_cohorts, fct_feature_retention) on the hand-made dataset of
pytests/fixture_retention.py, as-of 2026-07-15, with every value computed by hand.

The dataset is built twice: once with one full build, once landed in three load batches (cut at
fixture_retention.CUTOFFS) with an incremental run after each. Every assertion runs on both, and the two
end with identical retention tables.

Period rule (docs/decision_log.md): a member's periods count from their own cohort date; week
period n = days [7n, 7n + 7), month period n = [date + n months, date + n + 1 months). A period row exists
once it has begun for any member; it is complete once it has ended for every member.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from conftest import Query, query_db
from fixture_data import load_fixture
from fixture_retention import AS_OF, CUTOFFS, DATASET
from usage_warehouse.dbt import run_dbt
from usage_warehouse.warehouse import table_rows

MARTS = ("fct_retention_cohorts", "fct_feature_retention")
RETENTION_TABLES = tuple(f"usage_marts.{mart}" for mart in MARTS)
DBT_VARS = {
    "as_of_date": AS_OF,
    "retention_cohort_features": ["charts", "report_sharing"],
    "retention_max_periods": 12,
}
# A batched build: the warehouse and the value of U3_LATE_SQL after each incremental run.
Batched = tuple[Path, list[list[tuple[Any, ...]]]]
SELECT = ["--select", *(f"+{mart}" for mart in MARTS), "--exclude", "tag:needs_built_model"]

# ret_u3's 05-14 call (their week period 1) is loaded on 06-13: in the last batch only.
U3_LATE_SQL = (
    "select retained_count from usage_marts.fct_retention_cohorts where cohort_type = 'signup'"
    " and entity_type = 'user' and cohort_grain = 'week' and cohort_start_date = date '2026-05-04'"
    " and period_number = 1"
)


def d(text: str) -> date:
    return date.fromisoformat(text)


def _dbt(args: list[str], db_path: Path, target: Path) -> None:
    run_dbt(args, db_path=db_path, target_path=target, dbt_vars=DBT_VARS)


def _build_full(base: Path) -> Path:
    db_path = base / "warehouse.duckdb"
    load_fixture(str(db_path), dataset=DATASET)
    # Models, seeds and the data and unit tests of everything upstream of the retention marts.
    _dbt(["build", *SELECT, "--indirect-selection", "cautious"], db_path, base / "target")
    return db_path


def _build_batched(base: Path) -> Batched:
    """The same data landed in three batches, an incremental run after each (the first one with the seeds);
    returns the warehouse and the value of U3_LATE_SQL after each run."""
    db_path = base / "warehouse.duckdb"
    seen = []
    previous = None
    for cutoff in [*CUTOFFS, None]:
        inserted = load_fixture(str(db_path), dataset=DATASET, loaded_after=previous, loaded_until=cutoff)
        assert sum(inserted.values()) > 0, f"batch up to {cutoff} is empty"
        resource_types = ["--resource-type", "model", *(["--resource-type", "seed"] if previous is None else [])]
        _dbt(["build", *SELECT, *resource_types], db_path, base / "target")
        seen.append(query_db(db_path)(U3_LATE_SQL))
        previous = cutoff
    return db_path, seen


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Batched]:
    """Both warehouses (full, batched), built side by side (each dbt command is a child process)."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        full = pool.submit(_build_full, tmp_path_factory.mktemp("retention_full"))
        batched = pool.submit(_build_batched, tmp_path_factory.mktemp("retention_batched"))
        return full.result(), batched.result()


@pytest.fixture(scope="module")
def full_build(builds: tuple[Path, Batched]) -> Path:
    return builds[0]


@pytest.fixture(scope="module")
def batched_build(builds: tuple[Path, Batched]) -> Batched:
    return builds[1]


@pytest.fixture(scope="module", params=["full", "batched"])
def q(request: pytest.FixtureRequest) -> Query:
    if request.param == "full":
        return query_db(request.getfixturevalue("full_build"))
    return query_db(request.getfixturevalue("batched_build")[0])


def curve(q: Query, cohort_type: str, feature: str, entity: str, grain: str, start: str) -> list[tuple[Any, ...]]:
    return q(
        "select period_number, cohort_size, period_started_count, retained_count, is_period_complete"
        " from usage_marts.fct_retention_cohorts"
        f" where cohort_type = '{cohort_type}' and cohort_feature = '{feature}' and entity_type = '{entity}'"
        f" and cohort_grain = '{grain}' and cohort_start_date = date '{start}' order by period_number"
    )


def test_as_of_date_and_cohorts_present(q: Query) -> None:
    assert q("select distinct as_of_date from usage_marts.fct_retention_cohorts") == [(d(AS_OF),)]
    rows = q(
        "select cohort_type, cohort_feature, entity_type, cohort_grain, cohort_start_date, max(cohort_size), count(*)"
        " from usage_marts.fct_retention_cohorts group by all order by all"
    )
    assert rows == [
        # charts: first used by u5 (06-01) and u6 (06-03), account ret_acc_b (06-01). report_sharing: nobody.
        # Rows: week periods that have begun by 07-15 for the earliest member: from 06-01, 06-01 + 7 * 6 = 07-13
        # (p6) but 07-20 (p7) not; months: 06-01 (p0), 07-01 (p1), 08-01 (p2) not.
        ("feature_first_use", "charts", "account", "month", d("2026-06-01"), 1, 2),
        ("feature_first_use", "charts", "account", "week", d("2026-06-01"), 1, 7),
        ("feature_first_use", "charts", "user", "month", d("2026-06-01"), 2, 2),
        ("feature_first_use", "charts", "user", "week", d("2026-06-01"), 2, 7),
        # Accounts: a (05-04), c (05-06), b (05-27) all in May. Weeks from 05-04: p10 starts 07-13, p11 07-20;
        # from 05-27: p7 starts 07-15 (the as-of date: begun), p8 07-22.
        ("signup", "(any)", "account", "month", d("2026-05-01"), 3, 3),
        ("signup", "(any)", "account", "week", d("2026-05-04"), 2, 11),
        ("signup", "(any)", "account", "week", d("2026-05-25"), 1, 8),
        # Users u1..u6 signed up in May; ret_u9 has no signup date (unknown to the app database): no cohort.
        ("signup", "(any)", "user", "month", d("2026-05-01"), 6, 3),
        ("signup", "(any)", "user", "week", d("2026-05-04"), 4, 11),
        ("signup", "(any)", "user", "week", d("2026-05-25"), 2, 8),
    ]


def test_signup_week_cohort_known_curve(q: Query) -> None:
    """u1 (Mon 05-04), u2 (Tue 05-05), u3 (Thu 05-07), u4 (Sun 05-10). Days after the member's own signup:
    u1 05-04 d0 p0, 05-11 d7 p1, 05-18 d14 p2, 05-25 d21 p3, 06-04 d31 p4, 07-14 d71 p10;
    u2 05-11 d6 p0, 05-19 d14 p2, 06-04 d30 p4; u3 05-07 d0 p0, 05-14 d7 p1, 07-06 d60 p8;
    u4 only 05-09, the day before signup: ignored, never retained (still a member).
    Retained: p0 u1 u2 u3 = 3, p1 u1 u3 = 2, p2 u1 u2 = 2, p3 u1 = 1, p4 u1 u2 = 2, p8 u3, p10 u1.
    Complete when u4's period (05-10 + 7n .. 05-16 + 7n) has ended by 07-15: n <= 8 (p8 ends 07-11, p9 07-18).
    Begun: p9 for all (u4's starts 07-12); p10 starts 07-13 (u1), 07-14 (u2), 07-16 (u3), 07-19 (u4): 2."""
    assert curve(q, "signup", "(any)", "user", "week", "2026-05-04") == [
        (0, 4, 4, 3, True),
        (1, 4, 4, 2, True),
        (2, 4, 4, 2, True),
        (3, 4, 4, 1, True),
        (4, 4, 4, 2, True),
        (5, 4, 4, 0, True),
        (6, 4, 4, 0, True),
        (7, 4, 4, 0, True),
        (8, 4, 4, 1, True),
        (9, 4, 4, 0, False),
        (10, 4, 2, 1, False),
    ]
    rates = q(
        "select period_number, retention_rate, first_period_start_date, period_complete_date"
        " from usage_marts.fct_retention_cohorts where cohort_type = 'signup' and entity_type = 'user'"
        " and cohort_grain = 'week' and cohort_start_date = date '2026-05-04' and period_number in (0, 3, 9)"
        " order by period_number"
    )
    # 3/4, 1/4, 0/4; p0 of u1 starts 05-04 and u4's ends 05-16; p3: 05-25 .. 06-06; p9: 07-06 .. 07-18.
    assert rates == [
        (0, 0.75, d("2026-05-04"), d("2026-05-16")),
        (3, 0.25, d("2026-05-25"), d("2026-06-06")),
        (9, 0.0, d("2026-07-06"), d("2026-07-18")),
    ]


def test_feature_cohort_retains_only_on_the_feature(q: Query) -> None:
    """charts cohort, week of 06-01: u5 first used charts 06-01, u6 06-03. u5 p1 (06-08..06-14) only viewed
    dashboards: active, but not retained in charts; u5 p2 (06-15..06-21) charts again. u6 p1 (06-10..06-16)
    charts 06-10; nothing later. Complete once u6's period (06-03 + 7n + 6) ends: p5 ends 07-14, p6 07-21."""
    assert curve(q, "feature_first_use", "charts", "user", "week", "2026-06-01") == [
        (0, 2, 2, 2, True),
        (1, 2, 2, 1, True),
        (2, 2, 2, 1, True),
        (3, 2, 2, 0, True),
        (4, 2, 2, 0, True),
        (5, 2, 2, 0, True),
        (6, 2, 2, 0, False),
    ]
    # The same two users by signup (u5 05-27, u6 05-28: week of 05-25): u5's dashboards day 06-08 falls in their
    # p1 (06-03..06-09) and counts there (any active use): p1 2 of 2, where the charts cohort has 1 of 2.
    assert curve(q, "signup", "(any)", "user", "week", "2026-05-25")[:4] == [
        (0, 2, 2, 2, True),  # u5 06-01 (d5), u6 06-03 (d6)
        (1, 2, 2, 2, True),  # u5 06-08 (d12), u6 06-10 (d13)
        (2, 2, 2, 1, True),  # u5 06-15 (d19); u6's p2 06-11..06-17 empty
        (3, 2, 2, 0, True),
    ]


def test_month_cohort(q: Query) -> None:
    """Users of May: u1 05-04, u2 05-05, u3 05-07, u4 05-10, u5 05-27, u6 05-28. Month periods from the own date:
    u1 p0 05-04..06-03, p1 06-04..07-03, p2 07-04..08-03: 06-04 is p1, 07-14 p2.
    u2 p0 05-05..06-04: 06-04 is still p0 (the same date as u1's, one period earlier).
    u3 p1 06-07..07-06: 07-06 is p1 (its last day). u5, u6: active in p0 only.
    p0 5/6 (all but u4), complete (u6's p0 ends 06-27). p1 u1 u3 = 2/6, begun for all (u6's 06-28), ends 07-27.
    p2 u1 = 1/6, begun for u1 07-04, u2 07-05, u3 07-07, u4 07-10 (not u5 07-27, u6 07-28): 4."""
    assert curve(q, "signup", "(any)", "user", "month", "2026-05-01") == [
        (0, 6, 6, 5, True),
        (1, 6, 6, 2, False),
        (2, 6, 4, 1, False),
    ]
    # charts, June: u5 p0 06-01..06-30, u6 p0 06-03..07-02 (ended by 07-15); nobody in July.
    assert curve(q, "feature_first_use", "charts", "user", "month", "2026-06-01") == [
        (0, 2, 2, 2, True),
        (1, 2, 2, 0, False),
    ]


def test_account_level_retention(q: Query) -> None:
    """ret_acc_a (05-04) is active when any of its users is: 05-04, 05-07, 05-09 (u4, before u4's signup but after
    the account's), 05-11, 05-14, 05-18, 05-19, 05-25, 06-04, 07-06, 07-14 -> week periods from 05-04:
    p0..p4 yes, p5..p8 (06-08..07-05) no, p9 (07-06..07-12) yes, p10 (07-13..07-19) yes.
    ret_acc_c (05-06) never has an active user: its report created by the API (no user) does not count.
    Its p9 ends 07-14 (complete), p10 begins on 07-15, the as-of date itself, and ends 07-21."""
    assert curve(q, "signup", "(any)", "account", "week", "2026-05-04") == [
        (0, 2, 2, 1, True),
        (1, 2, 2, 1, True),
        (2, 2, 2, 1, True),
        (3, 2, 2, 1, True),
        (4, 2, 2, 1, True),
        (5, 2, 2, 0, True),
        (6, 2, 2, 0, True),
        (7, 2, 2, 0, True),
        (8, 2, 2, 0, True),
        (9, 2, 2, 1, True),
        (10, 2, 2, 1, False),
    ]
    # Months (a, c, b 05-27): p0 a, b; p1 a (06-04; b's p1 06-27..07-26 empty); p2 a (07-06), begun for a (07-04)
    # and c (07-06), not b (07-27).
    assert curve(q, "signup", "(any)", "account", "month", "2026-05-01") == [
        (0, 3, 3, 2, True),
        (1, 3, 3, 1, False),
        (2, 3, 2, 1, False),
    ]
    # ret_acc_b's charts: first 06-01 (u5); p1 06-08..06-14 has u6's 06-10 and p2 u5's 06-15: at account level the
    # cohort keeps its account where the user-level one lost u5 in p1.
    assert curve(q, "feature_first_use", "charts", "account", "week", "2026-06-01")[:4] == [
        (0, 1, 1, 1, True),
        (1, 1, 1, 1, True),
        (2, 1, 1, 1, True),
        (3, 1, 1, 0, True),
    ]


def test_feature_retention(q: Query) -> None:
    rows = q(
        "select entity_type, period_grain, period_start_date, entity_count, retained_count, retention_rate,"
        " is_next_period_complete from usage_marts.fct_feature_retention where feature = 'charts' order by all"
    )
    assert rows == [
        # June: ret_acc_b; July (running to 07-31) nothing yet.
        ("account", "month", d("2026-06-01"), 1, 0, 0.0, False),
        ("account", "week", d("2026-06-01"), 1, 1, 1.0, True),  # u5 06-01 -> u6 06-10
        ("account", "week", d("2026-06-08"), 1, 1, 1.0, True),  # u6 06-10 -> u5 06-15
        ("account", "week", d("2026-06-15"), 1, 0, 0.0, True),
        ("user", "month", d("2026-06-01"), 2, 0, 0.0, False),
        ("user", "week", d("2026-06-01"), 2, 1, 0.5, True),  # u5, u6 -> only u6 (06-10); u5 viewed dashboards
        ("user", "week", d("2026-06-08"), 1, 0, 0.0, True),  # u6 -> no
        ("user", "week", d("2026-06-15"), 1, 0, 0.0, True),  # u5 -> no
    ]
    dashboards = q(
        "select period_grain, period_start_date, entity_count, retained_count, retention_rate, is_next_period_complete"
        " from usage_marts.fct_feature_retention where feature = 'dashboards' and entity_type = 'user'"
        " and (period_grain = 'month' or period_start_date >= date '2026-07-01') order by all"
    )
    assert dashboards == [
        # May: u1, u2, u3, u4 (05-09: feature use does not care about signup); June: u1, u2 -> 2/4.
        ("month", d("2026-05-01"), 4, 2, 0.5, True),
        # June: u1, u2 (06-04), u9 (06-02), u5 (06-08); July so far: u1 (07-14) -> 1/4, July still running.
        ("month", d("2026-06-01"), 4, 1, 0.25, False),
        # Week of 07-06: u3; the week of 07-13 runs to 07-19 (not complete) and has no u3 yet. The week of 07-13
        # itself has not ended: no row.
        ("week", d("2026-07-06"), 1, 0, 0.0, False),
    ]


def test_batches_restate_late_activity_and_end_equal_to_full_build(full_build: Path, batched_build: Batched) -> None:
    db_path, seen = batched_build
    # After the second batch u3's 05-14 call has not landed: p1 has u1 only; the last batch restates it to 2.
    assert seen == [[(1,)], [(1,)], [(2,)]]
    for table in RETENTION_TABLES:
        assert table_rows(db_path, table) == table_rows(full_build, table), f"{table} differs from a full build"
