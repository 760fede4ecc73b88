"""The volume_anomaly generic test: quiet on weekly seasonality, loud on a drop or a surge.

A throw-away dbt project holds one model per scenario over synthetic daily volumes
(8 weeks, two sources: 1,000 rows on weekdays and 300 at weekends, with a few percent of
day-to-day noise; the test's defaults: flag below half or above double the same weekday's
4-week mean, and more than 3 standard deviations away) and applies the project's own
`tests/generic/volume_anomaly.sql` to each. One `dbt build` runs them all;
run_results.json says which failed and how many days each flagged.
"""

from __future__ import annotations

import json
import shutil
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from usage_warehouse.dbt import PROJECT_DIR, DbtCommandError, run_dbt

START = date(2026, 8, 3)  # a Monday
DAYS = 56
LATEST = START + timedelta(days=DAYS - 1)  # Sunday 2026-09-27


def baseline(day_index: int) -> int:
    weekday = (START + timedelta(days=day_index)).weekday()
    base = 300 if weekday >= 5 else 1000
    noise = ((day_index * 37) % 7 - 3) / 100  # -3 % .. +3 %
    return round(base * (1 + noise))


def clean_counts() -> dict[tuple[str, date], int]:
    return {
        (source, START + timedelta(days=i)): baseline(i) for source in ("segment", "server_log") for i in range(DAYS)
    }


WEDNESDAY = LATEST - timedelta(days=4)  # inside the 14 evaluated days
SATURDAY = LATEST - timedelta(days=1)


def scenario(changes: dict[tuple[str, date], int]) -> dict[tuple[str, date], int]:
    counts = clean_counts()
    counts.update(changes)
    return {key: n for key, n in counts.items() if n > 0}


SCENARIOS: dict[str, dict[tuple[str, date], int]] = {
    "clean": scenario({}),
    # A weekday at 40 % of normal: a drop.
    "weekday_drop": scenario({("segment", WEDNESDAY): 400}),
    # A Saturday at a weekday's volume: 1000 vs an expected ~300 is a surge, although it
    # would be an ordinary weekday count.
    "weekend_surge": scenario({("server_log", SATURDAY): 1000}),
    # server_log sends nothing for two days while segment goes on: zero is a drop.
    "source_stopped": scenario({("server_log", WEDNESDAY): 0, ("server_log", WEDNESDAY + timedelta(days=1)): 0}),
    # The newest day is still landing: a low count there is not judged.
    "latest_day_partial": scenario({("segment", LATEST): 50}),
    # An outage five weeks ago is history, outside the 14 evaluated days.
    "old_outage": scenario({("segment", START + timedelta(days=16)): 10}),
    # Steady growth of 12 % a week: the newest weeks are well above the 4-week mean, but not double.
    "steady_growth": {
        (source, START + timedelta(days=i)): round(baseline(i) * 1.12 ** (i // 7))
        for source in ("segment", "server_log")
        for i in range(DAYS)
    },
    # A source of ~20 rows a day tripling is noise, not news: below min_expected_count (50).
    "small_source": {
        **scenario({}),
        **{("tiny", START + timedelta(days=i)): 20 for i in range(DAYS)},
        ("tiny", WEDNESDAY): 60,
    },
}

EXPECTED_FAILURES = {
    "clean": 0,
    "weekday_drop": 1,
    "weekend_surge": 1,
    "source_stopped": 2,
    "latest_day_partial": 0,
    "old_outage": 0,
    "steady_growth": 0,
    "small_source": 0,
}


def write_project(root: Path, db_path: Path) -> None:
    (root / "models").mkdir(parents=True)
    (root / "tests" / "generic").mkdir(parents=True)
    (root / "macros").mkdir()
    shutil.copy(PROJECT_DIR / "tests" / "generic" / "volume_anomaly.sql", root / "tests" / "generic")
    shutil.copy(PROJECT_DIR / "macros" / "cross_db.sql", root / "macros")
    shutil.copy(PROJECT_DIR / "profiles.yml", root)
    (root / "dbt_project.yml").write_text(
        "name: volume_anomaly_check\nversion: '1.0'\nconfig-version: 2\nprofile: usage_warehouse\n"
        "models:\n  volume_anomaly_check:\n    +materialized: view\n"
    )
    models = []
    for name in SCENARIOS:
        (root / "models" / f"{name}.sql").write_text(f"select * from main.raw_{name}")
        models.append(
            {
                "name": name,
                "data_tests": [
                    {
                        "volume_anomaly": {
                            "arguments": {"date_column": "event_date", "group_by": "source"},
                        }
                    }
                ],
            }
        )
    (root / "models" / "_models.yml").write_text(json.dumps({"version": 2, "models": models}))
    with duckdb.connect(str(db_path)) as con:
        for name, counts in SCENARIOS.items():
            con.execute(f"create table raw_{name} (source varchar, event_date date, n integer)")
            con.executemany(
                f"insert into raw_{name} values (?, ?, ?)",
                [[source, day, n] for (source, day), n in counts.items()],
            )
            # One row per event, as the test sees a real event table.
            con.execute(
                f"create or replace table raw_{name} as"
                f" select source, event_date from (select source, event_date, unnest(range(n)) from raw_{name})"
            )


@pytest.fixture(scope="module")
def failures(tmp_path_factory: pytest.TempPathFactory) -> dict[str, int]:
    root = tmp_path_factory.mktemp("volume_project")
    db_path = root / "volume.duckdb"
    write_project(root, db_path)
    with pytest.raises(DbtCommandError):  # some scenarios must fail
        run_dbt(["build"], db_path=db_path, project_dir=root, target_path=root / "target")
    results = json.loads((root / "target" / "run_results.json").read_text())["results"]
    found: dict[str, int] = {}
    for result in results:
        if result["unique_id"].startswith("test."):
            model = next(name for name in SCENARIOS if f"_{name}_" in result["unique_id"])
            found[model] = result["failures"] or 0
    return found


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_volume_anomaly_flags_exactly_the_anomalous_days(failures: dict[str, int], name: str) -> None:
    assert failures[name] == EXPECTED_FAILURES[name]


def test_every_scenario_was_tested(failures: dict[str, int]) -> None:
    assert sorted(failures) == sorted(SCENARIOS)
