"""PostgreSQL: a throwaway local server for tests, and the engine that lands raw rows in it.

``PostgresServer`` starts a private PostgreSQL cluster (``initdb`` into a temporary directory,
``pg_ctl start`` on 127.0.0.1 with a free port, trust authentication) and removes it on exit.
PostgreSQL refuses to run as root, so when the caller is root the server binaries run as the
``postgres`` operating-system user (``runuser``), which owns the temporary directory.

``PostgresEngine`` talks to any PostgreSQL database (that server or a real one) through psycopg2.
"""

from __future__ import annotations

import glob
import io
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

import duckdb
import psycopg2

from usage_warehouse.engines import translate_type
from usage_warehouse.raw_schema import RawTable

# DuckDB types of the raw landing contract (raw_schema.py) and their PostgreSQL names.
_POSTGRES_TYPES: dict[str, str] = {
    "varchar": "text",
    "timestamp": "timestamp",
    "bigint": "bigint",
    "integer": "integer",
    "boolean": "boolean",
    "double": "double precision",
    "date": "date",
}

_COPY_BATCH_ROWS = 50_000


def postgres_type(duckdb_type: str) -> str:
    """The PostgreSQL type of a raw-contract column type (DuckDB spelling)."""
    return translate_type(duckdb_type, _POSTGRES_TYPES, "PostgreSQL", f"_POSTGRES_TYPES in {__file__}", "numeric")


def create_table_sql(table: RawTable) -> str:
    """``create table if not exists`` for a raw table, with PostgreSQL types."""
    cols = ",\n    ".join(f"{name} {postgres_type(sql_type)}" for name, sql_type in table.columns)
    return f"create table if not exists {table.qualified_name} (\n    {cols}\n)"


def _copy_text_value(value: Any) -> str:
    """One value in COPY's text format: \\N for null, backslash escapes for the separators."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime | date):
        return value.isoformat()
    text = str(value)
    if "\x00" in text:
        raise ValueError(f"text value {text[:80]!r} contains a NUL character, which PostgreSQL cannot store")
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _copy_text(rows: Iterable[Sequence[Any]]) -> io.StringIO:
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join(_copy_text_value(value) for value in row))
        buffer.write("\n")
    buffer.seek(0)
    return buffer


class PostgresEngine:
    """A PostgreSQL database reached over TCP with psycopg2."""

    name = "postgres"

    def __init__(
        self,
        *,
        host: str,
        port: int,
        user: str,
        dbname: str,
        password: str | None = None,
        schema: str = "usage",
        threads: int = 2,
    ) -> None:
        self.host = host
        self.port = port
        self.user = user
        self.dbname = dbname
        self.password = password
        self.schema = schema
        self.threads = threads

    def _connect(self) -> Any:
        con = psycopg2.connect(
            host=self.host, port=self.port, user=self.user, dbname=self.dbname, password=self.password
        )
        con.autocommit = True
        return con

    def execute(self, sql: str) -> None:
        con = self._connect()
        try:
            with con.cursor() as cur:
                cur.execute(sql)
        finally:
            con.close()

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        con = self._connect()
        try:
            with con.cursor() as cur:
                cur.execute(sql)
                return [tuple(row) for row in cur.fetchall()]
        finally:
            con.close()

    def append_raw(self, source: duckdb.DuckDBPyConnection, tables: Sequence[RawTable]) -> dict[str, int]:
        """Append each table's rows with COPY (text format), in batches, in one transaction per table."""
        counts: dict[str, int] = {}
        con = self._connect()
        try:
            for table in tables:
                columns = ", ".join(table.column_names)
                result = source.execute(f"select {columns} from {table.qualified_name}")
                con.autocommit = False
                with con.cursor() as cur:
                    cur.execute(f"create schema if not exists {table.schema}")
                    cur.execute(create_table_sql(table))
                    appended = 0
                    while batch := result.fetchmany(_COPY_BATCH_ROWS):
                        try:
                            cur.copy_expert(f"copy {table.qualified_name} ({columns}) from stdin", _copy_text(batch))
                        except (psycopg2.Error, ValueError) as exc:
                            con.rollback()
                            raise RuntimeError(
                                f"could not append rows to {table.qualified_name} on PostgreSQL "
                                f"{self.host}:{self.port}/{self.dbname}: {exc}"
                            ) from exc
                        appended += len(batch)
                con.commit()
                con.autocommit = True
                counts[table.qualified_name] = appended
        finally:
            con.close()
        return counts

    def dbt_env(self) -> Mapping[str, str]:
        env = {
            "USAGE_WAREHOUSE_TARGET": "postgres",
            "USAGE_WAREHOUSE_PG_HOST": self.host,
            "USAGE_WAREHOUSE_PG_PORT": str(self.port),
            "USAGE_WAREHOUSE_PG_USER": self.user,
            "USAGE_WAREHOUSE_PG_DBNAME": self.dbname,
            "USAGE_WAREHOUSE_SCHEMA": self.schema,
            "USAGE_WAREHOUSE_THREADS": str(self.threads),
        }
        if self.password is not None:
            env["USAGE_WAREHOUSE_PG_PASSWORD"] = self.password
        return env


def find_postgres_bin_dir() -> Path:
    """The directory of PostgreSQL's server binaries: $USAGE_WAREHOUSE_PG_BIN, initdb on PATH, or the
    newest /usr/lib/postgresql/<version>/bin (Debian)."""
    configured = os.environ.get("USAGE_WAREHOUSE_PG_BIN")
    if configured:
        return Path(configured)
    on_path = shutil.which("initdb")
    if on_path:
        return Path(on_path).parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if candidates:
        return Path(candidates[-1]).parent
    raise FileNotFoundError(
        "PostgreSQL's initdb was not found on PATH nor in /usr/lib/postgresql/*/bin: install the server "
        "(Debian: apt-get install postgresql, or `make system-deps`) or set USAGE_WAREHOUSE_PG_BIN"
    )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PostgresServer:
    """A private PostgreSQL cluster on 127.0.0.1 for the length of a ``with`` block.

    >>> with PostgresServer() as server:
    ...     engine = server.engine()
    """

    def __init__(
        self, *, dbname: str = "usage_warehouse", os_user: str = "postgres", start_timeout: float = 60
    ) -> None:
        self.dbname = dbname
        self.user = "postgres"  # the database superuser initdb creates
        self.host = "127.0.0.1"
        self.port = 0
        self.start_timeout = start_timeout
        self._bin_dir = find_postgres_bin_dir()
        self._run_as = os_user if os.geteuid() == 0 else None
        if self._run_as is not None:
            try:
                pwd.getpwnam(self._run_as)
            except KeyError:
                raise RuntimeError(
                    f"PostgreSQL refuses to run as root and there is no operating-system user {self._run_as!r} to "
                    "run it as: install Debian's postgresql package (it creates the user), pass os_user=, "
                    "or run as a non-root user"
                ) from None
        self._dir: Path | None = None

    @property
    def directory(self) -> Path:
        """The server's temporary directory: data, socket and log."""
        if self._dir is None:
            raise RuntimeError("the PostgreSQL server is not started: use it in a `with PostgresServer()` block")
        return self._dir

    @property
    def data_dir(self) -> Path:
        return self.directory / "data"

    def _run(self, *args: str) -> None:
        cmd = [str(self._bin_dir / args[0]), *args[1:]]
        if self._run_as is not None:
            cmd = ["runuser", "-u", self._run_as, "--", *cmd]
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            log = self._dir / "server.log" if self._dir else None
            tail = log.read_text()[-2000:] if log and log.exists() else ""
            raise RuntimeError(
                f"`{' '.join(cmd)}` failed (exit {done.returncode}):\n{done.stdout}{done.stderr}\n"
                f"server log tail:\n{tail}"
            )

    def start(self) -> PostgresServer:
        self._dir = Path(tempfile.mkdtemp(prefix="usage_warehouse_pg_"))
        if self._run_as is not None:
            entry = pwd.getpwnam(self._run_as)
            os.chown(self._dir, entry.pw_uid, entry.pw_gid)
        try:
            self._run("initdb", "-D", str(self.data_dir), "-U", self.user, "--auth=trust", "-E", "UTF8", "--no-sync")
            self._start_server()
            self._wait_until_ready()
            admin = PostgresEngine(host=self.host, port=self.port, user=self.user, dbname="postgres")
            admin.execute(f"create database {self.dbname}")
        except BaseException:
            self.stop()
            raise
        return self

    def _start_server(self, attempts: int = 3) -> None:
        """pg_ctl start on a free port; another process may take the port between the check and the
        start, so a failed start is retried on a new port."""
        for attempt in range(attempts):
            self.port = _free_port()
            options = (
                f"-c listen_addresses={self.host} -p {self.port} -k {self.directory} "
                "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c timezone=UTC"
            )
            log = str(self.directory / "server.log")
            try:
                wait = str(int(self.start_timeout))
                self._run("pg_ctl", "-D", str(self.data_dir), "-o", options, "-l", log, "-w", "-t", wait, "start")
                return
            except RuntimeError:
                if attempt == attempts - 1:
                    raise

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + self.start_timeout
        while True:
            try:
                PostgresEngine(host=self.host, port=self.port, user=self.user, dbname="postgres").query("select 1")
                return
            except psycopg2.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def stop(self) -> None:
        if self._dir is None:
            return
        if (self.data_dir / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(self.data_dir), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self._dir, ignore_errors=True)
        self._dir = None

    def engine(self, *, schema: str = "usage", threads: int = 2) -> PostgresEngine:
        """The engine for the server's database."""
        return PostgresEngine(
            host=self.host, port=self.port, user=self.user, dbname=self.dbname, schema=schema, threads=threads
        )

    def __enter__(self) -> PostgresServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()
