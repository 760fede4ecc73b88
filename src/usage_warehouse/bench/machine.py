"""The machine a benchmark ran on: CPU, cores, memory and the versions that matter."""

from __future__ import annotations

import os
import platform
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _meminfo_kib(field: str) -> int | None:
    """One field of /proc/meminfo (``MemTotal``, ``MemAvailable``) in KiB; None off Linux."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1])
    except OSError:
        pass
    return None


def _memory_gib() -> float | None:
    total = _meminfo_kib("MemTotal")
    return None if total is None else round(total / 1024**2, 1)


def available_memory_kib() -> int | None:
    """Memory available to a new process without swapping (MemAvailable), in KiB; None off Linux."""
    return _meminfo_kib("MemAvailable")


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def machine_info() -> dict[str, Any]:
    """CPU model (from /proc/cpuinfo), cores, RAM in GiB, OS, Python, DuckDB and dbt versions, date."""
    return {
        "cpu_model": _cpu_model(),
        "cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "memory_gib": _memory_gib(),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "duckdb": _version("duckdb"),
        "dbt_core": _version("dbt-core"),
        "dbt_duckdb": _version("dbt-duckdb"),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


@dataclass(frozen=True)
class CpuTicks:
    """Machine-wide CPU time since boot, in clock ticks: all of it, and the part stolen by the hypervisor."""

    total: int
    steal: int


def cpu_ticks(stat: str | None = None) -> CpuTicks | None:
    """The ``cpu`` line of /proc/stat (or of ``stat``); None where there is none (not Linux).

    Its fields are user, nice, system, idle, iowait, irq, softirq, steal, guest, guest_nice;
    guest time is already counted in user and nice, so the total leaves it out.
    """
    if stat is None:
        try:
            stat = Path("/proc/stat").read_text()
        except OSError:
            return None
    for line in stat.splitlines():
        fields = line.split()
        if fields and fields[0] == "cpu":
            ticks = [int(value) for value in fields[1:9]]
            return CpuTicks(total=sum(ticks), steal=ticks[7] if len(ticks) > 7 else 0)
    return None


def steal_share(before: CpuTicks | None, after: CpuTicks | None) -> float | None:
    """The share of the machine's CPU time between two readings that the hypervisor gave to
    other guests (None without readings): a build on a shared host slows by about that much."""
    if before is None or after is None or after.total <= before.total:
        return None
    return round((after.steal - before.steal) / (after.total - before.total), 4)
