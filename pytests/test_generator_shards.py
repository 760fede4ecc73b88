"""A dataset generated in shards: each shard's own accounts and everything they do, with ids no
other shard uses, written one shard after the other (the way the benchmark builds datasets that
do not fit in memory at once)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import duckdb
import numpy as np
import pytest

from usage_warehouse import raw_schema
from usage_warehouse.demo.ids import IdSpace
from usage_warehouse.demo.writer import append_database
from usage_warehouse.generator import GeneratedData, GeneratorConfig, generate, write_duckdb

WHOLE = GeneratorConfig(accounts=24, days=30, seed=11)
SHARDS = 2
EVENT_TABLES = [t for t in raw_schema.RAW_TABLES if t.name not in ("accounts", "users", "subscriptions")]
SNAPSHOT_TABLES = [raw_schema.APP_ACCOUNTS, raw_schema.APP_USERS, raw_schema.APP_SUBSCRIPTIONS]
APP_TABLES = [t for t in raw_schema.RAW_TABLES if t.schema == "raw_app"]


@pytest.fixture(scope="module")
def shards() -> list[GeneratedData]:
    return [generate(WHOLE.shard_of(k, SHARDS)) for k in range(SHARDS)]


@pytest.fixture(scope="module")
def sharded_db(shards: list[GeneratedData], tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("shards") / "warehouse.duckdb"
    for k, data in enumerate(shards):
        write_duckdb(data, db, mode="extend" if k else "replace")
    return db


def test_id_numbers_interleave_and_one_shard_is_numbered_as_alone() -> None:
    local = np.array([1, 2, 3], np.int64)
    assert IdSpace().numbers(local).tolist() == [1, 2, 3]
    assert IdSpace(0, 3).numbers(local).tolist() == [1, 4, 7]
    assert IdSpace(1, 3).numbers(local).tolist() == [2, 5, 8]
    assert IdSpace(2, 3).numbers(local).tolist() == [3, 6, 9]
    assert IdSpace(1, 2).accounts(np.array([0, 4], np.int64)).to_pylist() == ["acc_00002", "acc_00010"]
    assert IdSpace(1, 2).users(np.array([2, -1], np.int64)).to_pylist() == ["usr_000006", None]
    assert IdSpace(0, 2).sequential("rep_", 2).to_pylist() == ["rep_000001", "rep_000003"]
    with pytest.raises(ValueError, match="shard 2 is not one of the 2 shards"):
        IdSpace(2, 2)


def test_a_config_splits_into_shards_of_its_accounts() -> None:
    assert WHOLE.shard_of(0, 1) is WHOLE
    parts = [WHOLE.shard_of(k, 5) for k in range(5)]
    assert [p.accounts for p in parts] == [5, 5, 5, 5, 4]
    assert [(p.shard, p.shards, p.days, p.end_date) for p in parts] == [
        (k, 5, WHOLE.days, WHOLE.end_date) for k in range(5)
    ]
    assert len({p.seed for p in parts} | {WHOLE.seed}) == 6  # a seed of its own per shard
    assert WHOLE.shard_of(3, 5) == parts[3]  # derived, not drawn: the same every time
    with pytest.raises(ValueError, match="already shard 1 of 5"):
        parts[1].shard_of(0, 2)
    with pytest.raises(ValueError, match="shards=25 must be between 1 and the 24 accounts"):
        WHOLE.shard_of(0, 25)
    with pytest.raises(ValueError, match="shard=3 must be between 0 and shards - 1"):
        GeneratorConfig(shard=3, shards=3)


def test_shards_share_no_id_email_or_log_position(sharded_db: Path, shards: list[GeneratedData]) -> None:
    con = duckdb.connect(str(sharded_db), read_only=True)

    def one(sql: str) -> int:
        row = con.execute(sql).fetchone()
        assert row is not None
        return int(row[0])

    for table in APP_TABLES:  # one row per id (current-state tables: their latest version)
        name = table.qualified_name
        distinct = one(f"select count(distinct id) from {name}")
        assert one(f"select count(*) from {name}") == distinct, name
        if table not in SNAPSHOT_TABLES:
            assert distinct == sum(data.row_counts[name] for data in shards), name
    # Each shard numbers its accounts 1, 3, 5... or 2, 4, 6...: every account id is taken once.
    assert one("select count(*) from raw_app.accounts") == WHOLE.accounts
    assert {row[0] for row in con.execute("select id from raw_app.accounts").fetchall()} == {
        f"acc_{n:05d}" for n in range(1, WHOLE.accounts + 1)
    }
    assert one("select count(*) - count(distinct email) from raw_app.users") == 0
    assert one("select count(*) - count(distinct (log_file, line_number)) from raw_server_logs.log_lines") == 0
    # Segment messages, browsers and the accounts they name belong to one shard each.
    per_shard = []
    for data in shards:
        tracks = data.tables[raw_schema.SEGMENT_TRACKS.qualified_name]
        groups = data.tables[raw_schema.SEGMENT_GROUPS.qualified_name]
        per_shard.append(
            (
                set(tracks.column("id").to_pylist()),
                set(tracks.column("anonymous_id").drop_null().to_pylist()),
                set(groups.column("group_id").to_pylist()),
            )
        )
    for first, second in zip(*per_shard, strict=True):
        assert first and second and not first & second
    # Each shard's server logs are files of its own node and name only its accounts.
    log_accounts = [
        {
            row[0]
            for row in con.execute(
                "select distinct json_extract_string(line_text, '$.account_id') from raw_server_logs.log_lines "
                "where log_file like ? and json_valid(line_text)",
                [f"%.node-{k + 1}.log"],
            ).fetchall()
        }
        - {None}
        for k in range(SHARDS)
    ]
    assert log_accounts[0] and log_accounts[1] and not log_accounts[0] & log_accounts[1]
    assert sum(len(accounts) for accounts in log_accounts) <= WHOLE.accounts


def test_a_shard_of_one_is_the_dataset_generated_alone() -> None:
    alone, shard = generate(WHOLE), generate(WHOLE.shard_of(0, 1))
    for name, table in alone.tables.items():
        assert shard.tables[name].equals(table), name


def test_the_last_day_lands_later_from_a_file_of_its_own(shards: list[GeneratedData], tmp_path: Path) -> None:
    """History per shard into the warehouse, the last day per shard into a file of its own,
    appended later: the same rows as writing every shard whole."""
    cut = WHOLE.as_of - timedelta(days=1)
    warehouse, new_day, whole = tmp_path / "w.duckdb", tmp_path / "new_day.duckdb", tmp_path / "whole.duckdb"
    for k, data in enumerate(shards):
        write_duckdb(data, warehouse, mode="extend" if k else "replace", load_until=cut)
        write_duckdb(data, new_day, mode="append", load_from=cut, load_until=WHOLE.as_of)
        write_duckdb(data, whole, mode="extend" if k else "replace")
    appended = append_database(new_day, warehouse)
    assert appended["raw_segment.tracks"] > 0 and appended["raw_server_logs.log_lines"] > 0
    con = duckdb.connect()
    con.execute(f"attach '{warehouse}' as split (read_only)")
    con.execute(f"attach '{whole}' as whole (read_only)")
    for table in EVENT_TABLES:
        name = table.qualified_name
        for a, b in (("split", "whole"), ("whole", "split")):
            missing = con.execute(f"select count(*) from (from {a}.{name} except all from {b}.{name})").fetchone()
            assert missing == (0,), (name, a, b)
    for table in SNAPSHOT_TABLES:  # models keep the latest version per id
        name = table.qualified_name
        latest = "qualify row_number() over (partition by id order by _loaded_at desc) = 1"
        for a, b in (("split", "whole"), ("whole", "split")):
            sql = f"select count(*) from (select * from {a}.{name} {latest} except all select * from {b}.{name})"
            assert con.execute(sql).fetchone() == (0,), (name, a, b)


def test_appending_needs_a_file_to_append_from(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no DuckDB file to append from"):
        append_database(tmp_path / "missing.duckdb", tmp_path / "w.duckdb")
