"""Project conventions, checked on the manifest and the catalog of the built fixture warehouse:
every model and every column is documented, every model has a primary-key test, marts
enforce contracts, and layer naming holds."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from usage_warehouse.dbt import run_dbt
from usage_warehouse.warehouse import query

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


def not_null_constrained(model: dict[str, Any]) -> set[str]:
    """The lower-cased columns of a model that carry a not_null constraint in its contract."""
    return {
        name.lower()
        for name, column in model["columns"].items()
        if any(c["type"] == "not_null" for c in column.get("constraints", []))
    }


def models(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    nodes = manifest["nodes"].values()
    return [n for n in nodes if n["resource_type"] == "model" and n["package_name"] == "usage_warehouse"]


def ancestors(manifest: dict[str, Any], unique_id: str) -> set[str]:
    """Every node `unique_id` is built from, directly or through other nodes."""
    found: set[str] = set()
    stack = [unique_id]
    while stack:
        for parent in manifest["nodes"].get(stack.pop(), {}).get("depends_on", {}).get("nodes", []):
            if parent not in found:
                found.add(parent)
                stack.append(parent)
    return found


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
    """A key is unique and never null: a `unique` test on a column that a `not_null` test or,
    in a contracted model, a not_null constraint guards; or a `unique_combination` test."""
    manifest = artifacts["manifest"]
    tested: dict[str, dict[str, set[str]]] = {}
    for node in manifest["nodes"].values():
        if node["resource_type"] != "test":
            continue
        name = node.get("test_metadata", {}).get("name")
        if name == "not_null_columns":  # one test for several columns: each counts as not_null
            columns = [c.lower() for c in node["test_metadata"]["kwargs"]["columns"]]
            name = "not_null"
        else:
            columns = [(node.get("column_name") or "").lower()]
        for parent in node["depends_on"]["nodes"]:
            for column in columns:
                tested.setdefault(parent, {}).setdefault(column, set()).add(name)

    def has_key_test(model: dict[str, Any]) -> bool:
        by_column = tested.get(model["unique_id"], {})
        if any("unique_combination" in kinds for kinds in by_column.values()):
            return True
        constrained = not_null_constrained(model)
        return any("unique" in kinds and ("not_null" in kinds or c in constrained) for c, kinds in by_column.items())

    by_name = {model["name"]: model for model in models(manifest)}
    lacking = []
    for model in by_name.values():
        if model["name"].startswith("base_"):
            continue  # one row per raw row, duplicates included: keyed in the stg_ model
        # A heavy view may name the model that materializes its rows with the same key, where the key
        # is tested: a model built from it.
        tested_in = by_name.get(model["config"].get("meta", {}).get("key_tested_in", ""))
        materialized_in = tested_in is not None and model["unique_id"] in ancestors(manifest, tested_in["unique_id"])
        if materialized_in and has_key_test(tested_in):
            continue
        if not has_key_test(model):
            lacking.append(model["name"])
    assert lacking == []


def test_contract_not_null_columns_are_enforced(artifacts: dict[str, Any], fixture_warehouse: Path) -> None:
    """A not_null constraint in a contract is enforced by the table itself: a null cannot be
    inserted (these columns carry no separate not_null test)."""
    expected = {
        (model["name"], column)
        for model in models(artifacts["manifest"])
        if model["config"]["contract"]["enforced"]
        for column in not_null_constrained(model)
    }
    assert len(expected) > 150
    rows = query(
        fixture_warehouse,
        "select table_name, lower(column_name) from information_schema.columns where is_nullable = 'NO'",
    )
    assert expected - set(rows) == set()


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


def test_no_model_built_from_usage_events_reads_account_match(artifacts: dict[str, Any]) -> None:
    """When the app database confirms the account the Segment group calls named, fct_usage_events
    rewrites account_match but keeps the rows' loaded_at, so incremental models downstream do not
    see the change: none of them may read the column or carry it."""
    manifest, catalog = artifacts["manifest"], artifacts["catalog"]
    usage_events = next(m["unique_id"] for m in models(manifest) if m["name"] == "fct_usage_events")
    downstream = [m for m in models(manifest) if usage_events in ancestors(manifest, m["unique_id"])]
    assert len(downstream) > 20
    readers = [
        m["name"]
        for m in downstream
        if "account_match" in m["raw_code"].lower()
        or "account_match" in {c.lower() for c in catalog["nodes"][m["unique_id"]]["columns"]}
    ]
    assert readers == []


def test_each_model_checks_its_not_null_columns_in_one_test(artifacts: dict[str, Any]) -> None:
    """Every data test is a node with dbt's per-node cost in every run, so a model, seed or source
    with several not-null columns checks them in one not_null_columns test, not a not_null test
    per column (docs/decision_log.md, "One not-null test per model"). A not_null test with its own
    config (severity warn, a where condition) stays on its column. The columns it lists exist."""
    manifest, catalog = artifacts["manifest"], artifacts["catalog"]
    plain_not_null: dict[str, list[str]] = {}
    unknown, folded = [], 0
    for node in manifest["nodes"].values():
        metadata = node.get("test_metadata") or {}
        if node["resource_type"] != "test" or metadata.get("name") not in ("not_null", "not_null_columns"):
            continue
        parent = node["attached_node"] or node["depends_on"]["nodes"][-1]
        if metadata["name"] == "not_null":
            custom = node["config"]["severity"].lower() != "error" or node["config"].get("where")
            if not custom:
                plain_not_null.setdefault(parent, []).append(node["column_name"])
            continue
        folded += 1
        built = catalog["nodes"].get(parent) or catalog["sources"].get(parent) or {"columns": {}}
        have = {c.lower() for c in built["columns"]}
        unknown += [f"{parent}.{c}" for c in metadata["kwargs"]["columns"] if c.lower() not in have]
    assert folded > 40 and plain_not_null  # single not-null columns keep their column test
    assert {parent: cols for parent, cols in plain_not_null.items() if len(cols) > 1} == {}
    assert unknown == []


REGISTRY_ENTRY = re.compile(r"'staging': '(\w+)'.*'is_event_source': (true|false)")


def test_raw_table_registry_flags_the_tables_whose_rows_are_events(artifacts: dict[str, Any]) -> None:
    """The audit checks the usage events on the load days of the raw tables flagged
    is_event_source (fct_unprocessed_raw_rows): the flag holds for exactly the tables whose
    staging model int_usage_events__unioned is built from."""
    manifest = artifacts["manifest"]
    text = (Path(__file__).parents[1] / "macros" / "raw_table_registry.sql").read_text()
    flags = {staging: flag == "true" for staging, flag in REGISTRY_ENTRY.findall(text)}
    assert len(flags) == len(re.findall(r"\{'source':", text)) > 10
    unioned = next(m["unique_id"] for m in models(manifest) if m["name"] == "int_usage_events__unioned")
    upstream = {manifest["nodes"][u]["name"] for u in ancestors(manifest, unioned) if u.startswith("model.")}
    assert {staging for staging, flag in flags.items() if flag} == {s for s in flags if s in upstream}
    assert sum(flags.values()) == 9
