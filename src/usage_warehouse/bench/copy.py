"""The write floor of a full build: the tables it built, copied into an empty DuckDB file.

A full build ends by having written every table and incremental model of the warehouse.
Copying those tables as they are (``create table ... as select * from <relation>``, then a
checkpoint, in one connection with the profile's settings) reads the built columns and
writes and compresses them again, with none of the build's joins, windows or parsing: a
lower bound of any build that produces the same tables on the same machine. The warehouse
is attached read-only and is not changed; the copy is deleted afterwards. The copy's seconds
are also summed per layer (staging, intermediate, marts, audit): what writing each layer's
tables alone costs.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from usage_warehouse.bench.artifacts import Artifacts, JsonObject, layer_of, sum_by_layer
from usage_warehouse.bench.direct import TABLE_MATERIALIZATIONS, scratch_reading

SLOWEST_TABLES = 10


@dataclass
class TableCopy:
    seconds: float
    cpu_seconds: float
    rows: int
    bytes_written: int
    tables: list[JsonObject] = field(default_factory=list)  # relation, layer, rows, seconds; slowest first

    def layers(self) -> dict[str, JsonObject]:
        """Per layer: the tables copied, their rows and summed seconds; the slowest layer first."""
        return sum_by_layer(
            (str(table["layer"]), {"tables": 1, "rows": int(table["rows"]), "seconds": float(table["seconds"])})
            for table in self.tables
        )


def built_tables(artifacts: Artifacts) -> list[tuple[str, str]]:
    """The relations of the build's table and incremental models that succeeded, with their
    layers, in run order."""
    relations = []
    for result in artifacts.results:
        node = artifacts.node(result["unique_id"])
        is_table = node.get("config", {}).get("materialized") in TABLE_MATERIALIZATIONS
        if node.get("resource_type") == "model" and is_table and result.get("status") == "success":
            relations.append((str(node["relation_name"]), layer_of(node)))
    return relations


def copy_tables(db_path: Path, artifacts: Artifacts, scratch: Path, *, memory_limit: str) -> TableCopy:
    """Copy every table the build wrote from db_path into a new file at scratch; time it."""
    relations = built_tables(artifacts)
    if not relations:
        raise ValueError(f"no table or incremental model in the build's run results ({len(artifacts.results)} nodes)")
    timed: list[JsonObject] = []
    started, cpu_started = time.perf_counter(), time.process_time()
    with scratch_reading(db_path, scratch, memory_limit, what="copy") as con:
        for index, (relation, layer) in enumerate(relations):
            table_started = time.perf_counter()
            con.execute(f"create table copied_{index} as select * from {relation}")
            con.execute("checkpoint")
            counted = con.execute(f"select count(*) from copied_{index}").fetchone()
            timed.append(
                {
                    "relation": relation,
                    "layer": layer,
                    "rows": int(counted[0]) if counted else 0,
                    "seconds": round(time.perf_counter() - table_started, 3),
                }
            )
        seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
        bytes_written = scratch.stat().st_size  # every table checkpointed
    timed.sort(key=lambda table: -float(table["seconds"]))
    return TableCopy(
        seconds=seconds,
        cpu_seconds=cpu_seconds,
        rows=sum(int(table["rows"]) for table in timed),
        bytes_written=bytes_written,
        tables=timed,
    )
