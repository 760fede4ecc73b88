"""Server log files → ``raw_server_logs.log_lines``: every line as text, with its file and line number.

Nothing is rejected: a line that is not JSON (a stack trace, a cut-off write) is landed as it
is, and the warehouse quarantines it with a reason.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb

from usage_warehouse import raw_schema
from usage_warehouse.load.files import BLOCK_VIEW, SPLIT_LINES_SQL, text_blocks
from usage_warehouse.load.progress import RowRate

TABLE = raw_schema.SERVER_LOG_LINES
_INSERT_SQL = (
    f"insert into {TABLE.qualified_name} (line_text, log_file, line_number, _loaded_at) "
    f"select line_text, $log_file, line_number, $loaded_at from ({SPLIT_LINES_SQL}) order by line_number"
)


def land_log_file(
    con: duckdb.DuckDBPyConnection, path: Path, *, log_file: str, loaded_at: datetime, rate: RowRate
) -> None:
    """Parse one log file into ``con``'s ``raw_server_logs.log_lines``."""
    for block in text_blocks(path):
        con.register(BLOCK_VIEW, block.table)
        con.execute(_INSERT_SQL, {"log_file": log_file, "loaded_at": loaded_at, "first_line": block.first_line})
        con.unregister(BLOCK_VIEW)
        rate.add(block.lines)
