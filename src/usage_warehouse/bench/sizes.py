"""Dataset sizes: parse "100k, 2.5M, 50M", and choose accounts and days for each.

Every size of one benchmark keeps the same accounts and only changes the number of days, so
the last day (the incremental run's new data) has about the same volume at every size and
a size ten times larger is a history ten times longer. The accounts follow from the
generator's density (raw rows per account per day), measured on a small probe dataset.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from usage_warehouse.demo.config import MAX_ACCOUNTS, MAX_DAYS, MIN_DAYS, GeneratorConfig
from usage_warehouse.generator import generate

PREFERRED_EVENTS_PER_DAY = 10_000  # 1M events = 100 days, 10M = 1,000 days
PROBE_ACCOUNTS = 200  # fewer: one large account can double the density
# The generator builds every table of a dataset (or of one shard of it) in memory: at its peak
# about 0.5 KiB per raw row (a 3.9M-row dataset peaked at 1.9 GiB of resident memory; a 50M-row
# one, generated whole, was stopped by the kernel at 23 GB).
GENERATOR_PEAK_KIB_PER_ROW = 0.5
# Rows of a size, over its target: the smallest size is calibrated to within 15%; a larger one
# is a longer history of the same accounts, which grow more active with age (the default
# benchmark's 10M size holds 15.7M rows).
SMALLEST_SIZE_ROWS_FACTOR = 1.15
LONGER_HISTORY_ROWS_FACTOR = 1.6
# Share of the available memory one shard may take at the generator's peak; the rest is left to
# DuckDB while it writes the shard and to the rest of the machine.
GENERATOR_MEMORY_SHARE = 0.6

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kKmM]?)\s*$")
_UNITS = {"": 1, "k": 1_000, "m": 1_000_000}


def parse_size(text: str) -> int:
    """Events of a size written as 20k, 100k, 2.5M, 50M or 150000."""
    match = _SIZE.match(text)
    if match is None:
        raise ValueError(f"{text!r} is not a size: use a number with an optional k or M, e.g. 100k, 2.5M, 10M")
    events = round(float(match.group(1)) * _UNITS[match.group(2).lower()])
    if events <= 0:
        raise ValueError(f"size {text!r} must be above zero")
    return events


def parse_sizes(text: str) -> list[int]:
    """Comma-separated sizes, e.g. "1M,10M", in increasing order without repeats."""
    return sorted({parse_size(part) for part in text.split(",") if part.strip()})


def size_label(events: int) -> str:
    """20k, 2.5M, 10M: the short form of a size."""
    for unit, factor in (("M", 1_000_000), ("k", 1_000)):
        if events >= factor:
            return f"{events / factor:g}{unit}"
    return str(events)


@dataclass(frozen=True)
class SizePlan:
    """One benchmark size: the events asked for and the dataset that should hold about that many."""

    label: str
    target_events: int
    accounts: int
    days: int
    shards: int = 1  # generated in this many shards of the accounts (see generator_shards)


def measure_density(days: int, *, seed: int = 42) -> tuple[float, int]:
    """Raw rows per account per day of a small probe dataset over ``days`` days; and its rows."""
    probe = generate(GeneratorConfig(accounts=PROBE_ACCOUNTS, days=days, seed=seed))
    rows = sum(probe.row_counts.values())
    return rows / (PROBE_ACCOUNTS * days), rows


def dataset_rows(config: GeneratorConfig, shards: int = 1) -> int:
    """Raw rows of the dataset of ``config`` generated in ``shards`` shards (one at a time, none kept)."""
    count = min(shards, config.accounts)
    return sum(sum(generate(config.shard_of(k, count)).row_counts.values()) for k in range(count))


def calibrate_accounts(
    target_events: int,
    days: int,
    accounts: int,
    *,
    seed: int = 42,
    shards: int = 1,
    tolerance: float = 0.15,
    attempts: int = 5,
) -> tuple[int, int]:
    """Accounts whose dataset over ``days`` lands within ``tolerance`` of ``target_events``; and its rows.

    Account sizes are heavy-tailed, so the probe's density can miss by half: the dataset is
    generated with ``accounts`` (in ``shards`` shards, as the benchmark will generate it) and,
    while it misses, the accounts are rescaled by the miss. The closest attempt wins.
    """
    best: tuple[float, int, int] | None = None
    for _ in range(attempts):
        rows = dataset_rows(GeneratorConfig(accounts=accounts, days=days, seed=seed), shards)
        miss = abs(rows / target_events - 1)
        if best is None or miss < best[0]:
            best = (miss, accounts, rows)
        if miss <= tolerance:
            break
        accounts = min(MAX_ACCOUNTS, max(1, round(accounts * target_events / max(rows, 1))))
    assert best is not None
    return best[1], best[2]


def events_per_day(sizes: list[int], preferred: int | None = None) -> int:
    """The daily volume of every size: as near ``preferred`` as the generator's limits on days allow."""
    smallest, largest = min(sizes), max(sizes)
    low, high = -(-largest // MAX_DAYS), smallest // MIN_DAYS  # largest <= MAX_DAYS days, smallest >= MIN_DAYS
    if low > high:
        raise ValueError(
            f"sizes {size_label(smallest)} and {size_label(largest)} are too far apart: with the same accounts "
            f"their histories must fit in {MIN_DAYS} to {MAX_DAYS} days (a ratio of at most {MAX_DAYS // MIN_DAYS})"
        )
    return min(max(preferred or PREFERRED_EVENTS_PER_DAY, low), high)


def days_for(events: int, daily_events: int) -> int:
    return min(MAX_DAYS, max(MIN_DAYS, round(events / daily_events)))


def plan_sizes(sizes: list[int], daily_events: int, density: float, accounts: int | None = None) -> list[SizePlan]:
    """Accounts and days of each size: the same accounts for all (by default daily volume / density),
    days = events / daily volume."""
    accounts = accounts or max(1, round(daily_events / density))
    if accounts > MAX_ACCOUNTS:
        raise ValueError(
            f"{daily_events:,} events a day need {accounts:,} accounts, above the generator's {MAX_ACCOUNTS:,}"
        )
    plans = []
    for events in sizes:
        plans.append(
            SizePlan(
                label=size_label(events), target_events=events, accounts=accounts, days=days_for(events, daily_events)
            )
        )
    return plans


def generator_shards(sizes: list[int], accounts: int, available_kib: int | None, *, at_least: int = 1) -> list[int]:
    """For each size, how many shards its dataset is generated in: at least ``at_least``, and
    enough that one shard at a time fits in the memory available (``available_kib``; None: not
    known, not checked).

    A shard is a part of the accounts with everything they do (:meth:`GeneratorConfig.shard_of`);
    the generator holds one shard in memory, about ``GENERATOR_PEAK_KIB_PER_ROW`` per raw row at
    its peak, and may take ``GENERATOR_MEMORY_SHARE`` of the memory available.
    """
    if at_least > accounts:
        raise ValueError(f"{at_least} shards asked for, but the dataset has only {accounts:,} accounts to share out")
    if available_kib is None:
        return [at_least] * len(sizes)
    budget_kib = available_kib * GENERATOR_MEMORY_SHARE
    shards = []
    for events in sizes:
        factor = SMALLEST_SIZE_ROWS_FACTOR if events == min(sizes) else LONGER_HISTORY_ROWS_FACTOR
        rows = round(events * factor)
        need_kib = rows * GENERATOR_PEAK_KIB_PER_ROW
        count = max(at_least, math.ceil(need_kib / budget_kib))
        if count > accounts:
            raise ValueError(
                f"size {size_label(events)} needs up to {rows / 1e6:,.1f}M raw rows, about {need_kib / 2**20:,.1f} "
                f"GiB at the generator's peak; even one account per shard ({accounts:,} shards) would not fit in "
                f"{budget_kib / 2**20:,.1f} GiB. Use fewer events per day (--events-per-day) or a machine with more "
                "memory."
            )
        shards.append(count)
    return shards
