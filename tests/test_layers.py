"""The layers: data flows one way, raw -> staging -> harmonised -> marts -> published.

Key prefix = Dagster group = layer, and the folder an asset is defined in says its layer too. An
asset reads only from its own layer or an earlier one, and marts and publication read only
harmonised tables or marts (nothing downstream of harmonisation skips it).
"""

import dagster as dg
import pytest

from pipelines import harmonised, marts, published, sources
from pipelines.definitions import defs

LAYERS = ("raw", "staging", "harmonised", "marts", "published")
READS_ONLY_HARMONISED = {"marts", "published"}
PACKAGE_LAYERS = {
    sources: {"raw", "staging", "harmonised"},
    harmonised: {"harmonised"},
    marts: {"marts"},
    published: {"published"},
}


def layer_violations(graph) -> list[str]:  # a resolved Dagster asset graph
    """Every asset whose key, group or inputs break the layer rules, as a sentence naming it."""
    problems = []
    for key in graph.get_all_asset_keys():
        layer, name = key.path[0], key.to_user_string()
        if layer not in LAYERS:
            problems.append(f"{name}: key prefix {layer!r} is not a layer")
            continue
        group = graph.get(key).group_name
        if group != layer:
            problems.append(f"{name}: group {group!r} differs from its layer {layer!r}")
        for parent in graph.get(key).parent_keys:
            parent_layer = parent.path[0]
            if parent_layer in LAYERS and LAYERS.index(parent_layer) > LAYERS.index(layer):
                problems.append(f"{name} reads {parent.to_user_string()}, a later layer")
            if layer in READS_ONLY_HARMONISED and parent_layer not in {"harmonised", "marts"}:
                problems.append(f"{name} reads {parent.to_user_string()}, skipping the harmonised layer")
    return sorted(problems)


def test_every_asset_keeps_the_layer_rules():
    assert layer_violations(defs.resolve_asset_graph()) == []


@pytest.mark.parametrize(("package", "layers"), PACKAGE_LAYERS.items(), ids=[p.__name__ for p in PACKAGE_LAYERS])
def test_each_folder_holds_its_layers(package, layers):
    keys = [key for asset in dg.load_assets_from_package_module(package) for key in asset.keys]
    assert keys
    outside = sorted(key.to_user_string() for key in keys if key.path[0] not in layers)
    assert outside == [], f"{package.__name__} defines assets outside its layers {sorted(layers)}: {outside}"


def test_the_rules_catch_a_mart_built_from_staging_and_a_stray_group():
    @dg.asset(key_prefix="staging", group_name="staging")
    def records() -> int:
        return 1

    @dg.asset(key_prefix="marts", group_name="some_source", ins={"records": dg.AssetIn(key=["staging", "records"])})
    def table(records: int) -> int:
        return records

    @dg.asset(key_prefix="harmonised", group_name="harmonised", ins={"table": dg.AssetIn(key=["marts", "table"])})
    def facts(table: int) -> int:
        return table

    graph = dg.Definitions(assets=[records, table, facts]).resolve_asset_graph()
    assert layer_violations(graph) == [
        "harmonised/facts reads marts/table, a later layer",
        "marts/table reads staging/records, skipping the harmonised layer",
        "marts/table: group 'some_source' differs from its layer 'marts'",
    ]


def test_every_mart_has_a_blocking_unique_key_check():
    graph = defs.resolve_asset_graph()
    marts_keys = [key for key in graph.get_all_asset_keys() if key.path[0] == "marts"]
    checked = {check.asset_key for check in graph.asset_check_keys if check.name == "unique_key"}
    assert marts_keys and sorted(key.to_user_string() for key in marts_keys if key not in checked) == []
