"""Deterministic randomness: one independent random stream per named part of the dataset.

Each part draws from ``stream(seed, name)``, so changing how much one part draws never shifts
the numbers of another, and the same seed always gives the same dataset.
"""

from __future__ import annotations

import zlib

import numpy as np
import numpy.typing as npt

from usage_warehouse.demo.config import US_PER_DAY, US_PER_HOUR

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
Bool = npt.NDArray[np.bool_]


def stream(seed: int, name: str) -> np.random.Generator:
    """The random generator of one named part of the dataset."""
    return np.random.default_rng([seed, zlib.crc32(name.encode())])


def lognormal(rng: np.random.Generator, median: float, sigma: float, size: int) -> F64:
    """Log-normal draws described by their median (easier to reason about than the mean)."""
    return np.asarray(rng.lognormal(np.log(median), sigma, size), dtype=np.float64)


def choice_index(rng: np.random.Generator, weights: npt.ArrayLike, size: int) -> I64:
    """Indices drawn with the given (unnormalised) weights."""
    w = np.asarray(weights, dtype=np.float64)
    cumulative = np.cumsum(w / w.sum())
    drawn = np.searchsorted(cumulative, rng.random(size), side="right")
    return np.minimum(drawn, len(w) - 1).astype(np.int64)


def group_positions(counts: I64) -> I64:
    """For groups laid out one after another with these sizes, each row's position in its group."""
    total = int(counts.sum())
    starts = np.cumsum(counts) - counts
    return np.arange(total, dtype=np.int64) - np.repeat(starts, counts)


def hourly_load_times(
    rng: np.random.Generator, base_us: int, hours: int, min_minutes: float, max_minutes: float, failure_rate: float
) -> I64:
    """Completion times of an hourly loader: index ``h`` is when the load of hour ``h-1`` landed.

    Each load starts at the top of the hour and takes between ``min_minutes`` and
    ``max_minutes``; a failed load (``failure_rate``) is picked up by the next hour's run.
    """
    minutes = rng.uniform(min_minutes, max_minutes, hours)
    minutes += 60.0 * (rng.random(hours) < failure_rate)
    return base_us + np.arange(hours, dtype=np.int64) * US_PER_HOUR + (minutes * 60e6).astype(np.int64)


def next_load(load_times: I64, base_us: int, t_us: I64) -> I64:
    """When rows that arrived at ``t_us`` land: the first hourly load after their arrival hour."""
    bucket = (t_us - base_us) // US_PER_HOUR + 1
    return load_times[np.clip(bucket, 0, len(load_times) - 1)]


def run_starts(*keys: I64) -> I64:
    """Where each run of equal key tuples starts, in arrays sorted by those keys."""
    n = len(keys[0])
    new_run = np.zeros(n, bool)
    new_run[:1] = True
    for key in keys:
        new_run[1:] |= key[1:] != key[:-1]
    return np.flatnonzero(new_run).astype(np.int64)


def run_lengths(starts: I64, n: int) -> I64:
    """Lengths of the runs starting at ``starts`` in an array of length ``n``."""
    return np.diff(np.append(starts, n)).astype(np.int64)


def days_alive(begin_us: I64, end_us: I64, start_us: int, as_of_us: int) -> tuple[I64, I64]:
    """For items alive from ``begin_us`` until ``end_us``: (item index, day start) per day alive in the period."""
    first = np.maximum((begin_us - start_us) // US_PER_DAY, 0)
    last = (np.minimum(end_us, as_of_us) - 1 - start_us) // US_PER_DAY
    span = np.maximum(last - first + 1, 0).astype(np.int64)
    item = np.repeat(np.arange(len(begin_us), dtype=np.int64), span)
    return item, np.asarray(start_us + (first[item] + group_positions(span)) * US_PER_DAY, dtype=np.int64)
