"""Writing a warehouse's raw tables out as the export files the loader reads.

``export_raw`` turns the raw tables of a DuckDB file (e.g. the demo data) into

* ``segment/received_date=<day>/data_0.json.gz``: Segment messages as JSON lines, as an archive
  delivers them (camelCase fields, nested ``context``, ``properties`` and ``traits`` objects);
* ``server_logs/<log_file>``: each log file, one line per row in line-number order;
* ``app/<table>.csv``: one CSV per raw_app table, with a header row and ``_loaded_at``;

so that files → loader → raw tables → marts can be exercised end to end. docs/loading.md lists
what does not survive the round trip (load times, JSON whitespace, messages without id).
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from usage_warehouse import raw_schema
from usage_warehouse.demo.progress import Progress
from usage_warehouse.load.segment import TYPE_TABLES

SEGMENT_DIR = "segment"
SERVER_LOGS_DIR = "server_logs"
APP_DIR = "app"
_FETCH_ROWS = 100_000


def _iso(column: str) -> str:
    return f"strftime({column}, '%Y-%m-%dT%H:%M:%S.%fZ')"


def _json_payload(column: str) -> str:
    """An object stays an object; any other text (malformed payloads included) is exported as a JSON string."""
    return (
        f"case when json_valid({column}) and json_type({column}::json) = 'OBJECT' then {column}::json "
        f"else to_json({column}) end"
    )


_CONTEXT = """{
        'library': {'name': context_library_name, 'version': context_library_version},
        'ip': context_ip,
        'userAgent': context_user_agent,
        'page': {
            'path': context_page_path,
            'url': context_page_url,
            'referrer': context_page_referrer,
            'title': context_page_title
        },
        'campaign': {
            'name': context_campaign_name,
            'source': context_campaign_source,
            'medium': context_campaign_medium
        }
    }"""


def _segment_select(table: raw_schema.RawTable, call_type: str) -> str:
    fields = {
        "track": {"event": "coalesce(event_text, event)", "properties": _json_payload("properties")},
        "page": {"name": "name", "properties": _json_payload("properties")},
        "identify": {"traits": _json_payload("traits")},
        "group": {"groupId": "group_id", "traits": _json_payload("traits")},
    }[call_type]
    nulls = {"event": "null::varchar", "name": "null::varchar", "groupId": "null::varchar"}
    nulls |= {"properties": "null::json", "traits": "null::json"}
    own = ", ".join(f"{fields.get(key, empty)} as {key}" for key, empty in nulls.items())
    return f"""
    select
        id as messageId,
        '{call_type}' as type,
        anonymous_id as anonymousId,
        user_id as userId,
        {own},
        {_CONTEXT} as context,
        {_iso("timestamp")} as timestamp,
        {_iso("original_timestamp")} as originalTimestamp,
        {_iso("sent_at")} as sentAt,
        {_iso("received_at")} as receivedAt,
        coalesce(strftime(received_at, '%Y-%m-%d'), 'unknown') as received_date,
    from {table.qualified_name}"""


def export_raw(db_path: str | Path, export_dir: str | Path, *, progress: Progress | None = None) -> dict[str, int]:
    """Write the raw tables of the DuckDB file as export files under ``export_dir``; rows written per table."""
    out = Path(export_dir)
    progress = progress or Progress.silent()
    written: dict[str, int] = {}
    with duckdb.connect(str(db_path), read_only=True) as con:
        con.execute("set TimeZone = 'UTC'")
        calls = [(TYPE_TABLES[t], t) for t in ("track", "page", "identify", "group")]
        union = "\n    union all".join(_segment_select(table, call_type) for table, call_type in calls)
        (out / SEGMENT_DIR).mkdir(parents=True, exist_ok=True)
        target = str(out / SEGMENT_DIR).replace("'", "''")
        con.execute(
            f"copy ({union}\n    order by received_date, receivedAt, messageId) to '{target}' "
            "(format json, compression gzip, partition_by (received_date), overwrite_or_ignore true)"
        )
        for table, _ in calls:
            written[table.qualified_name] = _count(con, table.qualified_name)
        progress.step("exported Segment messages", sum(written.values()))
        written[raw_schema.SERVER_LOG_LINES.qualified_name] = _export_logs(con, out / SERVER_LOGS_DIR)
        progress.step("exported server log files", written[raw_schema.SERVER_LOG_LINES.qualified_name])
        (out / APP_DIR).mkdir(parents=True, exist_ok=True)
        for table in raw_schema.RAW_TABLES:
            if table.schema != raw_schema.APP_SCHEMA:
                continue
            path = str(out / APP_DIR / f"{table.name}.csv").replace("'", "''")
            columns = ", ".join(table.column_names)
            con.execute(f"copy (select {columns} from {table.qualified_name}) to '{path}' (header, delimiter ',')")
            written[table.qualified_name] = _count(con, table.qualified_name)
        progress.step("exported app CSVs", sum(written[t.qualified_name] for t in raw_schema.RAW_TABLES[5:]))
    return written


def _export_logs(con: duckdb.DuckDBPyConnection, log_dir: Path) -> int:
    """One file per log_file; every line in line-number order (the numbering must run 1, 2, 3, ...)."""
    table = raw_schema.SERVER_LOG_LINES
    result = con.execute(
        f"select log_file, line_number, line_text from {table.qualified_name} order by log_file, line_number"
    )
    current: str | None = None
    stream = None
    expected = 1
    written = 0
    try:
        while rows := result.fetchmany(_FETCH_ROWS):
            for log_file, line_number, line_text in rows:
                if log_file != current:
                    if stream is not None:
                        stream.close()
                    path = log_dir / log_file
                    path.parent.mkdir(parents=True, exist_ok=True)
                    stream = path.open("w", encoding="utf-8", newline="\n")
                    current, expected = log_file, 1
                if line_number != expected or "\n" in (line_text or ""):
                    raise ValueError(
                        f"{table.qualified_name}: {log_file} line {line_number} cannot be written as a file line "
                        f"(expected line {expected}, one line of text): the export needs each file's lines "
                        "numbered 1, 2, 3, ... once each"
                    )
                assert stream is not None
                stream.write(f"{line_text or ''}\n")
                expected += 1
                written += 1
    finally:
        if stream is not None:
            stream.close()
    return written


def _count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    row = con.execute(f"select count(*) from {table}").fetchone()
    return int(row[0]) if row else 0
