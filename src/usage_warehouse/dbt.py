"""Run the project's dbt commands in-process against a chosen DuckDB warehouse file."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

PROJECT_DIR = Path(__file__).resolve().parents[2]


class DbtCommandError(RuntimeError):
    """A dbt command failed; the message names the command and the failing nodes."""


@contextmanager
def _environment(overrides: Mapping[str, str]) -> Iterator[None]:
    saved = {key: os.environ.get(key) for key in overrides}
    os.environ.update(overrides)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _failures(result: Any) -> list[str]:
    failures: list[str] = []
    results = getattr(result.result, "results", None) or []
    for node_result in results:
        status = str(getattr(node_result, "status", "")).lower()
        if status in {"error", "fail", "runtime error"}:
            name = getattr(getattr(node_result, "node", None), "unique_id", "?")
            failures.append(f"{name}: {status}: {getattr(node_result, 'message', '')}")
    return failures


def run_dbt(
    args: list[str],
    *,
    db_path: str | Path,
    dbt_vars: Mapping[str, Any] | None = None,
    target_path: str | Path | None = None,
    project_dir: Path = PROJECT_DIR,
) -> Any:
    """Run one dbt command (e.g. ["build"]) on the warehouse at db_path.

    Raises DbtCommandError naming every failed node when the command does not succeed.
    """
    from dbt.cli.main import dbtRunner

    cli_args = [*args, "--project-dir", str(project_dir), "--profiles-dir", str(project_dir)]
    if dbt_vars:
        cli_args += ["--vars", json.dumps(dict(dbt_vars))]
    if target_path is not None:
        cli_args += ["--target-path", str(target_path)]
    env = {"USAGE_WAREHOUSE_DUCKDB_PATH": str(Path(db_path).resolve()), "USAGE_WAREHOUSE_TARGET": "duckdb"}
    with _environment(env):
        result = dbtRunner().invoke(cli_args)
    if not result.success:
        detail = "\n  ".join(_failures(result)) or str(result.exception)
        raise DbtCommandError(f"dbt {' '.join(args)} failed on {db_path}:\n  {detail}")
    return result
