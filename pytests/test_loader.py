"""The loader on small hand-written export files: column mapping, batches, rejects, CSV checks, idempotency."""

from __future__ import annotations

import gzip
import json
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest

from usage_warehouse.cli import main
from usage_warehouse.engines import DuckDBEngine
from usage_warehouse.engines.postgres import PostgresEngine, PostgresServer
from usage_warehouse.load import AppCsvError, load_files
from usage_warehouse.load.segment import event_slug, event_slug_sql
from usage_warehouse.load.targets import TargetError, engine_for_target

LOADED_AT = datetime(2026, 10, 4, 6, 0)

TRACK = {
    "messageId": "m-track-1",
    "type": "track",
    "event": "Report Exported",
    "userId": "usr_1",
    "anonymousId": "anon_1",
    "properties": {"format": "pdf", "pages": 3},
    "context": {
        "library": {"name": "analytics.js", "version": "4.1.0"},
        "ip": "203.0.113.7",
        "userAgent": "Mozilla/5.0",
        "page": {"path": "/reports/9", "url": "https://app.example.com/reports/9", "referrer": "", "title": "R9"},
        "campaign": {"name": "fall", "source": "newsletter", "medium": "email"},
    },
    "originalTimestamp": "2026-10-01T11:59:58.000+02:00",
    "sentAt": "2026-10-01T10:00:00.000Z",
    "receivedAt": "2026-10-01T10:00:01.500Z",
    "timestamp": "2026-10-01T09:59:59.500Z",
}
PAGE = {
    "messageId": "m-page-1",
    "type": "page",
    "name": "Reports",
    "anonymousId": "anon_1",
    "properties": {"path": "/reports", "title": "Reports | App"},
    "context": {"page": {"path": "/ignored", "url": "https://app.example.com/reports?x=1", "search": "?x=1"}},
    "receivedAt": "2026-10-01T10:05:00Z",
}
SCREEN = {"messageId": "m-screen-1", "type": "screen", "name": "Dashboard", "userId": "usr_2"}
IDENTIFY = {"messageId": "m-id-1", "type": "identify", "userId": "usr_1", "traits": {"email": "a@example.com"}}
GROUP = {"messageId": "m-grp-1", "type": "group", "userId": "usr_1", "groupId": "acc_A", "traits": "not an object"}
BATCH = {
    "batch": [
        {"messageId": "m-b-1", "type": "track", "event": "Filter Applied", "userId": "usr_2"},
        {"messageId": "m-b-2", "type": "track", "event": "Chart Created", "sentAt": "2026-10-02T08:00:00Z"},
        42,
    ],
    "sentAt": "2026-10-02T09:00:00Z",
    "context": {"library": {"name": "analytics-python", "version": "2.4.0"}},
}


def _jsonl(path: Path, lines: list[Any], *, gz: bool = False) -> Path:
    text = "\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    if gz:
        path.write_bytes(gzip.compress(text.encode()))
    else:
        path.write_text(text)
    return path


def _rows(db: Path, sql: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


@pytest.fixture
def segment_file(tmp_path: Path) -> Path:
    lines = [TRACK, PAGE, "", "{not json", "[1, 2]", {"type": "track"}, SCREEN, IDENTIFY, GROUP]
    lines += [{"messageId": "m-alias", "type": "alias", "previousId": "anon_1", "userId": "usr_1"}, BATCH]
    return _jsonl(tmp_path / "segment" / "2026-10-01" / "part-0001.json.gz", lines, gz=True)


def test_segment_messages_land_in_the_warehouse_columns(tmp_path: Path, segment_file: Path) -> None:
    db = tmp_path / "w.duckdb"
    report = load_files(DuckDBEngine(db), segment_paths=[segment_file.parents[1]], loaded_at=LOADED_AT)

    assert report.rows == {
        "raw_segment.tracks": 3,
        "raw_segment.pages": 2,
        "raw_segment.identifies": 1,
        "raw_segment.groups": 1,
    }
    track = _rows(db, "select * exclude (properties), properties from raw_segment.tracks where id = 'm-track-1'")
    assert track == [
        (
            "m-track-1",
            "anon_1",
            "usr_1",
            datetime(2026, 10, 1, 9, 59, 59, 500000),
            datetime(2026, 10, 1, 9, 59, 58),  # +02:00 converted to UTC
            datetime(2026, 10, 1, 10, 0),
            datetime(2026, 10, 1, 10, 0, 1, 500000),
            LOADED_AT,
            "analytics.js",
            "4.1.0",
            "203.0.113.7",
            "Mozilla/5.0",
            "/reports/9",
            "https://app.example.com/reports/9",
            "",
            "R9",
            "fall",
            "newsletter",
            "email",
            "report_exported",  # event: Segment's slug of the name
            "Report Exported",  # event_text: the name as sent
            '{"format":"pdf","pages":3}',
        )
    ]
    pages = _rows(
        db,
        "select id, name, path, url, title, search, context_page_path, user_id, properties "
        "from raw_segment.pages order by id",
    )
    assert pages == [
        # The page's own location comes from its properties, else from its page context.
        (
            "m-page-1",
            "Reports",
            "/reports",
            "https://app.example.com/reports?x=1",
            "Reports | App",
            "?x=1",
            "/ignored",
            None,
            '{"path":"/reports","title":"Reports | App"}',
        ),
        # A screen call lands as a page.
        ("m-screen-1", "Dashboard", None, None, None, None, None, "usr_2", None),
    ]
    assert _rows(db, "select id, user_id, traits from raw_segment.identifies") == [
        ("m-id-1", "usr_1", '{"email":"a@example.com"}')
    ]
    # A payload that is not an object is landed as its text, for the warehouse to quarantine.
    assert _rows(db, "select id, group_id, traits from raw_segment.groups") == [("m-grp-1", "acc_A", "not an object")]


def test_batch_payloads_take_the_batch_sent_at_and_context(tmp_path: Path, segment_file: Path) -> None:
    db = tmp_path / "w.duckdb"
    load_files(DuckDBEngine(db), segment_paths=[segment_file.parents[1]], loaded_at=LOADED_AT)
    assert _rows(
        db,
        "select id, event_text, user_id, sent_at, context_library_name, context_library_version, uuid_ts "
        "from raw_segment.tracks where id like 'm-b-%' order by id",
    ) == [
        ("m-b-1", "Filter Applied", "usr_2", datetime(2026, 10, 2, 9), "analytics-python", "2.4.0", LOADED_AT),
        ("m-b-2", "Chart Created", None, datetime(2026, 10, 2, 8), "analytics-python", "2.4.0", LOADED_AT),
    ]


def test_broken_lines_are_rejected_with_a_reason(tmp_path: Path, segment_file: Path) -> None:
    db = tmp_path / "w.duckdb"
    report = load_files(DuckDBEngine(db), segment_paths=[segment_file.parents[1]], loaded_at=LOADED_AT)
    rejects = _rows(
        db,
        "select file_name, line_number, batch_position, reason, line_text, loaded_at "
        "from raw_loads.rejected_lines order by line_number, batch_position",
    )
    name = "2026-10-01/part-0001.json"
    assert rejects == [
        (name, 3, None, "not valid JSON", "", LOADED_AT),
        (name, 4, None, "not valid JSON", "{not json", LOADED_AT),
        (name, 5, None, "not a JSON object (a array)", "[1, 2]", LOADED_AT),
        (name, 6, None, "missing messageId", '{"type": "track"}', LOADED_AT),
        (
            name,
            10,
            None,
            "type alias has no raw table (landed types: track, page, screen, identify, group)",
            json.dumps({"messageId": "m-alias", "type": "alias", "previousId": "anon_1", "userId": "usr_1"}),
            LOADED_AT,
        ),
        (name, 11, 3, "batch element is not a JSON object", "42", LOADED_AT),
    ]
    assert report.rejected == 6
    assert report.files[0].reject_reasons["not valid JSON"] == 2


def test_loading_the_same_file_twice_lands_it_once(tmp_path: Path, segment_file: Path) -> None:
    db = tmp_path / "w.duckdb"
    engine = DuckDBEngine(db)
    first = load_files(engine, segment_paths=[segment_file.parents[1]], loaded_at=LOADED_AT)
    # The same content under another name, in the same load: skipped too.
    copy = tmp_path / "again" / "copy.json.gz"
    copy.parent.mkdir()
    copy.write_bytes(segment_file.read_bytes())
    second = load_files(engine, segment_paths=[segment_file.parents[1], copy], loaded_at=datetime(2026, 10, 5))

    assert [f.status for f in first.files] == ["loaded"]
    assert [f.status for f in second.files] == ["skipped", "skipped"]
    assert second.rows == {}
    assert _rows(db, "select count(*) from raw_segment.tracks") == [(3,)]
    assert _rows(db, "select count(*) from raw_loads.rejected_lines") == [(6,)]
    assert _rows(
        db,
        "select file_name, source, rows_loaded, rows_rejected, rows_per_table, loaded_at from raw_loads.loaded_files",
    ) == [
        (
            "2026-10-01/part-0001.json",
            "segment",
            7,
            6,
            json.dumps(
                {
                    "raw_segment.tracks": 3,
                    "raw_segment.pages": 2,
                    "raw_segment.identifies": 1,
                    "raw_segment.groups": 1,
                }
            ),
            LOADED_AT,
        )
    ]


def test_server_log_lines_are_all_kept_broken_ones_included(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    ok = '{"ts": "2026-10-02T10:00:00Z", "event": "api.request", "account_id": "acc_B"}'
    (logs / "api").mkdir(parents=True)
    (logs / "api" / "2026-10-02.log").write_bytes(
        f"{ok}\r\nTraceback (most recent call last):\n\n".encode() + b'{"ts": "caf\xe9"}\n' + b'{"ts": "cut'
    )
    (logs / "worker-2026-10-01.log.gz").write_bytes(gzip.compress(f"{ok}\n".encode()))
    db = tmp_path / "w.duckdb"
    report = load_files(DuckDBEngine(db), server_log_paths=[logs], loaded_at=LOADED_AT)

    assert report.rows == {"raw_server_logs.log_lines": 6}
    assert report.rejected == 0
    assert _rows(
        db, "select log_file, line_number, line_text, _loaded_at from raw_server_logs.log_lines order by 1, 2"
    ) == [
        ("api/2026-10-02.log", 1, ok, LOADED_AT),
        ("api/2026-10-02.log", 2, "Traceback (most recent call last):", LOADED_AT),
        ("api/2026-10-02.log", 3, "", LOADED_AT),
        ("api/2026-10-02.log", 4, '{"ts": "caf\ufffd"}', LOADED_AT),  # not UTF-8: marked with U+FFFD
        ("api/2026-10-02.log", 5, '{"ts": "cut', LOADED_AT),
        ("worker-2026-10-01.log", 1, ok, LOADED_AT),  # .gz is not part of the log file's name
    ]


ACCOUNTS_HEADER = "name,id,plan,seats,industry,country,created_at,updated_at,deleted_at"


def test_app_csv_maps_columns_by_name(tmp_path: Path) -> None:
    app = tmp_path / "app"
    app.mkdir()
    (app / "accounts.csv").write_text(
        f'{ACCOUNTS_HEADER}\n"Acme, Inc.",acc_A,team,5,software,DE,2026-09-01 10:00:00,2026-09-20T12:00:00+02:00,\n'
    )
    (app / "reports__2026-10-03.csv.gz").write_bytes(
        gzip.compress(
            b"id,account_id,created_by_user_id,report_type,created_at,updated_at,_loaded_at\n"
            b"r1,acc_A,usr_1,funnel,2026-10-01 14:00:00,2026-10-01 14:00:00,2026-10-01 15:00:00\n"
            b"r2,acc_A,usr_1,cohort,2026-10-02 14:00:00,2026-10-02 14:00:00,\n"
        )
    )
    db = tmp_path / "w.duckdb"
    report = load_files(DuckDBEngine(db), app_csv_paths=[app], loaded_at=LOADED_AT)

    assert report.rows == {"raw_app.accounts": 1, "raw_app.reports": 2}
    assert _rows(db, "select * from raw_app.accounts") == [
        (
            "acc_A",
            "Acme, Inc.",
            "team",
            5,
            "software",
            "DE",
            datetime(2026, 9, 1, 10),
            datetime(2026, 9, 20, 10),
            None,
            LOADED_AT,
        )
    ]
    # An export's own _loaded_at is kept; where it is empty the row takes the load time.
    assert _rows(db, "select id, report_type, _loaded_at from raw_app.reports order by id") == [
        ("r1", "funnel", datetime(2026, 10, 1, 15)),
        ("r2", "cohort", LOADED_AT),
    ]


@pytest.mark.parametrize(
    ("header", "row", "message"),
    [
        (
            "id,name,plan,seats,industry,country,created_at,updated_at",
            "acc_A,Acme,team,5,software,DE,2026-09-01,2026-09-01",
            "accounts.csv: missing required column(s) deleted_at for raw_app.accounts",
        ),
        (
            f"{ACCOUNTS_HEADER},tier",
            "Acme,acc_A,team,5,software,DE,2026-09-01,2026-09-01,,gold",
            "accounts.csv: unknown column(s) tier for raw_app.accounts",
        ),
        (
            ACCOUNTS_HEADER,
            "Acme,acc_A,team,five,software,DE,2026-09-01,2026-09-01,",
            "accounts.csv, data row 1 (line 2), column seats: 'five' is not a integer",
        ),
    ],
)
def test_app_csv_that_breaks_the_contract_is_refused(tmp_path: Path, header: str, row: str, message: str) -> None:
    (tmp_path / "accounts.csv").write_text(f"{header}\n{row}\n")
    db = tmp_path / "w.duckdb"
    with pytest.raises(AppCsvError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_files(DuckDBEngine(db), app_csv_paths=[tmp_path / "accounts.csv"], loaded_at=LOADED_AT)
    assert _rows(db, "select count(*) from raw_loads.loaded_files") == [(0,)]


def test_load_command_reports_per_file(tmp_path: Path, segment_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "w.duckdb"
    args = ["load", "--db", str(db), "--segment", str(segment_file.parent.parent), "--loaded-at", "2026-10-04T06:00"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "loaded   segment     2026-10-01/part-0001.json: raw_segment.tracks 3, raw_segment.pages 2" in out
    assert "rejected 6 (not valid JSON: 2," in out
    assert main(args) == 0
    assert "skipped  segment     2026-10-01/part-0001.json" in capsys.readouterr().out
    assert main(["load", "--db", str(db), "--app-csv", str(tmp_path / "nothing.csv")]) == 2


def _normalized(table: str, columns: list[str], *, keep_load_time: bool) -> str:
    """The table's rows without its load time, JSON payloads compared as parsed JSON (whitespace aside)."""
    json_columns = {"properties", "traits"}
    picked = [
        f"case when json_valid({c}) and json_type({c}::json) = 'OBJECT' then json({c})::varchar else {c} end"
        if c in json_columns
        else c
        for c in columns
        if c not in ("uuid_ts", "_loaded_at") or keep_load_time
    ]
    return f"select {', '.join(picked)} from {table}"


def test_generated_export_files_load_back_into_the_same_raw_tables(tmp_path: Path) -> None:
    from usage_warehouse.generator import GeneratorConfig, generate, write_duckdb
    from usage_warehouse.load.export import export_raw
    from usage_warehouse.raw_schema import RAW_TABLES

    generated_db, loaded_db, exports = tmp_path / "generated.duckdb", tmp_path / "loaded.duckdb", tmp_path / "exports"
    write_duckdb(generate(GeneratorConfig(accounts=4, days=14, seed=7)), generated_db)
    exported = export_raw(generated_db, exports)
    report = load_files(
        DuckDBEngine(loaded_db),
        segment_paths=[exports / "segment"],
        server_log_paths=[exports / "server_logs"],
        app_csv_paths=[exports / "app"],
        loaded_at=LOADED_AT,
    )

    with duckdb.connect(str(loaded_db)) as con:
        con.execute(f"attach '{generated_db}' as generated (read_only)")
        segment = [t for t in RAW_TABLES if t.schema == "raw_segment"]
        no_id = sum(
            con.execute(
                f"select count(*) from generated.{t.qualified_name} where nullif(trim(id), '') is null"
            ).fetchall()[0][0]
            for t in segment
        )
        # Messages without an id are rejected rather than landed (the warehouse would quarantine them).
        assert report.rejected == no_id
        assert con.execute(
            "select count(*) from raw_loads.rejected_lines where reason <> 'missing messageId'"
        ).fetchall() == [(0,)]
        for table in RAW_TABLES:
            name, columns = table.qualified_name, table.column_names
            keep = table.schema == "raw_app"  # app CSVs carry their _loaded_at
            expected = _normalized(f"generated.{name}", columns, keep_load_time=keep)
            if table in segment:
                expected += " where nullif(trim(id), '') is not null"
            landed = _normalized(name, columns, keep_load_time=keep)
            missing = con.execute(f"select count(*) from ({expected} except all {landed})").fetchall()[0][0]
            extra = con.execute(f"select count(*) from ({landed} except all {expected})").fetchall()[0][0]
            assert (name, missing, extra) == (name, 0, 0)
            assert report.rows[name] == con.execute(f"select count(*) from ({expected})").fetchall()[0][0]
            assert exported[name] >= report.rows[name]
        assert con.execute("select count(distinct uuid_ts) from raw_segment.tracks").fetchall() == [(1,)]


@pytest.fixture(scope="module")
def postgres_server() -> Iterator[PostgresServer]:
    """One throwaway PostgreSQL server for this module's tests; each test uses its own database."""
    with PostgresServer() as server:
        yield server


def _postgres_database(server: PostgresServer, name: str) -> PostgresEngine:
    server.engine().execute(f"create database {name}")
    return PostgresEngine(host=server.host, port=server.port, user=server.user, dbname=name)


def test_loading_lands_on_postgres_too(postgres_server: PostgresServer, segment_file: Path) -> None:
    engine = _postgres_database(postgres_server, "load_api")
    first = load_files(engine, segment_paths=[segment_file.parents[1]], loaded_at=LOADED_AT)
    second = load_files(engine, segment_paths=[segment_file.parents[1]], loaded_at=LOADED_AT)
    assert first.rows == {
        "raw_segment.tracks": 3,
        "raw_segment.pages": 2,
        "raw_segment.identifies": 1,
        "raw_segment.groups": 1,
    }
    assert [f.status for f in second.files] == ["skipped"]
    assert engine.query("select id, original_timestamp, properties from raw_segment.tracks order by id") == [
        ("m-b-1", None, None),
        ("m-b-2", None, None),
        ("m-track-1", datetime(2026, 10, 1, 9, 59, 58), '{"format":"pdf","pages":3}'),
    ]
    assert engine.query("select count(*), sum(rows_rejected) from raw_loads.loaded_files") == [(1, 6)]
    assert engine.query("select count(*) from raw_loads.rejected_lines") == [(6,)]


def test_load_command_lands_on_the_postgres_target_of_the_profile(
    postgres_server: PostgresServer,
    segment_file: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    engine = _postgres_database(postgres_server, "load_cli")
    # The variables profiles.yml's postgres output reads.
    monkeypatch.setenv("USAGE_WAREHOUSE_PG_HOST", postgres_server.host)
    monkeypatch.setenv("USAGE_WAREHOUSE_PG_PORT", str(postgres_server.port))
    monkeypatch.setenv("USAGE_WAREHOUSE_PG_USER", postgres_server.user)
    monkeypatch.setenv("USAGE_WAREHOUSE_PG_DBNAME", "load_cli")
    args = ["load", "--target", "postgres", "--segment", str(segment_file.parents[1]), "--loaded-at", "2026-10-04T06"]

    assert main(args) == 0
    assert "loaded   segment     2026-10-01/part-0001.json: raw_segment.tracks 3, raw_segment.pages 2" in (
        capsys.readouterr().out
    )
    assert engine.query("select id, event, event_text, uuid_ts from raw_segment.tracks order by id") == [
        ("m-b-1", "filter_applied", "Filter Applied", LOADED_AT),
        ("m-b-2", "chart_created", "Chart Created", LOADED_AT),
        ("m-track-1", "report_exported", "Report Exported", LOADED_AT),
    ]
    assert main(args) == 0
    assert "skipped  segment     2026-10-01/part-0001.json" in capsys.readouterr().out

    # A DuckDB file with another target, and a database that does not exist, are refused with what to fix.
    assert main([*args, "--db", "w.duckdb"]) == 2
    assert "--db names a DuckDB file, but the target is postgres" in capsys.readouterr().err
    monkeypatch.setenv("USAGE_WAREHOUSE_PG_DBNAME", "no_such_database")
    assert main(args) == 2
    err = capsys.readouterr().err
    assert f"cannot connect to PostgreSQL database no_such_database at {postgres_server.host}:" in err
    assert "set USAGE_WAREHOUSE_PG_HOST, _PORT, _USER, _PASSWORD and _DBNAME" in err


def test_spark_target_without_the_spark_engine_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "usage_warehouse.engines.spark", None)  # as if not installed
    with pytest.raises(TargetError, match=r"--target spark needs the Spark engine \(usage_warehouse.engines.spark\)"):
        engine_for_target("spark")


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        # go-snakecase's own examples (Segment's warehouse connector slugs event names with it).
        ("sample text", "sample_text"),
        ("sample-text", "sample_text"),
        ("sample___text", "sample_text"),
        ("sampleText", "sample_text"),
        ("inviteYourCustomersAddInvites", "invite_your_customers_add_invites"),
        ("   $#$sample   2    Text   ", "sample_2_text"),
        ("SAMPLE 2 TEXT", "sample_2_text"),
        ("___$$Base64Encode", "base64_encode"),
        ("FOO:BAR$BAZ", "foo_bar_baz"),
        ("something.com", "something_com"),
        ("•¶§ƒ˚foo˙∆˚¬", "foo"),
        ("Report Exported", "report_exported"),
        ("   ", ""),
    ],
)
def test_event_slug_is_segments(name: str, slug: str) -> None:
    assert event_slug(name) == slug
    with duckdb.connect() as con:
        assert con.execute(f"select {event_slug_sql('?')}", [name]).fetchall() == [(slug,)]
