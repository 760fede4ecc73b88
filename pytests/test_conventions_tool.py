"""`make conventions` (dbt-bouncer on the manifest; it passes on the project) catches violations.

A copy of the project gets one mart that breaks the rules (reads a source, no properties,
no primary-key test, no contract) and one intermediate model that skips staging; the
checks must fail on exactly those models.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from usage_warehouse.dbt import PROJECT_DIR, run_dbt

PROJECT_PARTS = ["dbt_project.yml", "profiles.yml", "selectors.yml", "dbt-bouncer.yml", "models", "macros", "seeds"]
PROJECT_PARTS += ["tests", "snapshots", "analyses", "docs"]


def bouncer(project: Path, tmp_path: Path) -> tuple[int, list[dict[str, str]]]:
    """Parse the project and run dbt-bouncer on it; returns the exit code and the failed checks."""
    run_dbt(
        ["parse", "--quiet"],
        db_path=tmp_path / "parse.duckdb",
        project_dir=project,
        target_path=project / "target/conventions",
    )
    results = tmp_path / "bouncer.json"
    executable = Path(sys.executable).with_name("dbt-bouncer")
    proc = subprocess.run(
        [str(executable), "run", "--config-file", "dbt-bouncer.yml", "--output-file", str(results)],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )
    failed = [result for result in json.loads(results.read_text()) if result["outcome"] != "success"]
    return proc.returncode, failed


@pytest.fixture(scope="module")
def broken_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = tmp_path_factory.mktemp("conventions") / "project"
    project.mkdir()
    for part in PROJECT_PARTS:
        source = PROJECT_DIR / part
        if source.is_dir():
            shutil.copytree(source, project / part)
        else:
            shutil.copy(source, project / part)
    (project / "models/marts/core/fct_raw_tracks.sql").write_text(
        "select id as message_id from {{ source('segment', 'tracks') }}\n"
    )
    (project / "models/intermediate/usage/int_usage__base_tracks.sql").write_text(
        "select * from {{ ref('base_segment__tracks') }}\n"
    )
    return project


def test_violations_fail_naming_model_and_check(broken_project: Path, tmp_path: Path) -> None:
    code, failed = bouncer(broken_project, tmp_path)
    assert code != 0
    found = {(result["unique_id"].rsplit(".", 1)[-1], result["check_run_id"].split(":")[0]) for result in failed}
    assert found == {
        ("fct_raw_tracks", "check_lineage_source_cannot_be_used"),
        ("fct_raw_tracks", "check_model_description_populated"),
        ("fct_raw_tracks", "check_model_documented_in_same_directory"),
        ("fct_raw_tracks", "check_model_has_unique_test"),
        ("fct_raw_tracks", "check_model_has_contracts_enforced"),
        ("int_usage__base_tracks", "check_lineage_permitted_upstream_models"),
        ("int_usage__base_tracks", "check_model_description_populated"),
        ("int_usage__base_tracks", "check_model_documented_in_same_directory"),
        ("int_usage__base_tracks", "check_model_has_unique_test"),
    }
