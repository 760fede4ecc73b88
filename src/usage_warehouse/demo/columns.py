"""Building Arrow columns fast: ids, uuid-like hex strings, timestamps and dictionary columns.

Nothing here loops per row in Python. Columns with few distinct values (user agents, page
URLs, payloads) are dictionary-encoded: each distinct value is rendered once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from usage_warehouse.demo.config import NEVER
from usage_warehouse.raw_schema import RawTable

I64 = npt.NDArray[np.int64]

# Each byte value -> its two lowercase hex digits, as one little-endian uint16 (low byte first).
_HEX_PAIRS = np.array([ord(f"{b:02x}"[0]) | ord(f"{b:02x}"[1]) << 8 for b in range(256)], dtype="<u2")
_UUID_GROUPS = ((0, 8), (9, 13), (14, 18), (19, 23), (24, 36))  # character spans between dashes


def random_bytes(rng: np.random.Generator, n: int, width: int = 16) -> npt.NDArray[np.uint8]:
    """``n`` rows of ``width`` random bytes (the raw material of message and request ids)."""
    return rng.integers(0, 256, size=(n, width), dtype=np.uint8)


def _fixed_width_strings(chars: npt.NDArray[np.uint8]) -> pa.Array:
    n, width = chars.shape
    data = pa.py_buffer(np.ascontiguousarray(chars))
    if n * width < 2**31:
        return pa.StringArray.from_buffers(n, pa.py_buffer(np.arange(0, (n + 1) * width, width, dtype=np.int32)), data)
    offsets = pa.py_buffer(np.arange(0, (n + 1) * width, width, dtype=np.int64))
    return pa.LargeStringArray.from_buffers(n, offsets, data)


def _hex_chars(raw: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
    return _HEX_PAIRS[raw].view(np.uint8).reshape(raw.shape[0], raw.shape[1] * 2)


def uuid_strings(raw: npt.NDArray[np.uint8]) -> pa.Array:
    """uuid-formatted lowercase hex (``8-4-4-4-12``) of 16 bytes per row."""
    hex_chars = _hex_chars(raw)
    chars = np.full((raw.shape[0], 36), ord("-"), dtype=np.uint8)
    taken = 0
    for begin, end in _UUID_GROUPS:
        chars[:, begin:end] = hex_chars[:, taken : taken + end - begin]
        taken += end - begin
    return _fixed_width_strings(chars)


def hex_strings(raw: npt.NDArray[np.uint8], prefix: str) -> pa.Array:
    """``prefix`` followed by the lowercase hex of each row's bytes (e.g. request ids)."""
    head = np.broadcast_to(np.frombuffer(prefix.encode(), dtype=np.uint8), (raw.shape[0], len(prefix)))
    return _fixed_width_strings(np.hstack([head, _hex_chars(raw)]))


def prefixed_ids(prefix: str, numbers: I64, width: int) -> pa.Array:
    """Ids like ``acc_00001``: a prefix and a zero-padded number (wider numbers keep all digits)."""
    digits = pc.utf8_lpad(pa.array(numbers, pa.int64()).cast(pa.string()), width=width, padding="0")
    return pc.binary_join_element_wise(prefix, digits, "")


def timestamps(us: I64) -> pa.Array:
    """A ``timestamp[us]`` column; ``NEVER`` becomes null."""
    return pa.array(us, type=pa.timestamp("us"), mask=us == NEVER)


def dictionary(indices: I64, values: pa.Array | Sequence[str | None]) -> pa.DictionaryArray:
    """A dictionary-encoded string column: ``values[indices]``, null where the index is negative."""
    strings = (values if isinstance(values, pa.Array) else pa.array(values, pa.string())).cast(pa.string())
    distinct = pc.unique(strings)
    if len(distinct) < len(strings):  # keep dictionary values unique (pandas categoricals require it)
        position = pc.index_in(strings, value_set=distinct).to_numpy(zero_copy_only=False).astype(np.int64)
        indices = np.where(indices < 0, -1, position[np.maximum(indices, 0)])
        strings = distinct
    return pa.DictionaryArray.from_arrays(pa.array(indices.astype(np.int32), pa.int32(), mask=indices < 0), strings)


_DENSE_CODE_LIMIT = 1 << 26


def _distinct_codes(codes: I64) -> tuple[I64, I64]:
    """Sorted distinct non-negative codes and each code's position among them (O(n) for small codes)."""
    top = int(codes.max(initial=0))
    if top >= _DENSE_CODE_LIMIT:
        distinct, inverse = np.unique(codes, return_inverse=True)
        return distinct.astype(np.int64), inverse.astype(np.int64)
    present = np.zeros(top + 1, bool)
    present[codes] = True
    position = np.cumsum(present) - 1
    return np.flatnonzero(present).astype(np.int64), position[codes].astype(np.int64)


def rendered(codes: I64, render: Callable[[I64], Sequence[str | None]]) -> pa.DictionaryArray:
    """A dictionary column from codes (-1 = null): ``render`` turns each distinct code into its string once."""
    valid = codes >= 0
    distinct, inverse = _distinct_codes(np.where(valid, codes, 0))
    return dictionary(np.where(valid, inverse, -1), list(render(distinct)))


def iso_millis(epoch_ms: I64) -> pa.Array:
    """``YYYY-MM-DDTHH:MM:SS.mmm`` of epoch milliseconds, built from digits (much faster than strftime)."""
    days, ms_of_day = np.divmod(epoch_ms, 86_400_000)
    distinct_days, day_index = _distinct_codes(days - days.min(initial=0))
    dates = (distinct_days + days.min(initial=0)).astype("datetime64[D]").astype("S10")
    chars = np.empty((len(epoch_ms), 23), np.uint8)
    chars[:, :10] = dates.view(np.uint8).reshape(-1, 10)[day_index]
    fields = (ms_of_day // 3_600_000, ms_of_day // 60_000 % 60, ms_of_day // 1000 % 60)
    for i, value in enumerate(fields):
        chars[:, 11 + 3 * i] = ord("0") + value // 10
        chars[:, 12 + 3 * i] = ord("0") + value % 10
    chars[:, [10, 13, 16, 19]] = np.frombuffer(b"T::.", np.uint8)
    millis = ms_of_day % 1000
    chars[:, 20], chars[:, 21], chars[:, 22] = (
        ord("0") + millis // 100,
        ord("0") + millis // 10 % 10,
        ord("0") + millis % 10,
    )
    return _fixed_width_strings(chars)


def join(*parts: pa.Array | str) -> pa.Array:
    """Element-wise string concatenation of columns and literals."""
    return pc.binary_join_element_wise(*parts, "")


def table_of(raw: RawTable, columns: dict[str, pa.Array]) -> pa.Table:
    """The columns as a table in the raw contract's column order; fails on missing or extra columns."""
    missing = [c for c in raw.column_names if c not in columns]
    extra = [c for c in columns if c not in raw.column_names]
    if missing or extra:
        raise ValueError(
            f"{raw.qualified_name}: generated columns do not match raw_schema "
            f"(missing {missing}, unexpected {extra}); update the generator or the contract"
        )
    return pa.table({name: columns[name] for name in raw.column_names})
