"""Run the project's dbt commands against a chosen DuckDB warehouse file.

dbt runs in a child process: the warehouse file is free again when a command returns,
so the caller can open it (DuckDB allows one writer process at a time).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

PROJECT_DIR = Path(__file__).resolve().parents[2]

_FAILURE_LINE = re.compile(r"(ERROR|FAIL)\b|Error in |Failure in ")


class DbtCommandError(RuntimeError):
    """A dbt command failed; the message names the command and quotes dbt's error lines."""


def dbt_executable() -> str:
    candidate = Path(sys.executable).with_name("dbt")
    return str(candidate) if candidate.exists() else "dbt"


def run_dbt(
    args: list[str],
    *,
    db_path: str | Path,
    dbt_vars: Mapping[str, Any] | None = None,
    target_path: str | Path | None = None,
    project_dir: Path = PROJECT_DIR,
    stream: bool = False,
) -> str:
    """Run one dbt command (e.g. ["build"]) on the warehouse at db_path and return its output.

    With stream=True the output is shown as it comes (progress for long runs). Raises
    DbtCommandError quoting dbt's error lines when the command does not succeed.
    """
    cmd = [dbt_executable(), *args, "--project-dir", str(project_dir), "--profiles-dir", str(project_dir)]
    if dbt_vars:
        cmd += ["--vars", json.dumps(dict(dbt_vars))]
    if target_path is not None:
        cmd += ["--target-path", str(target_path)]
    env = {
        **os.environ,
        "USAGE_WAREHOUSE_DUCKDB_PATH": str(Path(db_path).resolve()),
        "USAGE_WAREHOUSE_TARGET": "duckdb",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    if stream:
        proc = subprocess.Popen(
            cmd, cwd=project_dir, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        assert proc.stdout is not None
        lines = []
        for line in proc.stdout:
            sys.stdout.write(line)
            sys.stdout.flush()
            lines.append(line)
        returncode = proc.wait()
        output = "".join(lines)
    else:
        done = subprocess.run(cmd, cwd=project_dir, env=env, capture_output=True, text=True, check=False)
        returncode, output = done.returncode, done.stdout + done.stderr
    if returncode != 0:
        errors = [line for line in output.splitlines() if _FAILURE_LINE.search(line)]
        detail = "\n  ".join(errors[-30:]) or output[-3000:]
        raise DbtCommandError(
            f"`dbt {' '.join(args)}` failed on {db_path} (exit {returncode}):\n  {detail}\n"
            f"Full log: {project_dir / 'logs' / 'dbt.log'}"
        )
    return output
