"""Settings of one demo dataset and the time arithmetic shared by every part of it.

All instants are int64 microseconds since the Unix epoch, in UTC (the raw contract stores
naive ``timestamp`` columns that mean UTC). ``NEVER`` marks something that has not happened.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta

import numpy as np

US_PER_MS = 1_000
US_PER_SECOND = 1_000_000
US_PER_MINUTE = 60 * US_PER_SECOND
US_PER_HOUR = 60 * US_PER_MINUTE
US_PER_DAY = 24 * US_PER_HOUR
NEVER = int(np.iinfo(np.int64).max)

DEFAULT_END_DATE = date(2026, 10, 31)

_EPOCH = datetime(1970, 1, 1)

MAX_ACCOUNTS = 100_000
MIN_DAYS = 7
MAX_DAYS = 1_095
MAX_SCALE = 50.0


def to_us(moment: datetime) -> int:
    """Microseconds since the epoch of a naive-UTC or aware datetime."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return (moment - _EPOCH) // timedelta(microseconds=1)


def from_us(us: int) -> datetime:
    """The naive-UTC datetime of microseconds since the epoch."""
    return _EPOCH + timedelta(microseconds=us)


@dataclass(frozen=True)
class GeneratorConfig:
    """What to generate: how many accounts, over how many days ending when, from which seed.

    ``scale`` multiplies how much each active user (and each background job) does per day,
    without changing the customer base: 2.0 gives about twice the events for the same accounts.
    The dataset describes the world as of midnight after ``end_date`` (UTC): nothing that
    happened or was loaded later is in it.

    ``shard`` and ``shards``: this dataset is one of ``shards`` parts of a larger one (see
    :meth:`shard_of`); ids are numbered so that the parts never collide (:mod:`.ids`).
    """

    accounts: int = 120
    days: int = 120
    end_date: date = DEFAULT_END_DATE
    seed: int = 42
    scale: float = 1.0
    shard: int = 0
    shards: int = 1

    def __post_init__(self) -> None:
        problems = []
        if not 1 <= self.accounts <= MAX_ACCOUNTS:
            problems.append(f"accounts={self.accounts} must be between 1 and {MAX_ACCOUNTS:,}")
        if not MIN_DAYS <= self.days <= MAX_DAYS:
            problems.append(f"days={self.days} must be between {MIN_DAYS} and {MAX_DAYS} (one week to three years)")
        if not 0 <= self.seed < 2**63:
            problems.append(f"seed={self.seed} must be a non-negative integer below 2**63")
        if not 0 < self.scale <= MAX_SCALE:
            problems.append(f"scale={self.scale} must be above 0 and at most {MAX_SCALE}")
        if not 0 <= self.shard < self.shards:
            problems.append(f"shard={self.shard} must be between 0 and shards - 1 ({self.shards - 1})")
        if problems:
            raise ValueError("invalid demo data settings: " + "; ".join(problems))

    def shard_of(self, shard: int, shards: int) -> GeneratorConfig:
        """Part ``shard`` of this dataset cut into ``shards`` parts of about equal accounts.

        Each part is a dataset of its own: its share of the accounts over the same days, drawn
        from a seed of its own (derived from this seed and the part), with ids that no other
        part uses. Cut into one part, a dataset is itself.
        """
        if self.shards != 1:
            raise ValueError(f"this dataset is already shard {self.shard} of {self.shards}: cut the whole one")
        if not 1 <= shards <= self.accounts:
            raise ValueError(f"shards={shards} must be between 1 and the {self.accounts:,} accounts")
        if not 0 <= shard < shards:
            raise ValueError(f"shard={shard} must be between 0 and {shards - 1}")
        if shards == 1:
            return self
        accounts = self.accounts // shards + (1 if shard < self.accounts % shards else 0)
        seed = int(np.random.SeedSequence([self.seed, shard]).generate_state(1, np.uint64)[0] >> np.uint64(1))
        return replace(self, accounts=accounts, seed=seed, shard=shard, shards=shards)

    @property
    def start_us(self) -> int:
        """Midnight UTC of the first day of the period."""
        first_day = self.end_date - timedelta(days=self.days - 1)
        return to_us(datetime.combine(first_day, time()))

    @property
    def as_of_us(self) -> int:
        """Midnight UTC after ``end_date``: the moment the dataset describes."""
        return self.start_us + self.days * US_PER_DAY

    @property
    def as_of(self) -> datetime:
        return from_us(self.as_of_us)
