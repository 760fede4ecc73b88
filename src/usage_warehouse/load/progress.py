"""Progress of a long load: lines so far and lines per second, every so many lines, on stderr."""

from __future__ import annotations

import time

from usage_warehouse.demo.progress import Progress

REPORT_EVERY_ROWS = 1_000_000


class RowRate:
    """Counts the lines of one file and reports the rate each time another ``every`` lines are done."""

    def __init__(self, progress: Progress, label: str, every: int = REPORT_EVERY_ROWS) -> None:
        self._progress = progress
        self._label = label
        self._every = every
        self._started = time.perf_counter()
        self._next_report = every
        self.rows = 0

    @property
    def seconds(self) -> float:
        return time.perf_counter() - self._started

    def add(self, rows: int) -> None:
        self.rows += rows
        if self.rows >= self._next_report:
            self._next_report = (self.rows // self._every + 1) * self._every
            self._progress.note(f"  {self._label}: {self.rows:,} lines ({self.per_second:,.0f} lines/s)")

    @property
    def per_second(self) -> float:
        return self.rows / max(self.seconds, 1e-9)
