"""Tests of the demo data generator: determinism, the raw contract, Segment time semantics,
load windows, and that every fault the manifest reports is really in the data."""

from __future__ import annotations

import csv
import json
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from usage_warehouse import raw_schema
from usage_warehouse.cli import main
from usage_warehouse.demo import catalog, vocab
from usage_warehouse.demo.server_logs import EVENTS as LOG_EVENTS
from usage_warehouse.generator import GeneratedData, GeneratorConfig, build_manifest, generate, write_duckdb

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
SMALL = GeneratorConfig(accounts=40, days=60, seed=7)
SEGMENT_TABLES = [t for t in raw_schema.RAW_TABLES if t.schema == raw_schema.SEGMENT_SCHEMA]
EVENT_TABLES = [t for t in raw_schema.RAW_TABLES if t.name not in ("accounts", "users", "subscriptions")]
SNAPSHOT_TABLES = [raw_schema.APP_ACCOUNTS, raw_schema.APP_USERS, raw_schema.APP_SUBSCRIPTIONS]
ALL_SEGMENT_ROWS = " union all ".join(
    f"select id, anonymous_id, user_id, timestamp, original_timestamp, sent_at, received_at, uuid_ts "
    f"from {t.qualified_name}"
    for t in SEGMENT_TABLES
)


@pytest.fixture(scope="module")
def data() -> GeneratedData:
    return generate(SMALL)


@pytest.fixture(scope="module")
def full_db(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, object]]:
    """The small dataset written through the command line, with its manifest."""
    folder = tmp_path_factory.mktemp("full")
    db, manifest = folder / "warehouse.duckdb", folder / "manifest.json"
    exit_code = main(
        [
            "generate",
            "--db",
            str(db),
            "--accounts",
            str(SMALL.accounts),
            "--days",
            str(SMALL.days),
            "--seed",
            str(SMALL.seed),
            "--manifest",
            str(manifest),
        ]
    )
    assert exit_code == 0
    return db, json.loads(manifest.read_text())


def connect_with(**tables: pa.Table) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection where each keyword is a view on that Arrow table."""
    con = duckdb.connect()
    for name, table in tables.items():
        con.register(name, table)
    return con


def scalar(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    row = con.execute(sql).fetchone()
    assert row is not None
    return int(row[0])


def taxonomy_names(source: str) -> set[str]:
    with (SEEDS / "usage_taxonomy.csv").open() as f:
        return {row["event_name"] for row in csv.DictReader(f) if row["source"] == source}


# --- determinism --------------------------------------------------------------------------------


def test_same_seed_gives_identical_tables(data: GeneratedData) -> None:
    again = generate(SMALL)
    assert again.faults == data.faults
    for name, table in data.tables.items():
        assert table.equals(again.tables[name]), f"{name} differs between two runs with the same seed"


def test_different_seed_gives_different_data(data: GeneratedData) -> None:
    other = generate(GeneratorConfig(accounts=SMALL.accounts, days=SMALL.days, seed=SMALL.seed + 1))
    for name in ("raw_segment.tracks", "raw_server_logs.log_lines", "raw_app.users"):
        assert not other.tables[name].equals(data.tables[name]), f"{name} did not change with the seed"


def test_default_end_date_is_fixed_not_today() -> None:
    assert GeneratorConfig().as_of == datetime(2026, 11, 1)


# --- the raw contract ---------------------------------------------------------------------------

_ARROW_TYPES = {
    "varchar": lambda t: pa.types.is_string(t) or (pa.types.is_dictionary(t) and pa.types.is_string(t.value_type)),
    "timestamp": lambda t: t == pa.timestamp("us"),
    "bigint": lambda t: t == pa.int64(),
    "integer": lambda t: t == pa.int32(),
    "boolean": lambda t: t == pa.bool_(),
    "decimal(12,2)": lambda t: t == pa.decimal128(12, 2),
}


@pytest.mark.parametrize("table", raw_schema.RAW_TABLES, ids=lambda t: t.qualified_name)
def test_every_raw_table_has_the_contract_columns(data: GeneratedData, table: raw_schema.RawTable) -> None:
    frame = data.tables[table.qualified_name]
    assert frame.column_names == table.column_names
    for name, sql_type in table.columns:
        assert _ARROW_TYPES[sql_type](frame.schema.field(name).type), f"{table.qualified_name}.{name} is not {sql_type}"
    assert frame.num_rows > 0, f"{table.qualified_name} is empty"


def test_vocabularies_match_the_seeds() -> None:
    with (SEEDS / "plans.csv").open() as f:
        plans = {row["plan"]: float(row["list_price_per_seat"]) for row in csv.DictReader(f)}
    assert {p.name: p.price_per_seat for p in vocab.PLANS} == plans
    assert {t.name for t in catalog.PAGES} == taxonomy_names("segment_page")
    mapped_tracks = {t.name for t in catalog.TRACKS if t.in_taxonomy}
    assert mapped_tracks == taxonomy_names("segment_track")
    assert not {t.name for t in catalog.TRACKS if not t.in_taxonomy} & taxonomy_names("segment_track")
    assert taxonomy_names("server_log") <= set(LOG_EVENTS)


def test_ids_and_emails_look_real(data: GeneratedData) -> None:
    con = connect_with(**{name.replace(".", "_"): table for name, table in data.tables.items()})
    assert scalar(con, "select count(*) from raw_app_accounts where not regexp_full_match(id, 'acc_[0-9]{5}')") == 0
    assert scalar(con, "select count(*) from raw_app_users where not regexp_full_match(id, 'usr_[0-9]{6}')") == 0
    assert (
        scalar(
            con, "select count(*) from raw_app_users where not regexp_full_match(email, '[a-z0-9.]+@[a-z0-9]+\\.com')"
        )
        == 0
    )
    uuid = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
    assert scalar(con, f"select count(*) from raw_segment_tracks where not regexp_full_match(id, '{uuid}')") == 0
    bad_ip = (
        "not regexp_full_match(context_ip, '(\\d{1,3}\\.){3}\\d{1,3}') "
        "or list_max(list_transform(string_split(context_ip, '.'), lambda x: x::int)) > 255"
    )
    assert scalar(con, f"select count(*) from raw_segment_pages where {bad_ip}") == 0


# --- Segment time semantics ---------------------------------------------------------------------


@pytest.mark.parametrize("table", SEGMENT_TABLES, ids=lambda t: t.name)
def test_segment_timestamp_identity_holds_for_every_row(data: GeneratedData, table: raw_schema.RawTable) -> None:
    con = connect_with(rows=data.tables[table.qualified_name])
    broken = scalar(con, "select count(*) from rows where timestamp <> received_at - (sent_at - original_timestamp)")
    assert broken == 0
    assert scalar(con, "select count(*) from rows where uuid_ts < received_at") == 0
    assert scalar(con, "select count(*) from rows where uuid_ts > received_at + interval 3 hours") == 0
    assert (
        scalar(
            con,
            "select count(*) from rows where received_at < sent_at - interval 3 hours "
            "and abs(epoch(original_timestamp) - epoch(timestamp)) < 60",
        )
        == 0
    )


def test_backend_events_have_no_browser_context(data: GeneratedData) -> None:
    con = connect_with(tracks=data.tables["raw_segment.tracks"])
    backend = con.execute(
        "select distinct context_library_name, context_user_agent is null, context_page_url is null "
        "from tracks where event_text = 'API Key Created'"
    ).fetchall()
    assert backend == [("analytics-python", True, True)]
    frontend = scalar(
        con,
        "select count(*) from tracks where event_text <> 'API Key Created' "
        "and (context_library_name <> 'analytics.js' or context_page_url is null)",
    )
    assert frontend == 0


# --- realism ------------------------------------------------------------------------------------


def test_weekends_are_much_quieter_than_weekdays(data: GeneratedData) -> None:
    con = connect_with(pages=data.tables["raw_segment.pages"])
    weekend, weekday = con.execute(
        "select count(*) filter (where isodow(timestamp) >= 6) / 2, count(*) filter (where isodow(timestamp) < 6) / 5 "
        "from pages where timestamp >= (select min(timestamp) + interval 14 days from pages)"
    ).fetchone() or (0, 0)
    assert weekend < 0.35 * weekday


def test_accounts_grow_decline_and_churn(data: GeneratedData) -> None:
    con = connect_with(subs=data.tables["raw_app.subscriptions"])
    assert scalar(con, "select count(*) from subs where status = 'canceled' and ended_at is not null") > 0
    upsold = """select count(*) from (select account_id, arg_min(seats, started_at) first_seats,
                arg_max(seats, started_at) last_seats from subs group by 1) where last_seats > first_seats"""
    assert scalar(con, upsold) > 0
    assert (
        scalar(
            con,
            "select count(*) from subs where mrr_amount <> seats * case plan when 'team' then 25 "
            "when 'business' then 45 when 'enterprise' then 70 else 0 end",
        )
        == 0
    )


# --- load windows -------------------------------------------------------------------------------


def _table_rows(con: duckdb.DuckDBPyConnection, db: str, table: raw_schema.RawTable) -> list[tuple[object, ...]]:
    return sorted(con.execute(f"select * from {db}.{table.qualified_name}").fetchall(), key=repr)


def _latest_versions(con: duckdb.DuckDBPyConnection, db: str, table: raw_schema.RawTable) -> list[tuple[object, ...]]:
    latest = "qualify row_number() over (partition by id order by _loaded_at desc) = 1"
    sql = f"select * from {db}.{table.qualified_name} {latest}"
    return sorted(con.execute(sql).fetchall(), key=repr)


def test_load_windows_add_up(data: GeneratedData, tmp_path: Path) -> None:
    start, as_of = datetime.fromisoformat("2026-11-01") - timedelta(days=SMALL.days), SMALL.as_of
    a, b, c = start + timedelta(days=20), as_of - timedelta(days=2, hours=5), as_of
    written_ab = write_duckdb(data, tmp_path / "split.duckdb", load_from=a, load_until=b)
    written_bc = write_duckdb(data, tmp_path / "split.duckdb", mode="append", load_from=b, load_until=c)
    written_ac = write_duckdb(data, tmp_path / "whole.duckdb", load_from=a, load_until=c)
    con = duckdb.connect()
    con.execute(f"attach '{tmp_path / 'split.duckdb'}' as split (read_only)")
    con.execute(f"attach '{tmp_path / 'whole.duckdb'}' as whole (read_only)")
    for table in EVENT_TABLES:
        name = table.qualified_name
        assert written_ab[name] + written_bc[name] == written_ac[name], name
        assert _table_rows(con, "split", table) == _table_rows(con, "whole", table), name
    for table in SNAPSHOT_TABLES:
        assert _latest_versions(con, "split", table) == _latest_versions(con, "whole", table), table.qualified_name
    assert written_bc["raw_segment.tracks"] > 0 and written_bc["raw_app.users"] > 0


def test_snapshot_tables_hold_one_current_row_per_id(full_db: tuple[Path, dict[str, object]]) -> None:
    con = duckdb.connect(str(full_db[0]), read_only=True)
    for table in SNAPSHOT_TABLES:
        rows = scalar(con, f"select count(*) from {table.qualified_name}")
        assert rows == scalar(con, f"select count(distinct id) from {table.qualified_name}") > 0


def test_append_requires_a_start_and_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["generate", "--db", str(tmp_path / "x.duckdb"), "--mode", "append"]) == 2
    assert "append mode needs load_from" in capsys.readouterr().err


def test_bad_settings_are_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["generate", "--db", str(tmp_path / "x.duckdb"), "--accounts", "0"]) == 2
    assert "accounts=0 must be between 1" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["generate", "--db", str(tmp_path / "x.duckdb"), "--load-until", "yesterday"])
    assert "is not a timestamp" in capsys.readouterr().err


# --- faults -------------------------------------------------------------------------------------


def test_manifest_counts_rows_and_faults(full_db: tuple[Path, dict[str, object]], data: GeneratedData) -> None:
    _, manifest = full_db
    assert manifest == json.loads(json.dumps(build_manifest(data, manifest["rows_written"])))  # type: ignore[arg-type]
    assert manifest["rows_generated"] == data.row_counts


def test_duplicate_deliveries_match_the_manifest(full_db: tuple[Path, dict[str, object]]) -> None:
    db, manifest = full_db
    faults = manifest["faults"]
    assert isinstance(faults, dict)
    con = duckdb.connect(str(db), read_only=True)
    same_batch, days_apart, changed, extra_rows = con.execute("""
        with copies as (
            select id, received_at, properties from raw_segment.tracks
            union all select id, received_at, properties from raw_segment.pages),
        ranked as (
            select *, row_number() over (partition by id order by received_at) as nth,
                   received_at - first_value(received_at) over (partition by id order by received_at) as gap,
                   first_value(properties) over (partition by id order by received_at) as first_properties
            from copies)
        select count(*) filter (where nth > 1 and properties = first_properties and gap < interval 1 minute),
               count(*) filter (where nth > 1 and properties = first_properties and gap >= interval 1 day),
               count(*) filter (where nth > 1 and properties <> first_properties),
               count(*) - count(distinct id)
        from ranked""").fetchone() or (0, 0, 0, 0)
    assert same_batch == faults["segment_duplicates_same_batch"] > 0
    assert days_apart == faults["segment_duplicates_days_apart"] > 0
    assert changed == faults["segment_duplicates_different_payload"] > 0
    assert extra_rows == same_batch + days_apart + changed


def test_segment_faults_match_the_manifest(full_db: tuple[Path, dict[str, object]]) -> None:
    db, manifest = full_db
    faults = manifest["faults"]
    assert isinstance(faults, dict)
    con = duckdb.connect(str(db), read_only=True)
    skew = f"abs(epoch_us(original_timestamp) - epoch_us(timestamp)) as s from ({ALL_SEGMENT_ROWS})"
    assert (
        scalar(con, f"select count(*) from ({ALL_SEGMENT_ROWS}) where sent_at - original_timestamp > interval 1 hour")
        == faults["late_events"]
        > 0
    )
    assert (
        scalar(con, f"select count(*) filter (where s > 60e6 and s < 30 * 86400e6) from (select {skew})")
        == faults["clock_skew_events"]
        > 0
    )
    assert (
        scalar(con, f"select count(*) filter (where s >= 30 * 86400e6) from (select {skew})")
        == faults["clock_skew_year_events"]
        > 0
    )
    known = ", ".join(f"'{name}'" for name in taxonomy_names("segment_track"))
    assert (
        scalar(con, f"select count(*) from raw_segment.tracks where event_text not in ({known})")
        == faults["unmapped_events"]
        > 0
    )
    email = r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[a-z]{2,}"
    assert (
        scalar(con, f"select count(*) from raw_segment.tracks where regexp_matches(properties, '{email}')")
        == faults["pii_emails_in_properties"]
        > 0
    )
    assert (
        scalar(
            con,
            """
        select count(distinct anonymous_id) from raw_segment.pages
        where user_id is null and anonymous_id in (
            select anonymous_id from raw_segment.identifies where user_id is not null)""",
        )
        == faults["anonymous_identified_visitors"]
        > 0
    )
    assert scalar(con, "select count(*) from raw_app.privacy_erasure_requests") == faults["erasure_requests"] > 0


def test_malformed_log_lines_match_the_manifest(full_db: tuple[Path, dict[str, object]]) -> None:
    db, manifest = full_db
    faults = manifest["faults"]
    assert isinstance(faults, dict)
    malformed = faults["malformed_log_lines"]
    con = duckdb.connect(str(db), read_only=True)
    lines = "raw_server_logs.log_lines"
    valid = f"(select line_text as l from {lines} where json_valid(line_text))"
    assert (
        scalar(con, f"select count(*) from {lines} where not json_valid(line_text) and line_text like '{{%'")
        == malformed["truncated_json"]
        > 0
    )
    assert (
        scalar(con, f"select count(*) from {lines} where not json_valid(line_text) and line_text not like '{{%'")
        == malformed["not_json"]
        > 0
    )
    assert (
        scalar(con, f"select count(*) from {lines} where not json_valid(line_text)")
        == malformed["truncated_json"] + malformed["not_json"]
    )
    expectations = {
        "missing_event": "json_extract(l, '$.event') is null",
        "missing_ts": "json_extract(l, '$.ts') is null",
        "unparseable_ts": "json_extract(l, '$.ts') is not null "
        "and try_cast(json_extract_string(l, '$.ts') as timestamptz) is null",
        "missing_account_id": "json_extract(l, '$.account_id') is null",
        "quantity_as_string": "json_type(l, '$.quantity') = 'VARCHAR'",
    }
    for kind, condition in expectations.items():
        assert scalar(con, f"select count(*) from {valid} where {condition}") == malformed[kind] > 0, kind


def test_log_lines_are_numbered_per_file_and_shipped_after_they_were_written(
    full_db: tuple[Path, dict[str, object]],
) -> None:
    con = duckdb.connect(str(full_db[0]), read_only=True)
    gaps = scalar(
        con,
        "select count(*) from (select log_file, count(*) n, max(line_number) m, min(line_number) f "
        "from raw_server_logs.log_lines group by 1) where n <> m or f <> 1",
    )
    assert gaps == 0
    early = scalar(
        con,
        "select count(*) from raw_server_logs.log_lines where json_valid(line_text) "
        "and try_cast(json_extract_string(line_text, '$.ts') as timestamptz) > _loaded_at",
    )
    assert early == 0
    offsets = con.execute(
        "select distinct regexp_extract(json_extract_string(line_text, '$.ts'), '(Z|[+-]\\d\\d:\\d\\d)$') "
        "from raw_server_logs.log_lines where json_valid(line_text)"
    ).fetchall()
    assert {"Z", "+02:00", "-05:00", "+00:00"} <= {row[0] for row in offsets}


def test_fault_rates_stay_small(data: GeneratedData) -> None:
    segment_rows = sum(data.row_counts[t.qualified_name] for t in SEGMENT_TABLES)
    log_rows = data.row_counts["raw_server_logs.log_lines"]
    for name, count in data.faults.items():
        if isinstance(count, dict):
            assert all(n < 0.02 * log_rows for n in count.values()), (name, count)
        elif name not in ("anonymous_identified_visitors", "anonymous_only_visitors", "erasure_requests"):
            limit = 0.02 * (log_rows if name.startswith("log_") else segment_rows)
            assert count < limit, (name, count, limit)
