"""Funnels: ordered steps within a window, by cohort and plan, on a hand-made dataset (fixture_funnels.py).

Every value below is computed by hand from the events listed in fixture_funnels.py. The same
assertions run on two warehouses: one full build (models and tests), and one landed in two load
batches with an incremental run after each (fun_u4's share first lands without an account, and the
second run restates it: fun_acc_b converts only if it does).

Rules (int_funnels__entity_steps): the entry is the first step-1 event; step k counts at the earliest
step-k event strictly after step k-1 was reached and at most conversion_window_days after the entry.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from conftest import Query, query_db
from fixture_data import load_fixture
from fixture_funnels import AS_OF_DATE, BATCH_CUTOFFS, DATASET
from usage_warehouse.dbt import run_dbt

SELECT = [
    "--select",
    "+fct_funnel_conversions",
    "--exclude",
    "tag:needs_built_model",
    "--indirect-selection",
    "cautious",
]
DBT_VARS = {"as_of_date": AS_OF_DATE}
HOUR = 3600
DAY = 24 * HOUR

SHARE_OF_U4_SQL = "select account_id from usage_marts.fct_usage_events where source_record_id = 'fun_t6'"
CONVERSION_COLUMNS = (
    "step_number, entered_count, reached_previous_count, reached_count, conversion_from_previous,"
    " conversion_from_first, median_seconds_from_previous, open_window_count, is_window_complete"
)


@pytest.fixture(scope="module")
def dbt_target(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One target dir for the module, so that later dbt commands parse partially."""
    return tmp_path_factory.mktemp("funnels_target")


@pytest.fixture(scope="module", params=["full_build", "incremental_batches"])
def q(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, dbt_target: Path) -> Query:
    db_path = tmp_path_factory.mktemp(request.param) / "warehouse.duckdb"

    def dbt(*args: str) -> None:
        run_dbt(list(args), db_path=db_path, target_path=dbt_target, dbt_vars=DBT_VARS)

    if request.param == "full_build":
        load_fixture(str(db_path), dataset=DATASET)
        dbt("build", *SELECT)
    else:
        previous = None
        for cutoff in [*BATCH_CUTOFFS, None]:
            inserted = load_fixture(str(db_path), dataset=DATASET, loaded_after=previous, loaded_until=cutoff)
            assert sum(inserted.values()) > 0, f"batch up to {cutoff} is empty: the cutoffs no longer split the data"
            if previous is None:
                dbt("seed")
            dbt("run", *SELECT)
            if previous is None:
                # Guard: the first batch really lands fun_u4's share without an account (restated later).
                assert query_db(db_path)(SHARE_OF_U4_SQL) == [(None,)]
            previous = cutoff
    return query_db(db_path)


def d(text: str) -> date:
    return date.fromisoformat(text)


def conversions(q: Query, funnel: str, entity: str, grain: str, cohort: str, segment: str = "all") -> list[tuple]:
    return q(
        f"select {CONVERSION_COLUMNS} from usage_marts.fct_funnel_conversions"
        f" where funnel_name = '{funnel}' and entity_type = '{entity}' and cohort_grain = '{grain}'"
        f" and cohort_start_date = date '{cohort}' and segment_value = '{segment}' order by step_number"
    )


def reached(q: Query, funnel: str, entity: str) -> list[tuple]:
    return q(
        "select entity_id, step_number, reached_at, seconds_from_previous"
        " from usage_intermediate.int_funnels__entity_steps"
        f" where funnel_name = '{funnel}' and entity_type = '{entity}' order by entity_id, step_number"
    )


def test_step_done_before_the_previous_one_counts_only_when_done_again(q: Query) -> None:
    rows = reached(q, "report_sharing", "user")
    assert [r for r in rows if r[0] in ("fun_u1", "fun_u2")] == [
        # u1: share 08-03 11:00 came before the view at 12:00; the share of 08-04 09:00 is step 3 (21 h after).
        # The second report of 08-20 does not move the entry.
        ("fun_u1", 1, datetime(2026, 8, 3, 10), None),
        ("fun_u1", 2, datetime(2026, 8, 3, 12), 2 * HOUR),
        ("fun_u1", 3, datetime(2026, 8, 4, 9), 21 * HOUR),
        # u2: shared at 11:00, before the Reports page view at 14:00 (step 2, 4 h), never again: no step 3.
        ("fun_u2", 1, datetime(2026, 8, 4, 10), None),
        ("fun_u2", 2, datetime(2026, 8, 4, 14), 4 * HOUR),
        ("fun_u2", 3, None, None),
    ]


def test_conversion_window_end_is_included_and_later_is_outside(q: Query) -> None:
    rows = reached(q, "report_sharing", "user")
    assert [r for r in rows if r[0] in ("fun_u5", "fun_u6")] == [
        ("fun_u5", 1, datetime(2026, 8, 10, 10), None),
        ("fun_u5", 2, datetime(2026, 8, 10, 11), HOUR),
        # Shared 08-25 10:00: 15 days after the entry > 14: not reached.
        ("fun_u5", 3, None, None),
        ("fun_u6", 1, datetime(2026, 8, 11, 9), None),
        ("fun_u6", 2, datetime(2026, 8, 11, 9, 30), 30 * 60),
        # Shared 08-25 09:00: exactly 14 days after the entry: inside. 14 days - 30 min after the view.
        ("fun_u6", 3, datetime(2026, 8, 25, 9), 14 * DAY - 30 * 60),
    ]


def test_account_level_combines_users_and_keeps_the_accounts_window(q: Query) -> None:
    assert reached(q, "report_sharing", "account") == [
        # acc_a: u1's report, u1's view at 12:00 (u2's page view is later), u1's share of 08-04 09:00.
        ("fun_acc_a", 1, datetime(2026, 8, 3, 10), None),
        ("fun_acc_a", 2, datetime(2026, 8, 3, 12), 2 * HOUR),
        ("fun_acc_a", 3, datetime(2026, 8, 4, 9), 21 * HOUR),
        # acc_b: u3 creates and views, u4 (never an entrant as a user) shares 23 h after the view.
        ("fun_acc_b", 1, datetime(2026, 8, 5, 10), None),
        ("fun_acc_b", 2, datetime(2026, 8, 5, 11), HOUR),
        ("fun_acc_b", 3, datetime(2026, 8, 6, 10), 23 * HOUR),
        # acc_c enters with u5 (08-10 10:00): its window ends 08-24 10:00, before u6's share of 08-25 09:00,
        # so the account does not convert although u6 does as a user.
        ("fun_acc_c", 1, datetime(2026, 8, 10, 10), None),
        ("fun_acc_c", 2, datetime(2026, 8, 10, 11), HOUR),
        ("fun_acc_c", 3, None, None),
    ]
    # u4 shared without a report of their own: no entry as a user.
    assert q("select count(*) from usage_intermediate.int_funnels__entity_steps where entity_id = 'fun_u4'") == [(0,)]


def test_user_cohorts_of_two_weeks_with_medians(q: Query) -> None:
    # Week 08-03: u1, u2, u3. Step 2: 2 h, 4 h, 1 h -> median 2 h. Step 3: u1 only (21 h), 1 of 3.
    assert conversions(q, "report_sharing", "user", "week", "2026-08-03") == [
        (1, 3, 3, 3, 1.0, 1.0, None, 0, True),
        (2, 3, 3, 3, 1.0, 1.0, 2 * HOUR, 0, True),
        (3, 3, 3, 1, pytest.approx(1 / 3), pytest.approx(1 / 3), 21 * HOUR, 0, True),
    ]
    # Week 08-10: u5, u6. Step 2: 1 h and 30 min -> median (3600 + 1800) / 2 = 2700. Step 3: u6 only.
    assert conversions(q, "report_sharing", "user", "week", "2026-08-10") == [
        (1, 2, 2, 2, 1.0, 1.0, None, 0, True),
        (2, 2, 2, 2, 1.0, 1.0, 2700, 0, True),
        (3, 2, 2, 1, 0.5, 0.5, 14 * DAY - 30 * 60, 0, True),
    ]
    # Month 08: step 2 seconds 1800, 3600, 3600, 7200, 14400 -> median 3600; step 3: 75600 and 1207800
    # -> median (75600 + 1207800) / 2 = 641700; 2 of 5 reached it.
    assert conversions(q, "report_sharing", "user", "month", "2026-08-01") == [
        (1, 5, 5, 5, 1.0, 1.0, None, 0, True),
        (2, 5, 5, 5, 1.0, 1.0, 3600, 0, True),
        (3, 5, 5, 2, 0.4, 0.4, 641700, 0, True),
    ]
    assert q(
        "select count(distinct cohort_start_date) from usage_marts.fct_funnel_conversions"
        " where funnel_name = 'report_sharing' and cohort_grain = 'week'"
    ) == [(2,)]


def test_account_cohorts(q: Query) -> None:
    # acc_a and acc_b: step 2 after 2 h and 1 h -> median 5400; step 3 after 21 h and 23 h -> median 22 h.
    assert conversions(q, "report_sharing", "account", "week", "2026-08-03") == [
        (1, 2, 2, 2, 1.0, 1.0, None, 0, True),
        (2, 2, 2, 2, 1.0, 1.0, 5400, 0, True),
        (3, 2, 2, 2, 1.0, 1.0, 22 * HOUR, 0, True),
    ]
    assert conversions(q, "report_sharing", "account", "week", "2026-08-10") == [
        (1, 1, 1, 1, 1.0, 1.0, None, 0, True),
        (2, 1, 1, 1, 1.0, 1.0, HOUR, 0, True),
        (3, 1, 1, 0, 0.0, 0.0, None, 0, True),
    ]


def test_plan_segment_is_the_plan_in_force_on_the_entry_day(q: Query) -> None:
    rows = q(
        "select segment_value, entered_count, reached_count from usage_marts.fct_funnel_conversions"
        " where funnel_name = 'report_sharing' and entity_type = 'user' and cohort_grain = 'week'"
        " and cohort_start_date = date '2026-08-03' and segment_type = 'plan' and step_number = 3"
        " order by segment_value"
    )
    # acc_a is on starter until 08-04 00:00: u1 (entered 08-03) is starter, u2 (entered 08-04) team.
    assert rows == [("business", 1, 0), ("starter", 1, 1), ("team", 1, 0)]


def test_property_filtered_entry_and_open_windows(q: Query) -> None:
    # Only the "complete_profile" step counts: u1 enters on 08-10 09:00 (not with "create_report" on 08-03),
    # so the report of 08-03 is before the entry; the report of 08-20 10:00 is step 3.
    assert [r for r in reached(q, "onboarding", "user") if r[0] == "fun_u1"] == [
        ("fun_u1", 1, datetime(2026, 8, 10, 9), None),
        ("fun_u1", 2, datetime(2026, 8, 11, 9), DAY),
        ("fun_u1", 3, datetime(2026, 8, 20, 10), 9 * DAY + HOUR),
        ("fun_u1", 4, datetime(2026, 8, 21, 10), DAY),
    ]
    # u1's window (30 days) ends 09-09 09:00, after the as-of date 08-31: still converting.
    assert conversions(q, "onboarding", "user", "week", "2026-08-10") == [
        (1, 1, 1, 1, 1.0, 1.0, None, 1, False),
        (2, 1, 1, 1, 1.0, 1.0, DAY, 1, False),
        (3, 1, 1, 1, 1.0, 1.0, 9 * DAY + HOUR, 1, False),
        (4, 1, 1, 1, 1.0, 1.0, DAY, 1, False),
    ]
    # u3 entered 08-05 (week 08-03) and did nothing else; the 08-03 week holds no u1 entry.
    assert conversions(q, "onboarding", "user", "week", "2026-08-03") == [
        (1, 1, 1, 1, 1.0, 1.0, None, 1, False),
        (2, 1, 1, 0, 0.0, 0.0, None, 1, False),
        (3, 1, 0, 0, None, 0.0, None, 1, False),
        (4, 1, 0, 0, None, 0.0, None, 1, False),
    ]


def test_as_of_date_and_row_count(q: Query) -> None:
    assert q("select distinct as_of_date from usage_marts.fct_funnel_conversions") == [(d(AS_OF_DATE),)]
    # report_sharing user: weeks 08-03 (all + 3 plans) and 08-10 (all + starter), month 08 (all + 3 plans):
    # (4 + 2 + 4) segments x 3 steps = 30 rows.
    assert q(
        "select count(*) from usage_marts.fct_funnel_conversions"
        " where funnel_name = 'report_sharing' and entity_type = 'user'"
    ) == [(30,)]
