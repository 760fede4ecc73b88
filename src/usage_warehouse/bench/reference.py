"""The reference rate of a full build: a bare DuckDB pipeline of dedupe plus daily aggregation.

On the same raw tables, machine and DuckDB settings as the build, and with nothing of the
project (no dbt, no checks, no quarantine, no identity, sessions or marts), the pipeline:

1. keeps one row per key of the event tables (Segment tracks and pages by message id, the
   server log lines by file and line number; the first loaded copy), parses the log lines'
   JSON (lines that are not valid JSON are left out) and writes the union as one events table
   (event id, user, anonymous id, event name, event time, load time, payload);
2. writes the daily aggregate of those events (one row per day, person and event name, with
   the count);
3. checkpoints the file.

Its rate (the build's raw rows over its seconds) is what this machine does for the least
work any product-usage warehouse does; the full build's time over it is what the project's
work costs beyond that. The warehouse is attached read-only and not changed; the scratch
file is deleted afterwards.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from usage_warehouse.bench.direct import scratch_reading
from usage_warehouse.raw_schema import SEGMENT_PAGES, SEGMENT_TRACKS, SERVER_LOG_LINES


@dataclass(frozen=True)
class ReferenceRun:
    seconds: float
    cpu_seconds: float
    events: int  # rows of the events table: the raw event rows less duplicates and invalid lines
    daily_rows: int  # rows of the daily aggregate


def _segment_events(raw: str, table: str, name_expression: str) -> str:
    """One row per message id of a Segment table (its first loaded copy)."""
    return f"""
    select
        'segment_{table}:' || id as event_id,
        user_id,
        anonymous_id,
        {name_expression} as event_name,
        "timestamp" as event_at,
        uuid_ts as loaded_at,
        properties
    from {raw}
    qualify row_number() over (partition by id order by uuid_ts) = 1"""


def reference_sql(alias: str) -> list[str]:
    """The pipeline's statements, reading the raw tables of the database attached as ``alias``."""
    tracks = _segment_events(
        f'"{alias}".{SEGMENT_TRACKS.qualified_name}', "track", "coalesce(nullif(event_text, ''), event)"
    )
    pages = _segment_events(f'"{alias}".{SEGMENT_PAGES.qualified_name}', "page", "name")
    log_lines = f"""
    select
        'server_log:' || log_file || ':' || line_number as event_id,
        line_text ->> 'user_id' as user_id,
        cast(null as varchar) as anonymous_id,
        line_text ->> 'event' as event_name,
        try_cast(line_text ->> 'ts' as timestamp) as event_at,
        _loaded_at as loaded_at,
        line_text as properties
    from "{alias}".{SERVER_LOG_LINES.qualified_name}
    where json_valid(line_text)
    qualify row_number() over (partition by log_file, line_number order by _loaded_at) = 1"""
    return [
        f"create table events as {tracks}\n    union all{pages}\n    union all{log_lines}",
        """create table daily_events as
    select
        cast(event_at as date) as event_date,
        coalesce(user_id, anonymous_id) as person_id,
        event_name,
        count(*) as event_count
    from events
    group by all""",
        "checkpoint",
    ]


def run_reference(db_path: Path, scratch: Path, *, memory_limit: str) -> ReferenceRun:
    """Run the reference pipeline on db_path's raw tables into a new file at scratch; time it."""
    with scratch_reading(db_path, scratch, memory_limit, what="reference file") as con:
        started, cpu_started = time.perf_counter(), time.process_time()
        for statement in reference_sql(db_path.stem):
            con.execute(statement)
        seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
        counts = con.execute("select (select count(*) from events), (select count(*) from daily_events)").fetchone()
    events, daily_rows = (int(counts[0]), int(counts[1])) if counts else (0, 0)
    return ReferenceRun(seconds=seconds, cpu_seconds=cpu_seconds, events=events, daily_rows=daily_rows)
