"""The asset graph: every layer wired as the architecture says, and a snapshot of its shape.

The snapshot (tests/snapshots/asset_graph.txt) lists every asset with its group, kinds, upstream keys
and checks (name and blocking or warning), and the step that computes it; a change
to the graph shows up as a diff to review. Regenerate it with `UPDATE_SNAPSHOTS=1 make test`: the
test writes it and fails, so a run that rewrote the snapshot never passes; a missing snapshot fails.
"""

import os
from pathlib import Path

import dagster as dg
import pytest

from pipelines.definitions import defs

SNAPSHOT = Path(__file__).parent / "snapshots" / "asset_graph.txt"


def _graph_lines() -> list[str]:
    graph = defs.resolve_asset_graph()
    checks: dict[dg.AssetKey, list[str]] = {}
    for check_def in (graph.get_check_spec(check_key) for check_key in graph.asset_check_keys):
        severity = "blocking" if check_def.blocking else "warning"
        checks.setdefault(check_def.asset_key, []).append(f"{check_def.name} ({severity})")
    lines = []
    for key in sorted(graph.get_all_asset_keys(), key=lambda key: key.to_user_string()):
        node = graph.get(key)
        parents = sorted(parent.to_user_string() for parent in node.parent_keys)
        lines.append(f"{key.to_user_string()} <- {', '.join(parents) or '(none)'}")
        lines.append(f"    group {node.group_name}; kinds {', '.join(sorted(node.kinds)) or '-'}")
        lines += [f"    check {check}" for check in sorted(checks.get(key, []))]
    return lines


def test_asset_graph_matches_snapshot():
    lines = _graph_lines()
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        SNAPSHOT.parent.mkdir(exist_ok=True)
        SNAPSHOT.write_text("\n".join(lines) + "\n")
        pytest.fail(f"UPDATE_SNAPSHOTS=1: wrote {SNAPSHOT}; review its diff, then run again without it")
    if not SNAPSHOT.exists():
        pytest.fail(f"{SNAPSHOT} is missing: write it with UPDATE_SNAPSHOTS=1 and review it")
    assert SNAPSHOT.read_text().splitlines() == lines


def test_every_source_reaches_publication():
    graph = defs.resolve_asset_graph()
    published = dg.AssetKey(["published", "trafficking_db"])
    facts = [key for key in graph.get_all_asset_keys() if key.path[-1].startswith("facts_")]
    assert facts
    for key in facts:
        assert published in graph.get(key).child_keys or any(
            published in graph.get(child).child_keys for child in graph.get(key).child_keys
        ), f"{key.to_user_string()} does not reach publication"


def test_every_raw_asset_feeds_provenance():
    graph = defs.resolve_asset_graph()
    provenance = dg.AssetKey(["harmonised", "provenance"])
    raw = [key for key in graph.get_all_asset_keys() if key.path[0] == "raw"]
    assert raw and all(provenance in graph.get(key).child_keys for key in raw)
