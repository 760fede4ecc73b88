"""Reading export files: content hashes, blocks of text lines, which files a path holds."""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa

BLOCK_BYTES = 32 << 20  # 32 MiB of text (decompressed) per block
_HASH_CHUNK_BYTES = 1 << 20
_READ_CHUNK_BYTES = 1 << 20
_GZIP_WBITS = 31  # zlib: a gzip header and trailer


def content_sha256(path: Path) -> str:
    """The SHA-256 of the file's bytes as stored (compressed files hash their compressed bytes)."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(_HASH_CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def is_gzip(path: Path) -> bool:
    with path.open("rb") as stream:
        return stream.read(2) == b"\x1f\x8b"


@dataclass(frozen=True)
class TextBlock:
    """Whole lines of a file, as one text: registered in DuckDB and split there (:data:`SPLIT_LINES_SQL`)."""

    first_line: int  # the 1-based number of the block's first line in the file
    lines: int
    table: pa.Table  # one row, one column ``block_text``: the lines joined by a line feed


# The lines of the block registered as ``incoming_block`` (parameter $first_line): one row per
# line, ``(line_number, line_text)``, with trailing carriage returns removed.
BLOCK_VIEW = "incoming_block"
SPLIT_LINES_SQL = f"""
select
    $first_line + line_index as line_number,
    rtrim(line_text, chr(13)) as line_text,
from (
    select
        unnest(range(len(parts))) as line_index,
        unnest(parts) as line_text,
    from (select string_split(block_text, chr(10)) as parts from {BLOCK_VIEW})
)
"""


def text_blocks(path: Path, block_bytes: int = BLOCK_BYTES) -> Iterator[TextBlock]:
    """The file's lines in blocks of about ``block_bytes`` (decompressed), never splitting a line.

    Line numbers are 1-based and count every line, blank ones included. Bytes that are not
    valid UTF-8 become U+FFFD, the mark the warehouse quarantines as ``invalid_encoding``.
    No Python work is done per line: a block is split into lines by DuckDB.
    """
    first_line = 1
    parts: list[bytes] = []
    size = 0
    for chunk in _decompressed_chunks(path):
        parts.append(chunk)
        size += len(chunk)
        if size < block_bytes:
            continue
        data = b"".join(parts)
        cut = data.rfind(b"\n")
        if cut < 0:  # a line longer than a block: read on
            parts = [data]
            continue
        lines = data.count(b"\n", 0, cut) + 1
        yield TextBlock(first_line, lines, _block_table(data, cut))
        first_line += lines
        rest = data[cut + 1 :]
        parts, size = [rest], len(rest)
    data = b"".join(parts)
    if data:  # the last lines; the last may have no line ending
        end = len(data) - 1 if data.endswith(b"\n") else len(data)
        yield TextBlock(first_line, data.count(b"\n", 0, end) + 1, _block_table(data, end))


def _decompressed_chunks(path: Path) -> Iterator[bytes]:
    """The file's bytes, gunzipped when gzip (detected from the content; concatenated members too)."""
    gzipped = is_gzip(path)
    with path.open("rb") as stream:
        inflate = zlib.decompressobj(wbits=_GZIP_WBITS)
        member_started = False
        while chunk := stream.read(_READ_CHUNK_BYTES):
            if not gzipped:
                yield chunk
                continue
            while chunk:
                member_started = True
                yield inflate.decompress(chunk, _READ_CHUNK_BYTES * 16)
                if inflate.unconsumed_tail:  # more output than one call gives
                    chunk = inflate.unconsumed_tail
                    continue
                if not inflate.eof:
                    break
                chunk = inflate.unused_data  # the next gzip member, if any
                inflate = zlib.decompressobj(wbits=_GZIP_WBITS)
                member_started = False
        if member_started and not inflate.eof:
            raise ValueError(f"{path}: the gzip data ends early (a truncated file?); export or copy it again")


def _block_table(data: bytes, end: int) -> pa.Table:
    """``data[:end]`` as a one-row Arrow text column, without copying it when it is valid UTF-8."""
    buffers = [None, pa.py_buffer(np.array([0, end], np.int64).tobytes()), pa.py_buffer(data)]
    raw = pa.Array.from_buffers(pa.large_binary(), 1, buffers)
    try:
        text = raw.cast(pa.large_string())
    except pa.ArrowInvalid:  # not valid UTF-8 somewhere in the block
        text = pa.array([data[:end].decode("utf-8", errors="replace")], pa.large_string())
    return pa.table({"block_text": text})


def expand_paths(paths: Sequence[Path]) -> list[tuple[Path, Path]]:
    """Every file under the given files and directories, as ``(file, root)``, in name order.

    ``root`` is the directory a file was found under (its own directory for a file given by
    name): file names are reported relative to it. Hidden files are skipped.
    """
    found: list[tuple[Path, Path]] = []
    for path in paths:
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith("."))
            found.extend((file, path) for file in files)
        elif path.is_file():
            found.append((path, path.parent))
        else:
            raise FileNotFoundError(f"{path} does not exist: give an export file or a directory of them")
    return found


def relative_name(file: Path, root: Path) -> str:
    """The file's name relative to the directory it was found under, ``/``-separated, without ``.gz``."""
    name = file.relative_to(root).as_posix()
    return name.removesuffix(".gz")
