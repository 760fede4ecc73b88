"""The benchmark's verdicts and its markdown: ratios between runs, targets, the results section."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from usage_warehouse.bench.artifacts import grown_nodes

START_MARKER = "<!-- bench:results:start -->"
END_MARKER = "<!-- bench:results:end -->"

TEN_MILLION = 10_000_000
FULL_BUILD_MIN_EVENTS_PER_SECOND = 500_000
MAX_INCREMENTAL_BEYOND_FIXED = 0.05
MAX_HISTORY_10X_RATIO = 1.3
MAX_DBT_OVERHEAD = 1.25
MAX_PEAK_MEMORY_MIB = 4 * 1024


def history_scaling(sizes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """For consecutive sizes ten times apart: the incremental run on the longer history over the shorter."""
    pairs = []
    for small, large in itertools.pairwise(sizes):
        if large["target_events"] != 10 * small["target_events"]:
            continue
        small_run, large_run = small["incremental"], large["incremental"]
        pairs.append(
            {
                "from": small["label"],
                "to": large["label"],
                "days": [small["days"], large["days"]],
                "accounts": small["accounts"],
                "incremental_seconds": [small_run["seconds"], large_run["seconds"]],
                "incremental_ratio": round(large_run["seconds"] / small_run["seconds"], 3),
                # Round by round: the sizes' incremental runs take turns (bench/runner.py), so
                # each ratio compares two runs minutes apart.
                "incremental_ratio_rounds": round_ratios(small_run, large_run),
                # The same ratio in the dbt process's CPU time, which time stolen by the hypervisor
                # does not inflate (null for results without CPU times).
                "incremental_cpu_ratio": ratio(large_run.get("cpu_seconds"), small_run.get("cpu_seconds")),
                "cpu_steal_share": [small_run.get("cpu_steal_share"), large_run.get("cpu_steal_share")],
                "new_rows": [small_run["new_rows"], large_run["new_rows"]],
                "new_rows_ratio": round(large_run["new_rows"] / max(small_run["new_rows"], 1), 3),
                # What grows with the history: the nodes of the incremental run that took longest
                # over the same run on the shorter history.
                "grown_nodes": grown_nodes(large_run.get("node_seconds", {}), small_run.get("node_seconds", {})),
            }
        )
    return pairs


def round_ratios(small_run: dict[str, Any], large_run: dict[str, Any]) -> list[float]:
    """The larger size's run over the smaller's, round by round (empty unless both ran the same rounds)."""
    small, large = small_run.get("seconds_runs") or [], large_run.get("seconds_runs") or []
    if len(small) != len(large):
        return []
    return [round(later / earlier, 3) for earlier, later in zip(small, large, strict=True)]


Item = TypeVar("Item")


def median_by(items: Sequence[Item], key: Callable[[Item], float]) -> Item:
    """The item with the median ``key`` (the lower of the two middle ones for an even count):
    a run that happened, whose other figures belong with its time."""
    return sorted(items, key=key)[(len(items) - 1) // 2]


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """numerator / denominator to 3 decimals; None where either is missing or the denominator is 0."""
    return round(numerator / denominator, 3) if numerator is not None and denominator else None


def _verdict(
    name: str,
    description: str,
    size: str,
    value: float | None,
    threshold: float,
    *,
    below: bool,
    strict: bool = False,
    floor: float | None = None,
) -> dict[str, Any]:
    """A target's verdict. status: pass, fail, not measured, or inconclusive when the value is
    below ``floor`` (a difference of two timings that noise turned negative); passed is null
    unless the status is pass or fail."""
    passed: bool | None = None
    status = "not measured"
    if value is not None and floor is not None and value < floor:
        status = "inconclusive"
    elif value is not None:
        passed = (value < threshold if strict else value <= threshold) if below else value >= threshold
        status = "pass" if passed else "fail"
    return {
        "target": name,
        "description": description,
        "size": size,
        "value": value,
        "threshold": threshold,
        "passed": passed,
        "status": status,
    }


def evaluate_targets(sizes: list[dict[str, Any]], history: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each target of the issue against what was measured; passed is null where it was not measured."""
    at_10m = next((size for size in sizes if size["target_events"] == TEN_MILLION), None)
    verdicts = [
        _verdict(
            "full_build_events_per_second",
            "full dbt build at 10M events: at least 500k events/s",
            "10M",
            at_10m["full_build"]["events_per_second"] if at_10m else None,
            FULL_BUILD_MIN_EVENTS_PER_SECOND,
            below=False,
        ),
        _verdict(
            "peak_memory_mib",
            "peak memory of the dbt process at 10M events: below 4 GiB",
            "10M",
            at_10m["peak_memory_mib"] if at_10m else None,
            MAX_PEAK_MEMORY_MIB,
            below=True,
            strict=True,
        ),
    ]
    for size in sizes:
        verdicts.append(
            _verdict(
                "incremental_work_beyond_fixed_cost",
                "(incremental - no new data) / full build: at most 5%",
                size["label"],
                size["incremental_work_beyond_fixed_cost"],
                MAX_INCREMENTAL_BEYOND_FIXED,
                below=True,
                floor=0.0,  # the no-new-data run slower than the incremental one: noise, not speed
            )
        )
        direct = size["direct"]
        verdicts.append(
            _verdict(
                "dbt_overhead_ratio",
                "dbt build wall time / the same SQL run directly: at most 1.25",
                size["label"],
                direct["dbt_overhead_ratio"] if direct else None,
                MAX_DBT_OVERHEAD,
                below=True,
            )
        )
    for pair in history:
        verdicts.append(
            _verdict(
                "incremental_at_10x_history",
                "incremental run on a 10x longer history / on the shorter one: at most 1.3",
                f"{pair['from']} -> {pair['to']}",
                pair["incremental_ratio"],
                MAX_HISTORY_10X_RATIO,
                below=True,
            )
        )
    return verdicts


def _seconds(value: float) -> str:
    return f"{value:.1f} s"


def _optional(value: float | None, spec: str) -> str:
    """``value`` formatted with ``spec``, or "n/a" where it was not measured."""
    return "n/a" if value is None else spec.format(value)


def _generator_cell(generator: dict[str, Any]) -> str:
    shards = int(generator.get("shards", 1))
    in_shards = f", {shards} shards" if shards > 1 else ""
    return f"{_seconds(generator['seconds'])} ({_rate(generator['events_per_second'])}{in_shards})"


def _direct_cell(direct: dict[str, Any] | None) -> str:
    """dbt / direct in wall time, the direct run's seconds and, where recorded, the CPU-time ratio."""
    if not direct:
        return "not run"
    details = [f"direct {_seconds(direct['seconds'])}"]
    if "dbt_overhead_cpu_ratio" in direct:  # results before CPU times were recorded lack it
        details.append(f"CPU time {_optional(direct['dbt_overhead_cpu_ratio'], '{:.2f}x')}")
    return f"{direct['dbt_overhead_ratio']:.2f}x ({'; '.join(details)})"


def _table_copy_cell(copied: dict[str, Any] | None) -> str:
    """The copy of the built tables: seconds, share of the full build, rate, tables and size."""
    if not copied:
        return "not run"
    return (
        f"{_seconds(copied['seconds'])} ({copied['ratio_to_full']:.2f}x full; {_rate(copied['events_per_second'])}; "
        f"{copied['tables']} tables, {copied['rows']:,} rows, {copied['mib_written']:,.0f} MiB)"
    )


def _reference_cell(reference: dict[str, Any] | None) -> str:
    """The reference pipeline: seconds, rate, and the full build's time as a multiple of it."""
    if not reference:
        return "not run"
    return (
        f"{_seconds(reference['seconds'])} ({_rate(reference['events_per_second'])}; "
        f"full build {reference['full_build_ratio']:.1f}x)"
    )


def _rate(value: float) -> str:
    if value >= 1_000_000:
        return f"{value / 1_000_000:,.2f}M/s"
    return f"{value / 1000:,.0f}k/s" if value >= 10_000 else f"{value:,.0f}/s"


def render_results(results: dict[str, Any]) -> str:
    """The markdown of the results section: machine, one column per size, layers, slowest nodes, targets."""
    machine, sizes = results["machine"], results["sizes"]
    settings = results["settings"]
    lines = [
        f"Measured {machine['date']} on {machine['cpu_model']}, {machine['cores']} cores, "
        f"{machine['memory_gib']} GiB RAM, {machine['os']}; Python {machine['python']}, DuckDB {machine['duckdb']}, "
        f"dbt-core {machine['dbt_core']}, dbt-duckdb {machine['dbt_duckdb']}; DuckDB memory limit "
        f"{settings['duckdb_memory_limit']}, {settings['dbt_threads']} dbt threads. Density "
        f"{settings['density_rows_per_account_day']} rows per account per day "
        f"({settings['probe']['days']}-day probe).",
        "",
        "| | " + " | ".join(size["label"] for size in sizes) + " |",
        "|---|" + "---:|" * len(sizes),
    ]

    def row(title: str, cells: list[str]) -> None:
        lines.append(f"| {title} | " + " | ".join(cells) + " |")

    row("accounts x days", [f"{s['accounts']:,} x {s['days']:,}" for s in sizes])
    row("events (raw rows)", [f"{s['events']:,}" for s in sizes])
    row(
        "generator",
        [_generator_cell(s["generator"]) for s in sizes],
    )
    row(
        "full dbt build",
        [f"{_seconds(s['full_build']['seconds'])} ({_rate(s['full_build']['events_per_second'])})" for s in sizes],
    )
    runs = ("full_build", "incremental", "no_new_data")
    row(
        "incremental, one new day",
        [
            f"{_seconds(s['incremental']['seconds'])} ({s['incremental']['ratio_to_full']:.2f}x full; "
            f"{s['incremental']['new_rows']:,} rows)"
            for s in sizes
        ],
    )
    row(
        "no new data (fixed cost)",
        [f"{_seconds(s['no_new_data']['seconds'])} ({s['no_new_data']['ratio_to_full']:.2f}x full)" for s in sizes],
    )
    row("incremental work beyond fixed cost", [f"{s['incremental_work_beyond_fixed_cost']:.1%}" for s in sizes])
    if all("seconds_runs" in s["incremental"] for s in sizes):  # results before the runs were repeated lack them
        row(
            "runs: incremental / no new data (the median counts)",
            [
                " / ".join(", ".join(f"{seconds:.1f}" for seconds in s[run]["seconds_runs"]) for run in runs[1:]) + " s"
                for s in sizes
            ],
        )
    row("dbt build / direct SQL", [_direct_cell(s["direct"]) for s in sizes])
    if any(s.get("table_copy") for s in sizes):  # results before the copy was timed lack it
        row("built tables copied (write floor)", [_table_copy_cell(s.get("table_copy")) for s in sizes])
    if any(s.get("reference_pipeline") for s in sizes):  # results before the reference was timed lack it
        row(
            "reference: bare DuckDB dedupe + daily aggregation",
            [_reference_cell(s.get("reference_pipeline")) for s in sizes],
        )
    row("peak memory of dbt", [f"{s['peak_memory_mib']:,.0f} MiB" for s in sizes])
    if any("cpu_seconds" in s["full_build"] for s in sizes):  # results before CPU times were recorded lack them
        row(
            "CPU time of dbt: full / incremental / no new data",
            [" / ".join(_optional(s[run].get("cpu_seconds"), "{:,.0f} s") for run in runs) for s in sizes],
        )
        row(
            "CPU stolen by the hypervisor: full / incremental / no new data",
            [" / ".join(_optional(s[run].get("cpu_steal_share"), "{:.1%}") for run in runs) for s in sizes],
        )

    for run, title in (("full_build", "Full build"), ("incremental", "Incremental run of one new day")):
        if not all("layers" in s[run] for s in sizes):
            continue  # results written before the incremental run's profile was recorded
        layer_names = list(dict.fromkeys(name for s in sizes for name in s[run]["layers"]))
        lines += [
            "",
            f"{title}, summed execution time per layer (nodes run 2 at a time, so the sum exceeds the wall):",
            "",
        ]
        lines += ["| layer | " + " | ".join(s["label"] for s in sizes) + " |", "|---|" + "---:|" * len(sizes)]
        for name in layer_names:
            cells = []
            for s in sizes:
                layer = s[run]["layers"].get(name)
                cells.append(f"{_seconds(layer['seconds'])} ({layer['nodes']})" if layer else "")
            row(name, cells)

    largest = sizes[-1]
    for run, title in (("full_build", "full build"), ("incremental", "incremental run of one new day")):
        if "slowest_nodes" not in largest[run]:
            continue  # results written before the incremental run's profile was recorded
        lines += ["", f"The 15 slowest nodes of the {title} at {largest['label']}:", ""]
        lines += ["| node | type | layer | seconds |", "|---|---|---|---:|"]
        for node in largest[run]["slowest_nodes"]:
            lines.append(
                f"| `{node['unique_id']}` | {node['resource_type']} | {node['layer']} | {node['seconds']:.2f} |"
            )

    if largest.get("table_copy"):
        copied = largest["table_copy"]
        lines += [
            "",
            f"The {len(copied['slowest_tables'])} slowest of the {copied['tables']} built tables to copy at "
            f"{largest['label']} (`create table ... as select * from`, then a checkpoint, into an empty file):",
            "",
            "| table | rows | seconds |",
            "|---|---:|---:|",
        ]
        lines += [f"| `{t['relation']}` | {t['rows']:,} | {t['seconds']:.2f} |" for t in copied["slowest_tables"]]
        if copied.get("layers"):  # results before the copy was summed per layer lack it
            lines += _copy_layers_table(largest["label"], copied["layers"], largest["full_build"]["events"])

    if largest.get("new_day_work_nodes"):
        lines += _grown_table(
            f"Where the new day's work went at {largest['label']}: the 15 nodes of the incremental run that took "
            "longest over the run with no new data:",
            ("no new data", "incremental"),
            largest["new_day_work_nodes"],
        )

    if results["history_scaling"]:
        lines += ["", "Incremental run on a ten times longer history (same accounts):", ""]
        lines += [
            "| sizes | days | incremental | ratio | ratio of CPU time | ratio per round | new-day rows |",
            "|---|---|---|---:|---:|---|---|",
        ]
        for pair in results["history_scaling"]:
            rounds = ", ".join(f"{value:.2f}x" for value in pair.get("incremental_ratio_rounds") or []) or "-"
            lines.append(
                f"| {pair['from']} -> {pair['to']} | {pair['days'][0]} -> {pair['days'][1]} | "
                f"{_seconds(pair['incremental_seconds'][0])} -> {_seconds(pair['incremental_seconds'][1])} | "
                f"{pair['incremental_ratio']:.2f}x | {_optional(pair.get('incremental_cpu_ratio'), '{:.2f}x')} | "
                f"{rounds} | {pair['new_rows'][0]:,} -> {pair['new_rows'][1]:,} |"
            )
        for pair in results["history_scaling"]:
            if pair.get("grown_nodes"):
                lines += _grown_table(
                    f"What grows with the history: the 15 nodes of the incremental run at {pair['to']} that took "
                    f"longest over the same run at {pair['from']}:",
                    (pair["from"], pair["to"]),
                    pair["grown_nodes"],
                )

    lines += ["", "Targets:", "", "| target | size | measured | target | result |", "|---|---|---:|---:|---|"]
    for verdict in results["targets"]:
        result = "**fail**" if verdict["status"] == "fail" else verdict["status"]
        value = "" if verdict["value"] is None else f"{verdict['value']:,}"
        lines.append(
            f"| {verdict['description']} | {verdict['size']} | {value} | {verdict['threshold']:,} | {result} |"
        )
    return "\n".join(lines)


def _copy_layers_table(label: str, layers: dict[str, dict[str, Any]], events: int) -> list[str]:
    """The write floor per layer, against the time the full-build target allows the whole build."""
    allowed = events / FULL_BUILD_MIN_EVENTS_PER_SECOND
    lines = [
        "",
        f"The write floor per layer at {label}: each layer's tables copied, against the {allowed:.1f} s that "
        f"{FULL_BUILD_MIN_EVENTS_PER_SECOND:,} events per second allow the whole full build of {events:,} events:",
        "",
        "| layer | tables | rows | seconds | share of the target's time |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, layer in layers.items():
        lines.append(
            f"| {name} | {layer['tables']} | {layer['rows']:,} | {layer['seconds']:.2f} | "
            f"{layer['seconds'] / allowed:.0%} |"
        )
    return lines


def _grown_table(title: str, runs: tuple[str, str], nodes: list[dict[str, Any]]) -> list[str]:
    """A table of grown_nodes: each node's seconds in the two runs and the difference."""
    lines = ["", title, "", f"| node | {runs[0]} | {runs[1]} | difference |", "|---|---:|---:|---:|"]
    for node in nodes:
        before, after = node["seconds"]
        lines.append(f"| `{node['unique_id']}` | {before:.2f} | {after:.2f} | {node['growth_seconds']:+.2f} |")
    return lines


def _marker_lines(text: str, marker: str) -> list[int]:
    """Offsets of the lines that hold only ``marker`` (a mention inside prose does not count)."""
    return [match.start() for match in re.finditer(rf"^{re.escape(marker)}[ \t]*$", text, flags=re.MULTILINE)]


def check_doc(doc: Path) -> tuple[str, int, int]:
    """The text of ``doc`` and where its results section starts and ends: each marker alone on one line."""
    text = doc.read_text() if doc.exists() else ""
    starts, ends = _marker_lines(text, START_MARKER), _marker_lines(text, END_MARKER)
    start, end = (starts[0], ends[0]) if len(starts) == len(ends) == 1 else (-1, -1)
    if start < 0 or end < start:
        raise ValueError(f"{doc} has no {START_MARKER} ... {END_MARKER} section to write the results into")
    return text, start, end


def rewrite_doc(doc: Path, results: dict[str, Any]) -> None:
    """Replace the text between the results markers of ``doc`` with the rendered results."""
    text, start, end = check_doc(doc)
    body = render_results(results)
    doc.write_text(text[: start + len(START_MARKER)] + "\n" + body + "\n" + text[end:])
