"""The hourly extract job that copies the application database into the warehouse."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from usage_warehouse.demo.columns import dictionary, prefixed_ids
from usage_warehouse.demo.config import NEVER, US_PER_DAY, US_PER_HOUR, GeneratorConfig
from usage_warehouse.demo.rand import I64, hourly_load_times, stream


class Extracts:
    """The hourly extract job of the application database."""

    def __init__(self, cfg: GeneratorConfig) -> None:
        self.cfg = cfg
        self.base_us = cfg.start_us - US_PER_DAY
        hours = (cfg.as_of_us - self.base_us) // US_PER_HOUR + 48
        self.times = hourly_load_times(stream(cfg.seed, "app-extracts"), self.base_us, hours, 2, 12, 0.01)

    def loaded_at(self, changed_us: I64) -> I64:
        bucket = (changed_us - self.base_us) // US_PER_HOUR + 1
        return self.times[np.clip(bucket, 0, len(self.times) - 1)]

    def landed(self, loaded_us: I64) -> I64:
        """Rows picked up by the end of the period."""
        return np.flatnonzero(loaded_us <= self.cfg.as_of_us)


def sequential_ids(prefix: str, n: int, width: int = 6) -> pa.Array:
    """Ids numbered from 1 in row order (``rep_000001``...)."""
    return prefixed_ids(prefix, np.arange(1, n + 1, dtype=np.int64), width)


def account_ids(account: I64) -> pa.Array:
    """Account ids (``acc_00001``) of account indices."""
    return prefixed_ids("acc_", account + 1, 5)


def user_ids(user: I64) -> pa.Array:
    """User ids (``usr_000001``) of user indices, dictionary-encoded."""
    return dictionary(user, prefixed_ids("usr_", np.arange(1, user.max(initial=0) + 2, dtype=np.int64), 6))


def happened(t_us: I64, cfg: GeneratorConfig) -> I64:
    """Instants after the end of the period have not happened yet."""
    return np.where(t_us <= cfg.as_of_us, t_us, NEVER)
