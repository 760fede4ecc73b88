"""`make bench` at its smallest: the shape and arithmetic of results.json, not the speed.

One tiny size (about 20k raw rows over 13 days) runs every step of the benchmark; its
figures must be internally consistent and agree with the warehouse it leaves behind.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml

from usage_warehouse import raw_schema
from usage_warehouse.bench.artifacts import Artifacts, grown_nodes
from usage_warehouse.bench.copy import built_tables, copy_tables
from usage_warehouse.bench.machine import CpuTicks, cpu_ticks, steal_share
from usage_warehouse.bench.reference import reference_sql, run_reference
from usage_warehouse.bench.report import END_MARKER, START_MARKER, check_doc, evaluate_targets, history_scaling
from usage_warehouse.bench.runner import DEFAULT_MEMORY_LIMIT, interleaved_rounds
from usage_warehouse.bench.sizes import (
    events_per_day,
    generator_shards,
    parse_size,
    parse_sizes,
    plan_sizes,
    size_label,
)
from usage_warehouse.cli import main
from usage_warehouse.dbt import PROJECT_DIR, _PeakMemorySampler
from usage_warehouse.warehouse import copy_database, query

MODEL_LAYERS = {"staging", "intermediate", "marts", "audit"}
OTHER_LAYERS = {"seeds", "snapshots", "data_tests", "hooks"}


def test_sizes_parse_and_plan() -> None:
    assert [parse_size(text) for text in ("20k", "100k", "2.5M", "50M", "150000")] == [
        20_000,
        100_000,
        2_500_000,
        50_000_000,
        150_000,
    ]
    assert parse_sizes("10M, 1M,1M") == [1_000_000, 10_000_000]
    assert [size_label(n) for n in (20_000, 2_500_000, 10_000_000)] == ["20k", "2.5M", "10M"]
    with pytest.raises(ValueError, match="not a size"):
        parse_size("ten")
    assert events_per_day([1_000_000, 10_000_000]) == 10_000
    assert events_per_day([20_000]) == 20_000 // 7  # at least 7 days
    assert events_per_day([100_000_000]) == -(-100_000_000 // 1_095)  # at most 1,095 days
    with pytest.raises(ValueError, match="too far apart"):
        events_per_day([10_000, 10_000_000])
    plans = plan_sizes([1_000_000, 10_000_000], 10_000, density=25.0)
    assert [(p.label, p.accounts, p.days) for p in plans] == [("1M", 400, 100), ("10M", 400, 1_000)]


def test_sizes_the_generator_cannot_hold_at_once_are_generated_in_shards() -> None:
    four_gib = 4 * 2**20  # KiB; a shard may take 60%: room for 5,033,165 rows at 0.5 KiB each
    assert generator_shards([1_000_000, 3_000_000], 400, four_gib) == [1, 1]  # 1.15M and 4.8M rows
    assert generator_shards([50_000_000], 400, None) == [1]  # memory not known: one shard
    # --shards N: at least N shards, more where memory needs them.
    assert generator_shards([600_000, 6_000_000], 400, four_gib, at_least=2) == [2, 2]
    assert generator_shards([600_000, 6_000_000], 400, four_gib, at_least=3) == [3, 3]
    assert generator_shards([50_000_000], 400, None, at_least=3) == [3]
    with pytest.raises(ValueError, match="3 shards asked for, but the dataset has only 2 accounts"):
        generator_shards([20_000], 2, four_gib, at_least=3)
    # 50M events as the smallest size: 57.5M rows with the calibration's 15%, 27.4 GiB / 2.4 GiB.
    assert generator_shards([50_000_000], 400, four_gib) == [12]
    # A longer history of the same accounts: 6M events may hold 9.6M rows (4.6 GiB in two shards).
    assert generator_shards([600_000, 6_000_000], 400, four_gib) == [1, 2]
    too_few = r"size 50M needs up to 57\.5M raw rows, .* one account per shard \(10 shards\)"
    with pytest.raises(ValueError, match=too_few):
        generator_shards([50_000_000], 10, four_gib)


def _size(label: str, events: int, incremental: float, new_rows: int, direct: float | None) -> dict[str, Any]:
    return {
        "label": label,
        "target_events": events,
        "accounts": 300,
        "days": events // 10_000,
        "full_build": {"events_per_second": 400_000},
        "incremental": {"seconds": incremental, "new_rows": new_rows, "cpu_seconds": 2 * incremental},
        "incremental_work_beyond_fixed_cost": 0.04,
        "direct": {"dbt_overhead_ratio": direct} if direct is not None else None,
        "peak_memory_mib": 4096.0,
    }


def test_grown_nodes_rank_the_growth_between_two_runs() -> None:
    before = {"model.a": 1.0, "model.b": 4.0, "test.c": 0.5}
    after = {"model.a": 3.5, "model.b": 4.5, "test.c": 0.25, "model.new": 1.0}
    assert grown_nodes(after, before, count=3) == [
        {"unique_id": "model.a", "seconds": [1.0, 3.5], "growth_seconds": 2.5},
        {"unique_id": "model.new", "seconds": [0.0, 1.0], "growth_seconds": 1.0},  # not in the earlier run
        {"unique_id": "model.b", "seconds": [4.0, 4.5], "growth_seconds": 0.5},
    ]
    assert grown_nodes(after, before)[-1] == {"unique_id": "test.c", "seconds": [0.5, 0.25], "growth_seconds": -0.25}


def test_incremental_rounds_interleave_the_sizes() -> None:
    runs: list[tuple[str, int]] = []
    interleaved_rounds(["1M", "10M"], 3, lambda size, repeat: runs.append((size, repeat)))
    # Each round runs every size once, smallest first, before the next round starts.
    assert runs == [("1M", 0), ("10M", 0), ("1M", 1), ("10M", 1), ("1M", 2), ("10M", 2)]


def test_history_scaling_and_targets() -> None:
    sizes = [_size("1M", 1_000_000, 20.0, 10_000, 1.5), _size("10M", 10_000_000, 30.0, 12_000, None)]
    sizes[0]["incremental"]["node_seconds"] = {"model.daily": 2.0, "model.history": 1.0}
    sizes[1]["incremental"]["node_seconds"] = {"model.daily": 2.5, "model.history": 6.0}
    # The longer history's run lost 25% of the machine to other guests: its CPU time grew less.
    sizes[1]["incremental"].update(cpu_seconds=48.0, cpu_steal_share=0.25)
    # Three interleaved rounds: the median runs (20 s and 30 s) came from different rounds.
    sizes[0]["incremental"]["seconds_runs"] = [20.0, 25.0, 16.0]
    sizes[1]["incremental"]["seconds_runs"] = [32.0, 30.0, 24.0]
    history = history_scaling(sizes)
    assert history == [
        {
            "from": "1M",
            "to": "10M",
            "days": [100, 1_000],
            "accounts": 300,
            "incremental_seconds": [20.0, 30.0],
            "incremental_ratio": 1.5,
            "incremental_ratio_rounds": [1.6, 1.2, 1.5],  # 32 / 20, 30 / 25, 24 / 16
            "incremental_cpu_ratio": 1.2,  # 48 / 40
            "cpu_steal_share": [None, 0.25],
            "new_rows": [10_000, 12_000],
            "new_rows_ratio": 1.2,
            "grown_nodes": [
                {"unique_id": "model.history", "seconds": [1.0, 6.0], "growth_seconds": 5.0},
                {"unique_id": "model.daily", "seconds": [2.0, 2.5], "growth_seconds": 0.5},
            ],
        }
    ]
    assert history_scaling([sizes[0], _size("5M", 5_000_000, 1.0, 1, None)]) == []  # not 10x apart
    sizes[1]["incremental"]["seconds_runs"] = [30.0]  # not the same rounds: no pairs
    assert history_scaling(sizes)[0]["incremental_ratio_rounds"] == []
    del sizes[1]["incremental"]["cpu_seconds"]  # results from before CPU times were recorded
    assert history_scaling(sizes)[0]["incremental_cpu_ratio"] is None
    verdicts = {(v["target"], v["size"]): v["passed"] for v in evaluate_targets(sizes, history)}
    assert verdicts == {
        ("full_build_events_per_second", "10M"): False,  # 400k < 500k
        ("peak_memory_mib", "10M"): False,  # exactly 4 GiB is not below it
        ("incremental_work_beyond_fixed_cost", "1M"): True,
        ("incremental_work_beyond_fixed_cost", "10M"): True,
        ("dbt_overhead_ratio", "1M"): False,
        ("dbt_overhead_ratio", "10M"): None,  # direct run skipped: not measured
        ("incremental_at_10x_history", "1M -> 10M"): False,  # 1.5 > 1.3
    }
    sizes[0]["incremental_work_beyond_fixed_cost"] = -0.02  # no-new-data run slower than the incremental one
    noisy = {(v["target"], v["size"]): v for v in evaluate_targets(sizes, history)}
    assert noisy[("incremental_work_beyond_fixed_cost", "1M")]["passed"] is None
    assert noisy[("incremental_work_beyond_fixed_cost", "1M")]["status"] == "inconclusive"
    assert noisy[("dbt_overhead_ratio", "1M")]["status"] == "fail"


def _raw_rows(db_path: Path) -> int:
    return sum(query(db_path, f"select count(*) from {t.qualified_name}")[0][0] for t in raw_schema.RAW_TABLES)


def test_bench_smallest_size(tmp_path: Path) -> None:
    doc = tmp_path / "benchmarks.md"
    shutil.copy(PROJECT_DIR / "docs" / "benchmarks.md", doc)
    out, work = tmp_path / "results.json", tmp_path / "work"
    # In two shards: the path of datasets too large to generate at once, end to end.
    argv = [
        "bench",
        "--sizes",
        "20k",
        "--events-per-day",
        "1500",
        "--shards",
        "2",
        "--incremental-repeats",
        "2",
        "--keep",
    ]
    assert main([*argv, "--work-dir", str(work), "--out", str(out), "--doc", str(doc)]) == 0

    results = json.loads(out.read_text())
    assert set(results) == {"schema_version", "machine", "settings", "sizes", "history_scaling", "targets"}
    assert results["machine"]["cores"] >= 1 and results["machine"]["cpu_model"]
    assert results["settings"]["events_per_day"] == 1_500
    assert results["settings"]["incremental_repeats"] == 2
    assert results["settings"]["density_rows_per_account_day"] > 0
    [size] = results["sizes"]
    assert (size["label"], size["target_events"], size["days"]) == ("20k", 20_000, 13)
    assert size["accounts"] == results["settings"]["accounts"]

    # The events are the raw rows of the warehouse the bench built (kept with --keep).
    full_db = work / "20k" / "full" / "warehouse.duckdb"
    assert size["events"] == _raw_rows(full_db) > 5_000
    full, incremental, fixed = size["full_build"], size["incremental"], size["no_new_data"]
    assert size["events"] == full["events"] + incremental["new_rows"]
    assert incremental["new_rows"] > 0
    # --keep also keeps the warehouse the incremental runs started from: the new day landed in
    # its raw tables, and not yet in its models (the full build's events only).
    before_db = work / "20k" / "before_incremental" / "warehouse.duckdb"
    assert _raw_rows(before_db) == size["events"]
    staged_before, staged_after = (
        query(db, "select count(*) from usage_staging.stg_segment__tracks")[0][0] for db in (before_db, full_db)
    )
    assert 0 < staged_before < staged_after

    # Two incremental runs, each from the warehouse with the new day landed: the median (the
    # lower of two) counts.
    for run in (incremental, fixed):
        assert len(run["seconds_runs"]) == 2 and run["seconds"] == min(run["seconds_runs"])
    for run in (full, incremental, fixed):
        assert run["seconds"] > 0 and run["peak_memory_mib"] > 50
        # dbt's own Python alone takes seconds of CPU; a share of the machine's time stolen.
        assert run["cpu_seconds"] > 1 and 0 <= run["cpu_steal_share"] < 1
    assert size["generator"]["rows"] >= size["events"] and size["generator"]["events_per_second"] > 0
    assert size["generator"]["shards"] == 2
    assert full["events_per_second"] == round(full["events"] / full["seconds"])
    # The highest of every build, the repeats of the incremental runs that did not count included.
    assert size["peak_memory_mib"] >= max(run["peak_memory_mib"] for run in (full, incremental, fixed))
    assert incremental["ratio_to_full"] == pytest.approx(incremental["seconds"] / full["seconds"], abs=1e-3)
    assert fixed["ratio_to_full"] == pytest.approx(fixed["seconds"] / full["seconds"], abs=1e-3)
    beyond = (incremental["seconds"] - fixed["seconds"]) / full["seconds"]
    assert size["incremental_work_beyond_fixed_cost"] == pytest.approx(beyond, abs=1e-3)

    # Layers and slowest nodes come from the full build's run_results.json.
    assert set(full["layers"]) >= MODEL_LAYERS | OTHER_LAYERS
    assert "unit_tests" not in full["layers"]  # a production build: unit tests run in CI
    assert sum(layer["nodes"] for layer in full["layers"].values()) == full["nodes"]
    assert full["statuses"].get("error", 0) == 0 and full["statuses"]["success"] > 50
    for run in (full, incremental):
        slowest = [node["seconds"] for node in run["slowest_nodes"]]
        assert len(slowest) == 15 and slowest == sorted(slowest, reverse=True) and slowest[0] > 0
    # The incremental run's profile is its own: the same nodes, other times.
    assert set(incremental["layers"]) == set(full["layers"])
    assert incremental["layers"] != full["layers"]
    assert set(fixed["layers"]) == set(full["layers"]) and len(fixed["slowest_nodes"]) == 15
    assert len(incremental["node_seconds"]) == full["nodes"]
    # The new day's work per node: the incremental run's time over the no-new-data run's.
    new_day = size["new_day_work_nodes"]
    assert len(new_day) == 15
    growth = [node["growth_seconds"] for node in new_day]
    assert growth == sorted(growth, reverse=True)
    for node in new_day:
        assert node["seconds"][1] == incremental["node_seconds"][node["unique_id"]]
        assert node["growth_seconds"] == pytest.approx(node["seconds"][1] - node["seconds"][0], abs=1e-3)

    # The direct run executed every model of the build in its own copy of the warehouse.
    direct = size["direct"]
    assert direct["models"] == sum(full["layers"][layer]["nodes"] for layer in MODEL_LAYERS)
    assert direct["data_tests"] > 100
    assert {"seed", "snapshot", "operation"} <= set(direct["left_out"])
    assert direct["dbt_overhead_ratio"] == pytest.approx(full["seconds"] / direct["seconds"], abs=1e-2)
    assert direct["cpu_seconds"] > 0 and 0 <= direct["cpu_steal_share"] < 1
    assert direct["dbt_overhead_cpu_ratio"] == pytest.approx(full["cpu_seconds"] / direct["cpu_seconds"], abs=1e-2)
    direct_db = work / "20k" / "direct" / "warehouse.duckdb"
    relations = query(
        direct_db,
        "select count(*) from information_schema.tables where table_schema in "
        "('usage_staging', 'usage_intermediate', 'usage_marts', 'usage_audit')",
    )
    assert relations == [(direct["models"],)]
    events_direct = query(direct_db, "select count(*) from usage_marts.fct_usage_events")[0][0]
    assert 0 < events_direct <= query(full_db, "select count(*) from usage_marts.fct_usage_events")[0][0]

    # The write floor: every table the full build wrote, copied (the views are not tables).
    copied = size["table_copy"]
    tables = query(
        full_db,
        "select count(*) from information_schema.tables where table_type = 'BASE TABLE' and table_schema in "
        "('usage_staging', 'usage_intermediate', 'usage_marts', 'usage_audit')",
    )
    assert [(copied["tables"],)] == tables
    assert copied["rows"] > size["full_build"]["events"] and copied["mib_written"] > 1
    assert copied["ratio_to_full"] == pytest.approx(copied["seconds"] / full["seconds"], abs=1e-3)
    # Rates from the seconds written beside them (a few milliseconds at this size).
    assert copied["events_per_second"] == round(full["events"] / copied["seconds"])
    slowest_copies = [table["seconds"] for table in copied["slowest_tables"]]
    assert len(slowest_copies) == 10 and slowest_copies == sorted(slowest_copies, reverse=True)
    assert not (work / "20k" / "table_copy.duckdb").exists()
    # Per layer: every copied table in exactly one layer, the seconds of the slowest layer first.
    layers = copied["layers"]
    assert set(layers) == {"staging", "intermediate", "marts", "audit"}
    assert sum(layer["tables"] for layer in layers.values()) == copied["tables"]
    assert sum(layer["rows"] for layer in layers.values()) == copied["rows"]
    layer_seconds = [layer["seconds"] for layer in layers.values()]
    assert layer_seconds == sorted(layer_seconds, reverse=True)

    # The reference pipeline: the event rows of the raw history, one per key, and their daily counts.
    reference = size["reference_pipeline"]
    assert 0 < reference["events_kept"] <= full["events"] and 0 < reference["daily_rows"] < reference["events_kept"]
    assert reference["events_per_second"] == round(full["events"] / reference["seconds"])
    assert reference["full_build_ratio"] == round(full["seconds"] / reference["seconds"], 3)
    assert reference["cpu_seconds"] > 0 and 0 <= reference["cpu_steal_share"] < 1
    assert results["settings"]["reference_pipeline"] is True
    assert not (work / "20k" / "reference.duckdb").exists()

    assert results["history_scaling"] == []  # a single size has no 10x pair
    verdicts = {(v["target"], v["size"]): v for v in results["targets"]}
    assert verdicts[("full_build_events_per_second", "10M")]["passed"] is None  # 10M was not run
    assert verdicts[("dbt_overhead_ratio", "20k")]["value"] == direct["dbt_overhead_ratio"]
    assert verdicts[("dbt_overhead_ratio", "20k")]["passed"] is (direct["dbt_overhead_ratio"] <= 1.25)

    text = doc.read_text()
    section = text[text.index(START_MARKER) : text.index(END_MARKER)]
    assert "| | 20k |" in section and f"| events (raw rows) | {size['events']:,} |" in section
    cpu = " / ".join(f"{run['cpu_seconds']:,.0f} s" for run in (full, incremental, fixed))
    assert f"| CPU time of dbt: full / incremental / no new data | {cpu} |" in section
    repeated = " / ".join(", ".join(f"{sec:.1f}" for sec in run["seconds_runs"]) for run in (incremental, fixed))
    assert f"| runs: incremental / no new data (the median counts) | {repeated} s |" in section
    assert (
        f"| built tables copied (write floor) | {copied['seconds']:.1f} s ({copied['ratio_to_full']:.2f}x full;"
        in section
    )
    assert f"| reference: bare DuckDB dedupe + daily aggregation | {reference['seconds']:.1f} s (" in section
    allowed = full["events"] / 500_000
    assert f"against the {allowed:.1f} s that 500,000 events per second allow" in section
    marts = layers["marts"]
    share = f"{marts['seconds'] / allowed:.0%}"
    assert f"| marts | {marts['tables']} | {marts['rows']:,} | {marts['seconds']:.2f} | {share} |" in section
    first = new_day[0]
    assert f"| `{first['unique_id']}` | {first['seconds'][0]:.2f} | {first['seconds'][1]:.2f} |" in section
    assert text.count(START_MARKER) == 1 and text.count(END_MARKER) == 1


def test_results_section_is_between_marker_lines(tmp_path: Path) -> None:
    doc = tmp_path / "doc.md"
    doc.write_text(f"Results go between `{START_MARKER}` and `{END_MARKER}`.\n")  # mentions only
    with pytest.raises(ValueError, match="no <!-- bench:results:start -->"):
        check_doc(doc)
    doc.write_text(f"Intro `{START_MARKER}`.\n\n{START_MARKER}\nold table\n{END_MARKER}\nafter\n")
    text, start, end = check_doc(doc)
    assert text[start:end] == f"{START_MARKER}\nold table\n"


def test_cpu_ticks_and_stolen_share() -> None:
    # /proc/stat's cpu line: user nice system idle iowait irq softirq steal guest guest_nice.
    before = cpu_ticks("cpu  100 0 50 800 10 0 5 35 20 0\ncpu0 50 0 25 400 5 0 2 17 10 0\n")
    after = cpu_ticks("cpu  160 0 70 900 10 0 5 55 40 0\n")
    assert before == CpuTicks(total=1_000, steal=35)  # guest time is inside user: not added again
    assert after == CpuTicks(total=1_200, steal=55)
    assert steal_share(before, after) == 0.1  # 20 of 200 ticks
    assert steal_share(None, after) is None and steal_share(after, after) is None
    assert cpu_ticks("intr 1 2 3\n") is None
    measured = cpu_ticks()  # this machine's /proc/stat (None off Linux)
    assert measured is None or measured.total > measured.steal >= 0


def test_peak_memory_is_the_child_process_own() -> None:
    """The sampled high-water mark counts what the child allocated, not the memory of this
    process it was started from (which Linux counts in the child's ru_maxrss)."""
    held_by_parent = bytearray(400 * 1024 * 1024)  # resident: bytearray zero-fills its pages
    child = subprocess.Popen(
        [sys.executable, "-c", "import time; block = bytearray(150 * 1024 * 1024); time.sleep(1.0)"]
    )
    sampler = _PeakMemorySampler(child.pid, interval_seconds=0.05)
    sampler.start()
    child.wait()
    sampler.stop()
    assert len(held_by_parent) == 400 * 1024 * 1024
    assert 150 * 1024 <= sampler.peak_kib < 350 * 1024


def test_benchmark_and_profile_default_to_the_same_duckdb_memory_limit() -> None:
    """The benchmark measures the warehouse as the profile configures it: its default memory
    limit is the profile's (both profile files), and it leaves room in 4 GiB for dbt itself."""
    expected = f"env_var('USAGE_WAREHOUSE_DUCKDB_MEMORY_LIMIT', '{DEFAULT_MEMORY_LIMIT}')"
    for name in ("profiles.yml", "profiles.yml.example"):
        duckdb_output = yaml.safe_load((PROJECT_DIR / name).read_text())["usage_warehouse"]["outputs"]["duckdb"]
        # Database-wide settings are set once, when the file is opened (config_options), not
        # again on every cursor dbt opens (settings): only the per-session time zone is there.
        assert expected in duckdb_output["config_options"]["memory_limit"], name
        assert duckdb_output["config_options"]["preserve_insertion_order"] is False, name
        assert duckdb_output["settings"] == {"timezone": "UTC"}, name
    assert DEFAULT_MEMORY_LIMIT.endswith("GB") and float(DEFAULT_MEMORY_LIMIT[:-2]) * 1e9 <= 3.5 * 2**30


def test_copy_database_copies_a_warehouse_that_opens_with_its_rows(tmp_path: Path) -> None:
    source, copied = tmp_path / "source.duckdb", tmp_path / "copy" / "source.duckdb"
    with duckdb.connect(str(source)) as con:
        con.execute("create table events as select range as event_id from range(1000)")
    copied.parent.mkdir()
    copy_database(source, copied)
    assert copied.read_bytes() == source.read_bytes()
    assert query(copied, "select count(*), sum(event_id) from events") == [(1000, 499_500)]


def test_table_copy_copies_the_built_tables_only(tmp_path: Path) -> None:
    """Two table models (3 and 2 rows) are copied; the view, the failed model and the test are
    not; the warehouse is unchanged and the copy is deleted."""
    db = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(db)) as con:
        con.execute("create schema marts")
        con.execute("create table marts.a as select range as id from range(3)")
        con.execute("create table marts.b as select 'x' || range as id from range(2)")
        con.execute("create table marts.failed as select 1 as id")
        con.execute("create view marts.v as select * from marts.a")

    def model(name: str, materialized: str, layer: str = "marts") -> dict[str, Any]:
        return {
            "resource_type": "model",
            "config": {"materialized": materialized},
            "relation_name": f'"warehouse"."marts"."{name}"',
            "original_file_path": f"models/{layer}/core/{name}.sql",
        }

    nodes = {
        "model.p.a": model("a", "table"),
        "model.p.b": model("b", "incremental", layer="staging"),
        "model.p.failed": model("failed", "table"),
        "model.p.v": model("v", "view"),
        "test.p.t": {"resource_type": "test", "config": {"materialized": "test"}},
    }
    statuses = {"model.p.failed": "error", "test.p.t": "pass"}
    results = [{"unique_id": uid, "status": statuses.get(uid, "success")} for uid in nodes]
    artifacts = Artifacts(run_results={"results": results}, manifest={"nodes": nodes})
    assert built_tables(artifacts) == [('"warehouse"."marts"."a"', "marts"), ('"warehouse"."marts"."b"', "staging")]

    scratch = tmp_path / "copy" / "table_copy.duckdb"
    copied = copy_tables(db, artifacts, scratch, memory_limit="1GB")
    assert copied.rows == 5 and copied.bytes_written > 0 and copied.seconds > 0
    assert sorted((t["relation"], t["layer"], t["rows"]) for t in copied.tables) == [
        ('"warehouse"."marts"."a"', "marts", 3),
        ('"warehouse"."marts"."b"', "staging", 2),
    ]
    seconds = {t["layer"]: t["seconds"] for t in copied.tables}
    layers = copied.layers()
    assert {name: (layer["tables"], layer["rows"]) for name, layer in layers.items()} == {
        "marts": (1, 3),
        "staging": (1, 2),
    }
    assert {name: layer["seconds"] for name, layer in layers.items()} == pytest.approx(seconds)
    assert list(layers) == sorted(layers, key=lambda name: -float(seconds[name]))
    assert not scratch.exists()
    assert query(db, "select count(*) from duckdb_tables() where schema_name = 'marts'") == [(3,)]
    with pytest.raises(ValueError, match="needs a file name other than"):
        copy_tables(db, artifacts, tmp_path / "warehouse.duckdb", memory_limit="1GB")


def test_reference_pipeline_keeps_one_row_per_key_and_counts_events_per_day(tmp_path: Path) -> None:
    """Tracks t1 (two copies), t2 (slug only) and t3; page p1; log lines 1 (two copies), 2 (not
    JSON) and 3. Kept: t1, t2, t3, p1, lines 1 and 3 = 6 events; per day, person and name:
    10-01 u1 Clicked 2, a2 viewed 1, u1 Home 1, u1 api.request 1; 10-02 u1 api.request 1 = 5 rows."""
    db = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(db)) as con:
        raw_schema.create_raw_tables(con)
        con.executemany(
            "insert into raw_segment.tracks (id, user_id, anonymous_id, timestamp, uuid_ts, event, event_text) "
            "values (?, ?, ?, ?, ?, ?, ?)",
            [
                ["t1", "u1", "a1", "2026-10-01 10:00:00", "2026-10-01 10:05:00", "clicked", "Clicked"],
                ["t1", "u1", "a1", "2026-10-01 10:00:00", "2026-10-02 01:00:00", "clicked", "Clicked again"],
                ["t2", None, "a2", "2026-10-01 11:00:00", "2026-10-01 11:05:00", "viewed", ""],
                ["t3", "u1", "a1", "2026-10-01 23:59:59", "2026-10-02 00:05:00", "clicked", "Clicked"],
            ],
        )
        con.execute(
            "insert into raw_segment.pages (id, user_id, timestamp, uuid_ts, name) "
            "values ('p1', 'u1', '2026-10-01 12:00:00', '2026-10-01 12:05:00', 'Home')"
        )
        line = '{{"ts": "{}", "event": "api.request", "user_id": "u1"}}'
        con.executemany(
            "insert into raw_server_logs.log_lines values (?, 'api/f.log', ?, ?)",
            [
                [line.format("2026-10-01T13:00:00Z"), 1, "2026-10-01 14:00:00"],
                [line.format("2026-10-01T13:00:00Z"), 1, "2026-10-01 16:00:00"],
                ['{"ts": ', 2, "2026-10-01 14:00:00"],
                [line.format("2026-10-02T09:00:00Z"), 3, "2026-10-02 10:00:00"],
            ],
        )

    scratch = tmp_path / "reference" / "reference.duckdb"
    run = run_reference(db, scratch, memory_limit="1GB")
    assert (run.events, run.daily_rows) == (6, 5) and run.seconds > 0
    assert not scratch.exists()
    assert query(db, "select count(*) from raw_segment.tracks") == [(4,)]  # the raw tables are only read

    # The same statements, with the tables kept: the first loaded copy of t1, the counts per day.
    with duckdb.connect() as con:
        con.execute(f"attach '{db}' as warehouse (read_only)")
        for statement in reference_sql("warehouse"):
            con.execute(statement)
        assert con.execute(
            "select event_name, loaded_at from events where event_id = 'segment_track:t1'"
        ).fetchall() == [("Clicked", datetime(2026, 10, 1, 10, 5))]
        assert con.execute("select * from daily_events order by all").fetchall() == [
            (date(2026, 10, 1), "a2", "viewed", 1),
            (date(2026, 10, 1), "u1", "Clicked", 2),
            (date(2026, 10, 1), "u1", "Home", 1),
            (date(2026, 10, 1), "u1", "api.request", 1),
            (date(2026, 10, 2), "u1", "api.request", 1),
        ]
    with pytest.raises(ValueError, match="needs a file name other than"):
        run_reference(db, tmp_path / "warehouse.duckdb", memory_limit="1GB")
