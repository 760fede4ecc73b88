"""Reading a dbt build's artifacts: time per layer and the slowest nodes.

``run_results.json`` gives each node's ``execution_time``; ``manifest.json`` gives its
resource type and, for a model, its file, whose first folder under ``models/`` is its
layer (staging, intermediate, marts, audit).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

JsonObject = dict[str, Any]

# Layer of each resource type other than models (models are grouped by their folder).
RESOURCE_LAYERS = {
    "seed": "seeds",
    "snapshot": "snapshots",
    "test": "data_tests",
    "unit_test": "unit_tests",
    "operation": "hooks",
}


@dataclass(frozen=True)
class Artifacts:
    """The run results and manifest of one dbt command."""

    run_results: JsonObject
    manifest: JsonObject

    @classmethod
    def read(cls, target_path: Path) -> Artifacts:
        return cls(
            run_results=json.loads((target_path / "run_results.json").read_text()),
            manifest=json.loads((target_path / "manifest.json").read_text()),
        )

    @property
    def results(self) -> list[JsonObject]:
        results: list[JsonObject] = self.run_results["results"]
        return results

    def node(self, unique_id: str) -> JsonObject:
        """The manifest entry of a node (models, tests, seeds, snapshots, unit tests)."""
        for section in ("nodes", "unit_tests", "sources"):
            found = self.manifest.get(section, {}).get(unique_id)
            if found is not None:
                node: JsonObject = found
                return node
        return {"unique_id": unique_id, "resource_type": unique_id.split(".", 1)[0]}


def layer_of(node: JsonObject) -> str:
    """staging / intermediate / marts / audit for a model (its folder under models/), else by type."""
    resource_type = str(node.get("resource_type") or "")
    if resource_type == "model":
        parts = Path(str(node.get("original_file_path", ""))).parts
        return parts[1] if len(parts) > 2 and parts[0] == "models" else "models"
    return RESOURCE_LAYERS.get(resource_type, resource_type or "other")


def sum_by_layer(entries: Iterable[tuple[str, JsonObject]]) -> dict[str, JsonObject]:
    """Per layer, the sums of each entry's measures (a ``seconds`` among them, rounded to the
    millisecond); the slowest layer first."""
    totals: dict[str, JsonObject] = {}
    for layer, measures in entries:
        entry = totals.setdefault(layer, dict.fromkeys(measures, 0))
        for name, value in measures.items():
            entry[name] += value
    ordered = sorted(totals.items(), key=lambda item: -float(item[1]["seconds"]))
    return {name: {**entry, "seconds": round(float(entry["seconds"]), 3)} for name, entry in ordered}


def layer_times(artifacts: Artifacts) -> dict[str, JsonObject]:
    """Per layer: summed execution seconds and node count, slowest layer first."""
    return sum_by_layer(
        (
            layer_of(artifacts.node(result["unique_id"])),
            {"seconds": float(result.get("execution_time") or 0.0), "nodes": 1},
        )
        for result in artifacts.results
    )


def slowest_nodes(artifacts: Artifacts, count: int = 15) -> list[JsonObject]:
    """The ``count`` nodes with the longest execution time: id, type, layer, seconds."""
    ranked = sorted(artifacts.results, key=lambda result: -float(result.get("execution_time") or 0.0))
    slowest = []
    for result in ranked[:count]:
        node = artifacts.node(result["unique_id"])
        slowest.append(
            {
                "unique_id": result["unique_id"],
                "resource_type": node.get("resource_type"),
                "layer": layer_of(node),
                "seconds": round(float(result.get("execution_time") or 0.0), 3),
            }
        )
    return slowest


def statuses(artifacts: Artifacts) -> dict[str, int]:
    """How many nodes ended in each status (success, pass, warn, skipped...)."""
    counts: dict[str, int] = {}
    for result in artifacts.results:
        counts[str(result.get("status"))] = counts.get(str(result.get("status")), 0) + 1
    return dict(sorted(counts.items()))


def node_seconds(artifacts: Artifacts) -> dict[str, float]:
    """Each node's execution seconds, by unique id."""
    return {result["unique_id"]: round(float(result.get("execution_time") or 0.0), 3) for result in artifacts.results}


def grown_nodes(after: dict[str, float], before: dict[str, float], count: int = 15) -> list[JsonObject]:
    """The ``count`` nodes whose execution time grew most from the run ``before`` to the run
    ``after`` (each a node_seconds mapping): id, both times, and the growth, largest first."""
    growth = {unique_id: seconds - before.get(unique_id, 0.0) for unique_id, seconds in after.items()}
    ranked = sorted(growth, key=lambda unique_id: (-growth[unique_id], unique_id))
    return [
        {
            "unique_id": unique_id,
            "seconds": [round(before.get(unique_id, 0.0), 3), round(after[unique_id], 3)],
            "growth_seconds": round(growth[unique_id], 3),
        }
        for unique_id in ranked[:count]
    ]
