"""Run the project's dbt commands against a chosen DuckDB warehouse file.

dbt runs in a child process: the warehouse file is free again when a command returns,
so the caller can open it (DuckDB allows one writer process at a time).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PROJECT_DIR = Path(__file__).resolve().parents[2]

# A production build: seeds, models, snapshots and data tests. Unit tests check the SQL
# against fixed inputs, so they run in development and CI (`make test`), not every day.
PRODUCTION_BUILD: tuple[str, ...] = ("build", "--exclude-resource-type", "unit_test")
# An incremental production build (the daily job on a built warehouse): the data tests of
# incremental models read only the rows loaded recently (var data_test_scope; docs/decision_log.md,
# "Tests in the daily build"). Other tests read every row.
INCREMENTAL_VARS: tuple[str, ...] = ("--vars", json.dumps({"data_test_scope": "recent"}))
INCREMENTAL_BUILD: tuple[str, ...] = (*PRODUCTION_BUILD, *INCREMENTAL_VARS)

_FAILURE_LINE = re.compile(r"(ERROR|FAIL)\b|Error in |Failure in ")


class DbtCommandError(RuntimeError):
    """A dbt command failed; the message names the command and quotes dbt's error lines."""


def _error_lines(output: str, context: int = 2) -> list[str]:
    """dbt's error and failure lines, each with the next ``context`` lines that explain it
    (a compilation error's message is printed on the lines after its "Error in" line)."""
    lines = output.splitlines()
    kept: list[str] = []
    for number, line in enumerate(lines):
        if not _FAILURE_LINE.search(line):
            continue
        kept.append(line)
        for following in lines[number + 1 : number + 1 + context]:
            if not following.strip() or _FAILURE_LINE.search(following):
                break
            kept.append(following)
    return kept


@contextlib.contextmanager
def environment(settings: Mapping[str, str]) -> Iterator[None]:
    """Set environment variables for dbt commands started inside the block; restore them after."""
    saved = {name: os.environ.get(name) for name in settings}
    os.environ.update(settings)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


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
    engine_env: Mapping[str, str] | None = None,
) -> str:
    """Run one dbt command (e.g. ["build"]) on the warehouse at db_path and return its output.

    With stream=True the output is shown as it comes (progress for long runs). engine_env
    selects another profile target (e.g. {"USAGE_WAREHOUSE_TARGET": "postgres", ...}); db_path
    is then unused by dbt. Raises DbtCommandError quoting dbt's error lines when the command
    does not succeed.
    """
    cmd, env = _command(
        args,
        db_path=db_path,
        dbt_vars=dbt_vars,
        target_path=target_path,
        project_dir=project_dir,
        engine_env=engine_env,
    )
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
    _raise_on_failure(returncode, output, args, db_path, project_dir)
    return output


@dataclass(frozen=True)
class MeasuredDbtRun:
    """What one dbt command printed, how long it took and the peak memory of its process."""

    output: str
    seconds: float
    max_rss_kib: int  # ru_maxrss of the dbt process (KiB on Linux); DuckDB runs inside it
    cpu_seconds: float  # user + system CPU time of the dbt process (every DuckDB thread)


def run_dbt_measured(
    args: list[str],
    *,
    db_path: str | Path,
    dbt_vars: Mapping[str, Any] | None = None,
    target_path: str | Path | None = None,
    project_dir: Path = PROJECT_DIR,
) -> MeasuredDbtRun:
    """Run one dbt command as :func:`run_dbt` does, and measure its wall time, CPU time and peak memory.

    CPU time is the process's user and system time (all its threads). Peak memory is the dbt
    process's resident high-water mark (VmHWM), sampled from /proc every 0.1 s. ``ru_maxrss``
    from ``os.wait4`` is used only where /proc is missing: Linux counts in it the memory of the
    process the child was forked from (here the caller, which may hold a whole generated
    dataset). Raises DbtCommandError as run_dbt does.
    """
    cmd, env = _command(args, db_path=db_path, dbt_vars=dbt_vars, target_path=target_path, project_dir=project_dir)
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=project_dir, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    sampler = _PeakMemorySampler(proc.pid)
    sampler.start()
    assert proc.stdout is not None
    with proc.stdout:
        output = proc.stdout.read()
    sampler.stop()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here: Popen must not wait for it again
    _raise_on_failure(proc.returncode, output, args, db_path, project_dir)
    return MeasuredDbtRun(
        output=output,
        seconds=seconds,
        max_rss_kib=sampler.peak_kib or int(usage.ru_maxrss),
        cpu_seconds=usage.ru_utime + usage.ru_stime,
    )


class _PeakMemorySampler(threading.Thread):
    """The highest VmHWM of a running process (KiB), read from /proc/<pid>/status."""

    def __init__(self, pid: int, interval_seconds: float = 0.1) -> None:
        super().__init__(daemon=True)
        self.status_path = Path(f"/proc/{pid}/status")
        self.interval_seconds = interval_seconds
        self.peak_kib = 0
        self._stopped = threading.Event()

    def run(self) -> None:
        while not self._stopped.is_set():
            self.sample()
            self._stopped.wait(self.interval_seconds)

    def sample(self) -> None:
        try:
            status = self.status_path.read_text()
        except OSError:  # not Linux, or the process has exited
            return
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                self.peak_kib = max(self.peak_kib, int(line.split()[1]))

    def stop(self) -> None:
        self.sample()
        self._stopped.set()
        self.join()


def _command(
    args: list[str],
    *,
    db_path: str | Path,
    dbt_vars: Mapping[str, Any] | None,
    target_path: str | Path | None,
    project_dir: Path,
    engine_env: Mapping[str, str] | None = None,
) -> tuple[list[str], dict[str, str]]:
    """The dbt command line and environment of one command on the warehouse at db_path."""
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
        **(engine_env or {}),
    }
    return cmd, env


def _raise_on_failure(returncode: int, output: str, args: list[str], db_path: str | Path, project_dir: Path) -> None:
    if returncode != 0:
        detail = "\n  ".join(_error_lines(output)[-30:]) or output[-3000:]
        raise DbtCommandError(
            f"`dbt {' '.join(args)}` failed on {db_path} (exit {returncode}):\n  {detail}\n"
            f"Full log: {project_dir / 'logs' / 'dbt.log'}"
        )
