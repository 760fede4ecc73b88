"""The semantic layer (models/semantic/) queried with MetricFlow's `mf` CLI on the fixture warehouse.

Every expected value is counted by hand from the fixture (pytests/fixture_data.py; as-of date
2026-10-02) and, where a mart holds the same number, checked against a plain SQL query on it.
Active means an active-use event of a user with an account (docs/decision_log.md, "Active user,
active day"): usr_1 on 09-30 (a server-log event shifted from 23:30 UTC-5), usr_1 and usr_2
(acc_A) on 10-01, usr_3 (acc_B) on 10-02, and usr_1, usr_3, usr_4 on 10-03, after the as-of date.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from dbt_semantic_interfaces.implementations.semantic_manifest import PydanticSemanticManifest
from dbt_semantic_interfaces.validations.semantic_manifest_validator import SemanticManifestValidator

from conftest import Query
from usage_warehouse.dbt import PROJECT_DIR, run_dbt

Row = dict[str, str]
MfQuery = Callable[..., list[Row]]


def _mf_executable() -> str:
    candidate = Path(sys.executable).with_name("mf")
    return str(candidate) if candidate.exists() else "mf"


@pytest.fixture(scope="module")
def semantic_manifest_path(fixture_warehouse: Path, dbt_target_path: Path) -> Path:
    """target/semantic_manifest.json of the fixture build (`dbt parse` writes it when missing)."""
    path = dbt_target_path / "semantic_manifest.json"
    if not path.exists():
        run_dbt(["parse"], db_path=fixture_warehouse, target_path=dbt_target_path)
    return path


@pytest.fixture(scope="module")
def mf(fixture_warehouse: Path, semantic_manifest_path: Path, tmp_path_factory: pytest.TempPathFactory) -> MfQuery:
    """Run `mf query` on the fixture warehouse and return the rows of its CSV output.

    mf reads <project>/target/semantic_manifest.json, so it runs in a directory holding the
    project file and a `target` link to the fixture's target path (its logs land there too).
    """
    root = tmp_path_factory.mktemp("mf_project")
    (root / "dbt_project.yml").symlink_to(PROJECT_DIR / "dbt_project.yml")
    (root / "target").symlink_to(semantic_manifest_path.parent)
    env = {
        **os.environ,
        "DBT_PROFILES_DIR": str(PROJECT_DIR),
        "USAGE_WAREHOUSE_DUCKDB_PATH": str(fixture_warehouse.resolve()),
        "USAGE_WAREHOUSE_TARGET": "duckdb",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    runs = iter(range(1_000))

    def query(metrics: list[str], group_by: list[str], *extra: str) -> list[Row]:
        out = root / f"result_{next(runs)}.csv"
        cmd = [_mf_executable(), "query", "--metrics", ",".join(metrics), "--group-by", ",".join(group_by)]
        done = subprocess.run(
            [*cmd, *extra, "--csv", str(out), "--quiet"], cwd=root, env=env, capture_output=True, text=True, check=False
        )
        if done.returncode != 0 or not out.exists():
            raise AssertionError(
                f"`{' '.join(cmd)}` failed (exit {done.returncode}) on {fixture_warehouse}:\n"
                f"{done.stdout}\n{done.stderr}"
            )
        with out.open(newline="") as handle:
            return list(csv.DictReader(handle))

    return query


def by_key(rows: list[Row], *key: str) -> dict[tuple[str, ...], dict[str, float | None]]:
    """Rows keyed by the given columns (metric_time cut to YYYY-MM-DD); the other columns as numbers."""
    result: dict[tuple[str, ...], dict[str, float | None]] = {}
    for row in rows:
        values = {name: (float(value) if value != "" else None) for name, value in row.items() if name not in key}
        result[tuple(row[name][:10] if name.startswith("metric_time") else row[name] for name in key)] = values
    return result


def test_events_and_active_users_per_day(mf: MfQuery, q: Query) -> None:
    rows = by_key(
        mf(["events", "active_users", "active_accounts", "event_quantity"], ["metric_time__day"]), "metric_time__day"
    )
    assert rows == {
        # usr_1's server-log automation run at 23:30 UTC-5 on 09-29 is 04:30 UTC on 09-30.
        ("2026-09-30",): {"events": 1, "active_users": 1, "active_accounts": 1, "event_quantity": 1},
        # usr_1 and usr_2 of acc_A; the automation run processed 120 records, 5 more rows are 1 each.
        ("2026-10-01",): {"events": 7, "active_users": 2, "active_accounts": 1, "event_quantity": 126},
        # usr_3 of acc_B; an import of 5000 rows.
        ("2026-10-02",): {"events": 4, "active_users": 1, "active_accounts": 1, "event_quantity": 5003},
        # The day after the as-of date still has its events (simple metrics are not cut at the as-of date).
        ("2026-10-03",): {"events": 6, "active_users": 3, "active_accounts": 2, "event_quantity": 6},
    }
    by_sql = q(
        """
        select
            cast(event_date as varchar),
            count(*),
            count(distinct case when is_active_use and account_id is not null then user_id end),
            count(distinct case when is_active_use and user_id is not null then account_id end),
            sum(quantity)
        from usage_marts.fct_usage_events
        group by event_date
        """
    )
    assert {
        (day,): {"events": e, "active_users": u, "active_accounts": a, "event_quantity": float(qty)}
        for day, e, u, a, qty in by_sql
    } == rows


def test_dau_wau_mau_stickiness_per_account_match_the_engagement_mart(mf: MfQuery, q: Query) -> None:
    metrics = ["active_users", "weekly_active_users", "monthly_active_users", "stickiness"]
    rows = by_key(
        mf(metrics, ["metric_time__day", "account"], "--end-time", "2026-10-02"), "metric_time__day", "account"
    )
    assert rows == {
        ("2026-09-30", "acc_A"): {
            "active_users": 1,
            "weekly_active_users": 1,
            "monthly_active_users": 1,
            "stickiness": 1,
        },
        ("2026-10-01", "acc_A"): {
            "active_users": 2,
            "weekly_active_users": 2,
            "monthly_active_users": 2,
            "stickiness": 1,
        },
        # acc_A has no active user on 10-02: DAU is missing (no row), stickiness 0 / 2.
        ("2026-10-02", "acc_A"): {
            "active_users": None,
            "weekly_active_users": 2,
            "monthly_active_users": 2,
            "stickiness": 0,
        },
        ("2026-10-02", "acc_B"): {
            "active_users": 1,
            "weekly_active_users": 1,
            "monthly_active_users": 1,
            "stickiness": 1,
        },
    }
    mart = q(
        """
        select cast(date_day as varchar), account_id, dau, wau, mau, stickiness
        from usage_marts.fct_account_engagement_daily
        where mau > 0
        """
    )
    assert {
        (day, account): {
            "active_users": dau or None,
            "weekly_active_users": wau,
            "monthly_active_users": mau,
            "stickiness": stickiness,
        }
        for day, account, dau, wau, mau, stickiness in mart
    } == rows


def test_app_level_trailing_windows_count_each_user_once(mf: MfQuery) -> None:
    rows = by_key(
        mf(["weekly_active_users", "monthly_active_users", "stickiness"], ["metric_time__day"]), "metric_time__day"
    )
    # On 10-02: usr_1, usr_2 (acc_A) and usr_3 (acc_B) in the trailing 7 and 28 days, usr_3 that day.
    assert rows[("2026-10-02",)] == {
        "weekly_active_users": 3,
        "monthly_active_users": 3,
        "stickiness": pytest.approx(1 / 3),
    }
    # The time spine (dim_dates) ends on the as-of date: no trailing window for 10-03.
    assert rows[("2026-10-03",)] == {"weekly_active_users": None, "monthly_active_users": None, "stickiness": None}


def test_weekly_active_accounts_by_plan(mf: MfQuery, q: Query) -> None:
    rows = by_key(
        mf(["weekly_active_accounts", "active_accounts", "active_users"], ["metric_time__week", "account__plan"]),
        "metric_time__week",
        "account__plan",
    )
    assert rows == {
        # Week of Monday 09-28: acc_A (team) and acc_B (business). Trailing 7 days end on the as-of date 10-02;
        # active_users counts the whole calendar week, 10-03 included (usr_4 joins acc_B).
        ("2026-09-28", "team"): {"weekly_active_accounts": 1, "active_accounts": 1, "active_users": 2},
        ("2026-09-28", "business"): {"weekly_active_accounts": 1, "active_accounts": 1, "active_users": 2},
    }
    weekly_by_sql = q(
        """
        select dim_accounts.plan, count(distinct engagement.account_id)
        from usage_marts.fct_account_engagement_daily as engagement
        inner join usage_marts.dim_accounts as dim_accounts on engagement.account_id = dim_accounts.account_id
        where engagement.date_day between date '2026-09-28' and date '2026-10-02' and engagement.dau > 0
        group by dim_accounts.plan
        """
    )
    assert {plan: count for plan, count in weekly_by_sql} == {
        plan: values["weekly_active_accounts"] for (_, plan), values in rows.items()
    }


def test_monthly_feature_adoption_rate_matches_the_adoption_mart(mf: MfQuery, q: Query) -> None:
    rows = by_key(
        mf(
            [
                "monthly_feature_adoption_rate",
                "monthly_feature_adopting_accounts",
                "monthly_adoption_eligible_accounts",
            ],
            ["metric_time__month", "feature"],
            "--where",
            "{{ Dimension('feature__module') }} = 'reporting'",
        ),
        "metric_time__month",
        "feature",
    )
    # October: acc_A and acc_B active; both viewed dashboards, only acc_A exported or created reports.
    assert rows[("2026-10-01", "dashboards")] == {
        "monthly_feature_adoption_rate": 1,
        "monthly_feature_adopting_accounts": 2,
        "monthly_adoption_eligible_accounts": 2,
    }
    assert rows[("2026-10-01", "reports")] == {
        "monthly_feature_adoption_rate": 0.5,
        "monthly_feature_adopting_accounts": 1,
        "monthly_adoption_eligible_accounts": 2,
    }
    mart = q(
        """
        select cast(adoption.period_start_date as varchar), adoption.feature, adoption.account_adoption_share,
            adoption.adopting_account_count, adoption.active_account_count
        from usage_marts.fct_feature_adoption as adoption
        inner join usage_marts.dim_features as features on adoption.feature = features.feature
        where adoption.period_type = 'month' and adoption.segment_type = 'all' and features.module = 'reporting'
        """
    )
    assert {
        (month, feature): {
            "monthly_feature_adoption_rate": share,
            "monthly_feature_adopting_accounts": adopting,
            "monthly_adoption_eligible_accounts": eligible,
        }
        for month, feature, share, adopting, eligible in mart
    } == rows


def test_health_score_distribution_by_band(mf: MfQuery, q: Query) -> None:
    rows = by_key(
        mf(
            ["health_banded_accounts", "average_health_score"],
            ["metric_time__day", "account_health_day__health_band"],
            "--start-time",
            "2026-10-02",
        ),
        "metric_time__day",
        "account_health_day__health_band",
    )
    # On the as-of date acc_A (signed up 09-01) is scored, acc_B (signed up 09-15) is still onboarding.
    assert rows == {
        ("2026-10-02", "neutral"): {
            "health_banded_accounts": 1,
            "average_health_score": pytest.approx(56.3333, abs=1e-3),
        },
        ("2026-10-02", "onboarding"): {"health_banded_accounts": 1, "average_health_score": None},
    }
    mart = q(
        """
        select health_band, count(*), avg(health_score)
        from usage_marts.fct_account_health_daily
        where date_day = date '2026-10-02'
        group by health_band
        """
    )
    assert sorted(mart) == [("neutral", 1, pytest.approx(56.3333, abs=1e-3)), ("onboarding", 1, None)]


def test_billable_quantity_by_unit_and_plan(mf: MfQuery, q: Query) -> None:
    rows = by_key(
        mf(
            ["billable_quantity", "overage_quantity"],
            ["metric_time__month", "billable_usage__billable_unit", "account__plan"],
            "--where",
            "{{ Dimension('billable_usage__billable_unit') }} in ('records_processed', 'rows_imported', 'reports')",
        ),
        "metric_time__month",
        "billable_usage__billable_unit",
        "account__plan",
    )
    october = {key[1:]: values for key, values in rows.items() if key[0] == "2026-10-01"}
    # October: acc_A (team) processed 120 records and created a report; acc_B (business) imported 5000 rows.
    # Every quantity is within the plan's entitlement: no overage.
    assert october == {
        ("records_processed", "team"): {"billable_quantity": 120, "overage_quantity": 0},
        ("records_processed", "business"): {"billable_quantity": 0, "overage_quantity": 0},
        ("rows_imported", "team"): {"billable_quantity": 0, "overage_quantity": 0},
        ("rows_imported", "business"): {"billable_quantity": 5000, "overage_quantity": 0},
        ("reports", "team"): {"billable_quantity": 1, "overage_quantity": 0},
        ("reports", "business"): {"billable_quantity": 0, "overage_quantity": 0},
    }
    assert q("select sum(quantity) from usage_marts.fct_account_billable_usage")[0][0] == sum(
        values["billable_quantity"] or 0 for values in rows.values()
    )


def _validation_errors(manifest: dict[str, Any]) -> list[str]:
    parsed = PydanticSemanticManifest.parse_obj(manifest)
    result = SemanticManifestValidator[PydanticSemanticManifest]().validate_semantic_manifest(parsed)
    return [issue.message for issue in result.errors]


def test_the_semantic_manifest_is_valid_and_a_broken_metric_is_rejected(semantic_manifest_path: Path) -> None:
    manifest = json.loads(semantic_manifest_path.read_text())
    assert _validation_errors(manifest) == []
    (stickiness,) = [metric for metric in manifest["metrics"] if metric["name"] == "stickiness"]
    stickiness["type_params"]["metrics"][1]["name"] = "monthly_active_user"
    assert _validation_errors(manifest) == [
        "For metric: stickiness, input metric: 'monthly_active_user' does not exist as a configured metric in the"
        " model."
    ]
