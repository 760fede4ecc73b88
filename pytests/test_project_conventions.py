"""Project conventions, checked on the manifest and the catalog of the built fixture warehouse:
every model and every column is documented, every model has a primary-key test, marts
enforce contracts, and layer naming holds."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from usage_warehouse.dbt import run_dbt

LAYER_PREFIXES = {
    "staging": ("stg_", "base_"),
    "intermediate": ("int_",),
    "marts": ("fct_", "dim_"),
    "audit": ("fct_",),
}


@pytest.fixture(scope="module")
def artifacts(fixture_warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    target = tmp_path_factory.mktemp("docs_target")
    run_dbt(["docs", "generate", "--static"], db_path=fixture_warehouse, target_path=target)
    assert (target / "static_index.html").stat().st_size > 100_000
    return {
        "manifest": json.loads((target / "manifest.json").read_text()),
        "catalog": json.loads((target / "catalog.json").read_text()),
    }


def models(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    nodes = manifest["nodes"].values()
    return [n for n in nodes if n["resource_type"] == "model" and n["package_name"] == "usage_warehouse"]


def test_every_model_and_column_is_documented(artifacts: dict[str, Any]) -> None:
    manifest, catalog = artifacts["manifest"], artifacts["catalog"]
    missing = []
    for model in models(manifest):
        if not model["description"].strip():
            missing.append(f"{model['name']}: no description")
        built = catalog["nodes"].get(model["unique_id"])
        assert built is not None, f"{model['name']} is not in the catalog: was it built?"
        documented = {name.lower(): col for name, col in model["columns"].items()}
        for column in built["columns"]:
            doc = documented.get(column.lower())
            if doc is None or not doc["description"].strip():
                missing.append(f"{model['name']}.{column}: no description")
    assert missing == []


def test_every_model_has_a_primary_key_test(artifacts: dict[str, Any]) -> None:
    manifest = artifacts["manifest"]
    tested: dict[str, set[str]] = {}
    for node in manifest["nodes"].values():
        if node["resource_type"] != "test":
            continue
        name = node.get("test_metadata", {}).get("name")
        for parent in node["depends_on"]["nodes"]:
            tested.setdefault(parent, set()).add(name)
    lacking = []
    for model in models(manifest):
        if model["name"].startswith("base_"):
            continue  # one row per raw row, duplicates included: keyed in the stg_ model
        kinds = tested.get(model["unique_id"], set())
        if not ({"unique", "not_null"} <= kinds or "unique_combination" in kinds):
            lacking.append(model["name"])
    assert lacking == []


def test_marts_enforce_contracts_and_layers_are_named(artifacts: dict[str, Any]) -> None:
    for model in models(artifacts["manifest"]):
        layer = model["fqn"][1]
        assert model["name"].startswith(LAYER_PREFIXES[layer]), f"{model['name']} is misnamed for layer {layer}"
        if layer in ("marts", "audit"):
            assert model["config"]["contract"]["enforced"], f"{model['name']} has no enforced contract"
            assert model["description"].lower().startswith("grain:"), f"{model['name']} does not state its grain first"


def test_no_mart_reads_a_source_or_skips_staging(artifacts: dict[str, Any]) -> None:
    manifest = artifacts["manifest"]
    offenders = []
    for model in models(manifest):
        layer = model["fqn"][1]
        parents = model["depends_on"]["nodes"]
        if layer in ("intermediate", "marts") and any(p.startswith("source.") for p in parents):
            offenders.append(f"{model['name']} reads a source")
        if layer == "marts" and any(".base_" in p for p in parents):
            offenders.append(f"{model['name']} reads a base model")
    assert offenders == []
