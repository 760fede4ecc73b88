"""The hourly extract job that copies the application database into the warehouse."""

from __future__ import annotations

import numpy as np

from usage_warehouse.demo.config import NEVER, US_PER_DAY, US_PER_HOUR, GeneratorConfig
from usage_warehouse.demo.ids import IdSpace
from usage_warehouse.demo.rand import I64, hourly_load_times, stream


class Extracts:
    """The hourly extract job of the application database."""

    def __init__(self, cfg: GeneratorConfig) -> None:
        self.cfg = cfg
        self.ids = IdSpace.of(cfg)  # how the application database numbers its records
        self.base_us = cfg.start_us - US_PER_DAY
        hours = (cfg.as_of_us - self.base_us) // US_PER_HOUR + 48
        self.times = hourly_load_times(stream(cfg.seed, "app-extracts"), self.base_us, hours, 2, 12, 0.01)

    def loaded_at(self, changed_us: I64) -> I64:
        bucket = (changed_us - self.base_us) // US_PER_HOUR + 1
        return self.times[np.clip(bucket, 0, len(self.times) - 1)]

    def landed(self, loaded_us: I64) -> I64:
        """Rows picked up by the end of the period."""
        return np.flatnonzero(loaded_us <= self.cfg.as_of_us)


def happened(t_us: I64, cfg: GeneratorConfig) -> I64:
    """Instants after the end of the period have not happened yet."""
    return np.where(t_us <= cfg.as_of_us, t_us, NEVER)
