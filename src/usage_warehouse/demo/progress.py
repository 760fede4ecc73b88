"""Progress lines on stderr: which step finished, how many rows it made, time since the start."""

from __future__ import annotations

import sys
import time
from collections.abc import Mapping
from typing import TextIO


class Progress:
    """Reports steps to a text stream (stderr by default); ``Progress.silent()`` reports nothing."""

    def __init__(self, stream: TextIO | None = sys.stderr) -> None:
        self._stream = stream
        self._started = time.perf_counter()

    @classmethod
    def silent(cls) -> Progress:
        return cls(None)

    @property
    def elapsed(self) -> float:
        """Seconds since this reporter was created."""
        return time.perf_counter() - self._started

    def step(self, name: str, rows: int | None = None) -> None:
        count = f"{rows:>12,} rows" if rows is not None else " " * 17
        self._write(f"[{self.elapsed:7.2f}s] {name:<44} {count}")

    def table(self, title: str, counts: Mapping[str, int]) -> None:
        """A block of row counts per table, with the total."""
        width = max((len(name) for name in counts), default=10)
        self._write(title)
        for name, rows in counts.items():
            self._write(f"  {name:<{width}} {rows:>12,}")
        self._write(f"  {'total':<{width}} {sum(counts.values()):>12,}")

    def note(self, text: str) -> None:
        self._write(text)

    def _write(self, line: str) -> None:
        if self._stream is not None:
            print(line, file=self._stream, flush=True)
