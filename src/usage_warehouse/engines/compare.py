"""Compare the same tables built on two engines, row by row.

Engines return the same values in different Python types (a DuckDB ``double`` is a float, a
PostgreSQL ``numeric`` a Decimal; a boolean may come back as an integer), so values are
normalised before comparing: numbers compare as numbers within a relative tolerance, time
zone-aware timestamps as naive UTC. Rows are put in a total order first, since a table has none.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from usage_warehouse.engines import Engine

_MAX_DIFFERENCES_PER_TABLE = 5


def _normalise(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, Decimal | float):
        number = float(value)
        return int(number) if number.is_integer() else number
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


def _sort_key(value: Any, float_digits: int) -> tuple[int, Any]:
    """A key that orders values of any type (None first) the same way on both sides."""
    if value is None:
        return (0, 0)
    if isinstance(value, bool):
        return (1, int(value))
    if isinstance(value, int | float):
        return (2, round(float(value), float_digits))
    if isinstance(value, datetime | date):
        return (3, value.isoformat())
    return (4, str(value))


def _values_equal(left: Any, right: Any, float_tolerance: float) -> bool:
    if isinstance(left, bool) or isinstance(right, bool):
        return bool(left == right)
    if isinstance(left, int | float) and isinstance(right, int | float):
        if math.isnan(left) or math.isnan(right):
            return math.isnan(left) and math.isnan(right)
        return math.isclose(left, right, rel_tol=float_tolerance, abs_tol=float_tolerance)
    return bool(left == right)


def sorted_rows(rows: Sequence[Sequence[Any]], *, float_digits: int = 6) -> list[tuple[Any, ...]]:
    """Rows with their values normalised, in a total order (floats rounded for ordering only)."""
    normalised = [tuple(_normalise(value) for value in row) for row in rows]
    return sorted(normalised, key=lambda row: tuple(_sort_key(value, float_digits) for value in row))


def compare_rows(
    table: str,
    left_name: str,
    left_rows: Sequence[Sequence[Any]],
    right_name: str,
    right_rows: Sequence[Sequence[Any]],
    *,
    float_tolerance: float = 1e-9,
) -> list[str]:
    """Differences between two sets of rows of one table, as messages (empty when equal)."""
    if len(left_rows) != len(right_rows):
        return [f"{table}: {len(left_rows)} rows on {left_name}, {len(right_rows)} on {right_name}"]
    differences: list[str] = []
    for number, (left, right) in enumerate(zip(sorted_rows(left_rows), sorted_rows(right_rows), strict=True)):
        if len(left) != len(right):
            return [f"{table}: {len(left)} columns on {left_name}, {len(right)} on {right_name}"]
        pairs = enumerate(zip(left, right, strict=True))
        columns = [i for i, (a, b) in pairs if not _values_equal(a, b, float_tolerance)]
        if columns:
            detail = "; ".join(f"column {i + 1}: {left[i]!r} != {right[i]!r}" for i in columns)
            differences.append(f"{table} sorted row {number + 1} ({left_name} != {right_name}): {detail}")
            if len(differences) == _MAX_DIFFERENCES_PER_TABLE:
                differences.append(f"{table}: more differences not shown")
                break
    return differences


def compare_tables(left: Engine, right: Engine, tables: Sequence[str], *, float_tolerance: float = 1e-9) -> list[str]:
    """Differences between the tables as built on two engines, as messages (empty when every
    table holds the same rows). Numbers are equal within ``float_tolerance`` (relative, and
    absolute near zero)."""
    differences: list[str] = []
    for table in tables:
        sql = f"select * from {table}"
        differences += compare_rows(
            table, left.name, left.query(sql), right.name, right.query(sql), float_tolerance=float_tolerance
        )
    return differences
