"""Segment raw messages (JSON lines, as the archive and webhook destinations deliver them) → ``raw_segment``.

Each line is one message in Segment's spec (camelCase: ``messageId``, ``anonymousId``,
``userId``, ``type``, ``event``, ``name``, ``properties``, ``traits``, ``context``,
``groupId``, ``timestamp``, ``sentAt``, ``originalTimestamp``, ``receivedAt``) or a batch
payload ``{"batch": [...], "sentAt": ..., "context": {...}}`` whose messages take the batch's
``sentAt`` and ``context`` when they have none of their own. Messages are mapped to the columns
Segment's warehouse connector writes (docs/loading.md has the table), with the track's
``event`` as Segment's slug of the name (:func:`event_slug`) and ``event_text`` as sent.

Everything runs in DuckDB, a block of lines at a time, with no Python work per line: each
line is parsed once into a struct of the fields landed (``json_transform``), the elements of
a batch payload likewise, and every column is taken from that struct in the same pass.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path

import duckdb

from usage_warehouse import raw_schema
from usage_warehouse.load.files import BLOCK_VIEW, SPLIT_LINES_SQL, text_blocks
from usage_warehouse.load.manifest import REJECTED_LINES
from usage_warehouse.load.progress import RowRate

TABLES: tuple[raw_schema.RawTable, ...] = (
    raw_schema.SEGMENT_TRACKS,
    raw_schema.SEGMENT_PAGES,
    raw_schema.SEGMENT_IDENTIFIES,
    raw_schema.SEGMENT_GROUPS,
)

# Call type → raw table. A screen (mobile) is landed as a page; alias has no raw table.
TYPE_TABLES: dict[str, raw_schema.RawTable] = {
    "track": raw_schema.SEGMENT_TRACKS,
    "page": raw_schema.SEGMENT_PAGES,
    "screen": raw_schema.SEGMENT_PAGES,
    "identify": raw_schema.SEGMENT_IDENTIFIES,
    "group": raw_schema.SEGMENT_GROUPS,
}


# Segment's slug of an event name (its warehouse connector's ``tracks.event`` and event table
# names, go-snakecase): the words of the name, lowercased, joined by "_". A word is a run of
# capitals and digits followed by lowercase letters and digits ("Base64Encode" is two words),
# anything else separates words: "Report Exported" → report_exported, "inviteYourTeam" →
# invite_your_team, "FOO:BAR" → foo_bar, "Step 2 Done" → step_2_done.
_SLUG_WORD = "[A-Z0-9]+[a-z0-9]*|[a-z0-9]+"


def event_slug(name: str) -> str:
    """Segment's slug of an event name (see ``_SLUG_WORD``); the SQL twin is :func:`event_slug_sql`."""
    return "_".join(word.lower() for word in re.findall(_SLUG_WORD, name))


def event_slug_sql(expression: str) -> str:
    """DuckDB SQL for :func:`event_slug` of a text expression (null stays null)."""
    return f"lower(array_to_string(regexp_extract_all({expression}, '{_SLUG_WORD}'), '_'))"


_CONTEXT_SHAPE: dict[str, object] = {
    "library": {"name": "VARCHAR", "version": "VARCHAR"},
    "ip": "VARCHAR",
    "userAgent": "VARCHAR",
    "page": {field: "VARCHAR" for field in ("path", "url", "referrer", "title", "search")},
    "campaign": {"name": "VARCHAR", "source": "VARCHAR", "medium": "VARCHAR"},
}
_TEXT_FIELDS = ("messageId", "anonymousId", "userId", "type", "event", "name", "groupId")
_TIME_FIELDS = ("timestamp", "originalTimestamp", "sentAt", "receivedAt")
# Every line (and batch element) is parsed once into this shape (json_transform); a field of
# another JSON type becomes its JSON text, a missing one null. ``batch`` is the batch payload's array.
_MESSAGE_SHAPE = json.dumps(
    {
        **dict.fromkeys(_TEXT_FIELDS + _TIME_FIELDS, "VARCHAR"),
        "properties": "JSON",
        "traits": "JSON",
        "context": _CONTEXT_SHAPE,
        "batch": "JSON",
    }
)
_JSON_WHITESPACE = "' ' || chr(9) || chr(13)"


def _present(value: str) -> str:
    """The value, with an empty string taken as missing (for the checks)."""
    return f"nullif(trim({value}), '')"


def _time(value: str) -> str:
    return f"try_cast({_present(value)} as timestamptz)::timestamp"


def _payload(value: str) -> str:
    """A JSON value as text: objects as JSON, a string as the string itself (kept for the warehouse to judge)."""
    kind = f"json_type({value})"
    return f"case {kind} when 'VARCHAR' then {value} ->> '$' when 'NULL' then null else {value}::varchar end"


def _message_columns(batch: bool) -> str:
    """Every landed field of the parsed message ``m``, as flat columns; batch elements fall back
    to their batch's ``context`` (``batch_context``) and ``sentAt`` (``batch_sent_at``)."""

    def context(path: str) -> str:
        own = "m.context." + path
        return f"coalesce({own}, batch_context.{path})" if batch else own

    sent_at = f"coalesce({_time('m.sentAt')}, {_time('batch_sent_at')})" if batch else _time("m.sentAt")
    is_page = "lower(m.type) in ('page', 'screen')"
    columns = {
        "id": "m.messageId",
        "type_text": "m.type",
        "anonymous_id": "m.anonymousId",
        "user_id": "m.userId",
        "timestamp": _time("m.timestamp"),
        "original_timestamp": _time("m.originalTimestamp"),
        "sent_at": sent_at,
        "received_at": _time("m.receivedAt"),
        "context_library_name": context("library.name"),
        "context_library_version": context("library.version"),
        "context_ip": context("ip"),
        "context_user_agent": context("userAgent"),
        "context_page_path": context("page.path"),
        "context_page_url": context("page.url"),
        "context_page_referrer": context("page.referrer"),
        "context_page_title": context("page.title"),
        "context_campaign_name": context("campaign.name"),
        "context_campaign_source": context("campaign.source"),
        "context_campaign_medium": context("campaign.medium"),
        "event_text": "m.event",
        "name": "m.name",
        "group_id": "m.groupId",
        "properties": _payload("m.properties"),
        "traits": _payload("m.traits"),
        # A page's own location: its properties (analytics.js fills them), else its page context.
        **{
            field: f"case when {is_page} then coalesce(json_extract_string(m.properties, '$.{field}'), "
            f"{context('page.' + field)}) end"
            for field in ("path", "url", "referrer", "title", "search")
        },
    }
    return ",\n    ".join(f"{expression} as {column}" for column, expression in columns.items())


_MESSAGES = "segment_messages"
_CHECKED = "segment_checked"

# One row per line of the block: the message (or the batch payload) parsed once, flattened.
_LINES_SQL = f"""
create or replace temp table {_MESSAGES} as
with parsed as (
    select
        line_number,
        line_text,
        json_valid(line_text) as is_json,
        is_json and starts_with(ltrim(line_text, {_JSON_WHITESPACE}), '{{') as is_object,
        case when is_object then json_transform(line_text, '{_MESSAGE_SHAPE}') end as m,
    from ({SPLIT_LINES_SQL})
)

select
    line_number,
    null::bigint as batch_position,
    line_text as message_text,
    case
        when not is_json then 'not valid JSON'
        when not is_object then 'not a JSON object (a ' || lower(json_type(line_text)) || ')'
        when json_type(m.batch) not in ('ARRAY', 'NULL')
            then 'batch is not an array (a ' || lower(json_type(m.batch)) || ')'
    end as problem,
    coalesce(json_type(m.batch) = 'ARRAY', false) as is_batch,
    case when is_batch then m.batch end as batch_items,
    case when is_batch then m.sentAt end as batch_sent_at,
    case when is_batch then m.context end as batch_context,
    {_message_columns(batch=False)},
from parsed
"""

# Every element of the block's batch payloads, parsed once, with its batch's sentAt and context.
_BATCH_ELEMENTS_SQL = f"""
insert into {_MESSAGES}
with elements as (
    select
        line_number,
        batch_sent_at,
        batch_context,
        unnest(range(1, len(items) + 1)) as batch_position,
        unnest(items) as element,
    from (select *, json_transform(batch_items, '["JSON"]') as items from {_MESSAGES} where is_batch)
),

parsed as (
    select
        *,
        coalesce(json_type(element) = 'OBJECT', false) as is_object,
        case when is_object then json_transform(element, '{_MESSAGE_SHAPE}') end as m,
    from elements
)

select
    line_number,
    batch_position,
    coalesce(element::varchar, 'null') as message_text,
    case when not is_object then 'batch element is not a JSON object' end as problem,
    false as is_batch,
    null as batch_items,
    batch_sent_at,
    batch_context,
    {_message_columns(batch=True)},
from parsed
"""

_CHECK_SQL = f"""
create or replace temp view {_CHECKED} as
select
    *,
    coalesce(
        problem,
        case
            when {_present("id")} is null then 'missing messageId'
            when {_present("type_text")} is null then 'missing type'
            when lower(type_text) not in ({", ".join(f"'{t}'" for t in TYPE_TABLES)})
                then 'type ' || type_text || ' has no raw table (landed types: {", ".join(TYPE_TABLES)})'
        end
    ) as reason,
    lower(type_text) as call_type,
from {_MESSAGES}
where not is_batch
"""

# Columns of a raw table that are not a flat message column of the same name.
_DERIVED: dict[str, str] = {"uuid_ts": "$loaded_at", "event": event_slug_sql("event_text")}


def _insert_sql(table: raw_schema.RawTable) -> str:
    types = ", ".join(f"'{t}'" for t, target in TYPE_TABLES.items() if target is table)
    columns = ", ".join(table.column_names)
    values = ", ".join(_DERIVED.get(column, column) for column in table.column_names)
    return (
        f"insert into {table.qualified_name} ({columns})\nselect {values}\n"
        f"from {_CHECKED} where reason is null and call_type in ({types}) order by line_number, batch_position"
    )


_INSERT_SQL = {table.qualified_name: _insert_sql(table) for table in TABLES}

_REJECT_SQL = f"""
insert into {REJECTED_LINES.qualified_name} ({", ".join(REJECTED_LINES.column_names)})
select $sha, $file_name, line_number, batch_position, reason, message_text, $loaded_at
from {_CHECKED} where reason is not null order by line_number, batch_position
"""


def land_segment_file(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    *,
    file_name: str,
    sha256: str,
    loaded_at: datetime,
    rate: RowRate,
) -> None:
    """Parse one file of Segment messages into ``con``'s raw_segment tables and ``raw_loads.rejected_lines``."""
    for block in text_blocks(path):
        con.register(BLOCK_VIEW, block.table)
        con.execute(_LINES_SQL, {"first_line": block.first_line})
        con.unregister(BLOCK_VIEW)
        con.execute(_BATCH_ELEMENTS_SQL)
        con.execute(_CHECK_SQL)
        for sql in _INSERT_SQL.values():
            con.execute(sql, {"loaded_at": loaded_at})
        con.execute(_REJECT_SQL, {"sha": sha256, "file_name": file_name, "loaded_at": loaded_at})
        rate.add(block.lines)
