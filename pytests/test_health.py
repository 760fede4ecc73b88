"""Account health scores on the hand-made dataset of test_engagement.py (as-of 2026-03-31),
with the project's seeds: weights engagement 0.30 (target 20 days), adoption_breadth 0.20
(target 12 features), value_trend 0.20, seat_utilization 0.20, error_rate 0.10; bands
at_risk [0, 40), neutral [40, 70), healthy [70, 100]. Plus: a bad configuration fails the
build and its failing rows name the rows."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from conftest import Query, query_db
from test_engagement import AS_OF, engagement_warehouse  # noqa: F401  (the warehouse fixture, built once)
from usage_warehouse.dbt import PROJECT_DIR, DbtCommandError, run_dbt
from usage_warehouse.warehouse import query

COMPONENTS = ["engagement", "adoption_breadth", "value_trend", "seat_utilization", "error_rate"]


@pytest.fixture(scope="module")
def hq(engagement_warehouse: Path) -> Query:  # noqa: F811
    return query_db(engagement_warehouse)


def health(hq: Query, account_id: str, day: str, columns: str) -> tuple[Any, ...]:
    rows = hq(
        f"select {columns} from usage_marts.fct_account_health_daily"
        f" where account_id = '{account_id}' and date_day = date '{day}'"
    )
    assert len(rows) == 1
    return rows[0]


def scores(hq: Query, account_id: str, day: str) -> tuple[Any, ...]:
    return health(hq, account_id, day, ", ".join(f"{c}_signal, {c}_score" for c in COMPONENTS))


def test_health_score_from_known_components(hq: Query) -> None:
    # acc_E on 03-31 (86 days after signup, scored):
    #   engagement        5 active days (03-10, 03-23, 03-24, 03-25, 03-31)  / target 20    -> 25
    #   adoption_breadth  4 features (dashboards, search, report_sharing, data_export) / 12  -> 100/3 = 33.33
    #   value_trend       3 shares / 4 charts = 0.75, from floor 0.5 to target 1.0          -> 50
    #   seat_utilization  MAU 2 / 4 seats = 0.5, target 0.8: 0.5 / 0.8 = 0.625             -> 62.5
    #   error_rate        1 failed of 40 events = 0.025, floor 0.05 -> target 0: halfway   -> 50
    # total = 0.30 * 25 + 0.20 * 100/3 + 0.20 * 50 + 0.20 * 62.5 + 0.10 * 50
    #       = 7.5 + 20/3 + 10 + 12.5 + 5 = 35 + 20/3 = 41.67 -> neutral (40 <= 41.67 < 70)
    assert scores(hq, "acc_E", AS_OF) == pytest.approx((5, 25, 4, 100 / 3, 0.75, 50, 0.5, 62.5, 0.025, 50))
    score, band, weight = health(hq, "acc_E", AS_OF, "health_score, health_band, scored_weight")
    assert (score, band, weight) == (pytest.approx(35 + 20 / 3), "neutral", pytest.approx(1.0))


def test_health_score_seven_days_earlier(hq: Query) -> None:
    # acc_E on 03-24:
    #   engagement        4 active days (03-03, 03-10, 03-23, 03-24) / 20               -> 20
    #   adoption_breadth  2 features (dashboards, search) / 12                         -> 50/3 = 16.67
    #   value_trend       0 value events in 02-25..03-24 / 4 charts in 01-28..02-24 = 0 -> 0 (below the floor)
    #   seat_utilization  MAU 2 / 4 = 0.5                                              -> 62.5
    #   error_rate        0 failed of 2 events (03-18..03-24)                          -> 100
    # total = 0.30 * 20 + 0.20 * 50/3 + 0.20 * 0 + 0.20 * 62.5 + 0.10 * 100
    #       = 6 + 10/3 + 0 + 12.5 + 10 = 28.5 + 10/3 = 31.83 -> at_risk
    assert scores(hq, "acc_E", "2026-03-24") == pytest.approx((4, 20, 2, 50 / 3, 0, 0, 0.5, 62.5, 0, 100))
    score, band = health(hq, "acc_E", "2026-03-24", "health_score, health_band")
    assert (score, band) == (pytest.approx(28.5 + 10 / 3), "at_risk")


def test_change_and_component_that_moved_most(hq: Query) -> None:
    # Change over 7 days: (35 + 20/3) - (28.5 + 10/3) = 6.5 + 10/3 = 9.83. Weighted component changes 03-24 -> 03-31:
    #   engagement 0.30 * (25 - 20) = 1.5; adoption_breadth 0.20 * (100/3 - 50/3) = 10/3; value_trend
    #   0.20 * (50 - 0) = 10; seat_utilization 0.20 * 0 = 0; error_rate 0.10 * (50 - 100) = -5
    #   -> value_trend moved most, +10.
    # Change over 30 days, against 03-01: engagement 2 days (02-10, 02-11) -> 10; 1 feature (charts) -> 100/12 = 25/3;
    #   value 4 charts / max(0, 1) = 4 -> 100; MAU 1 / 4 = 0.25 -> 0.25 / 0.8 = 31.25; no event in 02-23..03-01,
    #   so no error rate: the other weights are re-normalised over 0.9:
    #   (0.30 * 10 + 0.20 * 25/3 + 0.20 * 100 + 0.20 * 31.25) / 0.9 = (29.25 + 5/3) / 0.9 = 34.35
    #   change: (35 + 20/3) - 34.35 = 7.31
    assert health(
        hq,
        "acc_E",
        AS_OF,
        "health_score_change_7d, health_score_change_30d, most_moved_component_key, most_moved_weighted_change_7d",
    ) == (
        pytest.approx(6.5 + 10 / 3),
        pytest.approx(35 + 20 / 3 - (29.25 + 5 / 3) / 0.9),
        "value_trend",
        pytest.approx(10.0),
    )
    march_first = health(hq, "acc_E", "2026-03-01", "error_rate_signal, error_rate_score, scored_weight, health_score")
    assert march_first == (None, None, pytest.approx(0.9), pytest.approx((29.25 + 5 / 3) / 0.9))


def test_onboarding_account_is_not_scored(hq: Query) -> None:
    # acc_N signed up 03-20: 11 days < 30 -> band onboarding, no total, no most-moved component, although its
    # components are measured (12 active days of target 20 -> 60).
    assert health(
        hq,
        "acc_N",
        AS_OF,
        "is_onboarding, health_band, health_score, health_score_change_7d, most_moved_component_key, engagement_score",
    ) == (True, "onboarding", None, None, None, pytest.approx(60.0))
    # Every onboarding day of every account, and only those, is in band onboarding.
    assert hq(
        "select count(*) from usage_marts.fct_account_health_daily where is_onboarding <> (health_band = 'onboarding')"
    ) == [(0,)]


def test_bad_configuration_fails_naming_the_rows(tmp_path: Path) -> None:
    """Weights that do not sum to 1 and bands with a gap fail the build; the stored failing rows name the rows."""
    project = tmp_path / "project"
    shutil.copytree(
        PROJECT_DIR,
        project,
        ignore=shutil.ignore_patterns(".venv", ".git", "target", "logs", "warehouse", "pytests", "src", "*.duckdb*"),
    )
    components = project / "seeds" / "health_score_components.csv"
    lines = components.read_text().splitlines()
    # engagement 0.30 -> 0.40: the enabled weights sum to 1.1.
    lines = [line.replace(",0.30,true,", ",0.40,true,") if line.startswith("engagement,") else line for line in lines]
    components.write_text("\n".join(lines) + "\n")
    (project / "seeds" / "health_score_bands.csv").write_text(
        "band,min_score,max_score,description\nat_risk,0,40,a\nneutral,40,65,b\nhealthy,70,100,c\n"
    )
    db_path = tmp_path / "bad_config.duckdb"
    with pytest.raises(DbtCommandError) as failure:
        run_dbt(
            ["build", "--select", "health_score_components", "health_score_bands", "--store-failures"],
            db_path=db_path,
            target_path=tmp_path / "target",
            project_dir=project,
        )
    message = str(failure.value)
    assert "weights_sum_to_one_health_score_components" in message
    assert "ranges_are_contiguous_health_score_bands" in message
    tables = dict(
        query(
            db_path,
            "select table_name, table_schema from information_schema.tables where table_schema like '%audit%'",
        )
    )
    weights_table = next(name for name in tables if name.startswith("weights_sum_to_one"))
    weight_rows = query(
        db_path, f"select row_key, enabled_weight_total from {tables[weights_table]}.{weights_table} order by row_key"
    )
    # Every enabled row is listed with the total it adds up to: 0.40 + 0.20 + 0.20 + 0.20 + 0.10 = 1.1.
    assert [key for key, _ in weight_rows] == sorted(COMPONENTS)
    assert all(float(total) == pytest.approx(1.1) for _, total in weight_rows)
    bands_table = next(name for name in tables if name.startswith("ranges_are_contiguous"))
    band_rows = query(db_path, f"select range_key, problem from {tables[bands_table]}.{bands_table}")
    assert band_rows == [("neutral", "the next range does not start right after this one (gap or overlap)")]
