"""Degrade per source, never collapse: which sources a failed refresh must take from their last good release.

A refresh run fails as a whole when any step or blocking check fails, and then publishes nothing.
Every failure that belongs to one source (its raw, staging or harmonised assets and their checks)
names that source; the next attempt pins those sources to their last good release
(`pipelines.releases`) and publishes the rest. A failure that belongs to no single source (a
check across sources, a mart, publication) cannot be degraded: nothing is published.

`pipelines.refresh` runs these attempts in one process; `degraded_refresh_sensor` does the same
for runs the Dagster daemon started (schedules, the release sensors).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING

import dagster as dg
from dagster_shared.error import SerializableErrorInfo

from pipelines.ops.jobs import refresh_job
from pipelines.releases import pin_tags, pinned_sources

if TYPE_CHECKING:
    from dagster._core.definitions.assets.graph.asset_graph import AssetGraph

SOURCE_LAYERS = ("raw", "staging", "harmonised")


def _raw_ancestors(graph, key: dg.AssetKey, seen: dict) -> frozenset[dg.AssetKey]:  # noqa: ANN001 - a Dagster asset graph
    if key not in seen:
        parents = graph.get(key).parent_keys
        own = frozenset({key}) if key.path[0] == "raw" and key.path[-1] != "reference" else frozenset()
        seen[key] = own.union(*(_raw_ancestors(graph, parent, seen) for parent in parents))
    return seen[key]


def sources_of_steps(graph: AssetGraph) -> dict[str, str]:
    """Step key (op name) -> source id, for every step whose assets and checks belong to one source."""
    seen: dict = {}
    mapping = {}
    for assets_def in graph.assets_defs:
        keys = {*assets_def.keys, *(check.asset_key for check in assets_def.check_keys)}
        if not keys or any(key.path[0] not in SOURCE_LAYERS for key in keys):
            continue
        sources = {raw.path[-1] for key in keys for raw in _raw_ancestors(graph, key, seen)}
        if len(sources) == 1:
            mapping[assets_def.node_def.name] = sources.pop()
    return mapping


def root_cause(error: SerializableErrorInfo) -> str:
    """The first error below Dagster's wrappers: the project's own, naming the file, row or label."""
    while error.cause is not None and (error.cls_name or "").startswith("Dagster"):
        error = error.cause
    message = error.message.strip()
    qualified = re.match(rf"^[\w.]*\b{re.escape(error.cls_name or '')}: ", message) if error.cls_name else None
    return message[qualified.end() :] if qualified else message


def failures(events: Iterable[dg.DagsterEvent]) -> list[tuple[str, str]]:
    """(step key, one line) per failed step or failed blocking check."""
    found = []
    for event in events:
        if event.is_step_failure and event.step_failure_data.error is not None:
            found.append((event.step_key, f"{event.step_key}: {root_cause(event.step_failure_data.error)}"))
        elif event.event_type == dg.DagsterEventType.RESOURCE_INIT_FAILURE and event.engine_event_data.error:
            found.append((event.step_key, f"start of the run: {root_cause(event.engine_event_data.error)}"))
        elif event.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION:
            evaluation = event.event_specific_data
            if not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.ERROR:
                check = f"{evaluation.asset_key.to_user_string()}:{evaluation.check_name}"
                found.append((event.step_key, f"check {check} failed: {evaluation.description}"))
    return found


def sources_to_pin(
    events: Iterable[dg.DagsterEvent], step_sources: Mapping[str, str]
) -> tuple[dict[str, str], list[str]]:
    """The failed sources with the first reason each, and the failures that belong to no one source.

    `step_sources` maps a step to its source (`sources_of_steps` of the code location's graph).
    """
    by_source: dict[str, str] = {}
    unattributed = []
    for step_key, line in failures(events):
        source = step_sources.get(step_key or "")
        if source is None:
            unattributed.append(line)
        else:
            by_source.setdefault(source, line)
    return by_source, unattributed


def degraded_refresh_sensor(step_sources: Callable[[], Mapping[str, str]]) -> dg.SensorDefinition:
    """The sensor that, after a failed `refresh`, requests one with the failed sources pinned.

    `step_sources` gives the step -> source map of the code location (called when a run fails, so
    the definitions that hold this sensor can pass a function of their own graph).
    """

    @dg.run_failure_sensor(
        name="degraded_refresh_sensor",
        monitored_jobs=[refresh_job],
        request_job=refresh_job,
        default_status=dg.DefaultSensorStatus.RUNNING,
    )
    def _sensor(context: dg.RunFailureSensorContext) -> dg.RunRequest | dg.SkipReason:
        run = context.dagster_run
        records = context.instance.all_logs(run.run_id)
        events = (record.dagster_event for record in records if record.dagster_event)
        failed, unattributed = sources_to_pin(events, step_sources())
        pinned = pinned_sources(run.tags)
        new = {source: reason for source, reason in failed.items() if source not in pinned}
        if unattributed or not new:
            return dg.SkipReason("the failure belongs to no single source: nothing to degrade, nothing published")
        tags = pin_tags(pinned | new) | {"degraded_from": run.run_id}
        return dg.RunRequest(run_key=f"{run.run_id}:degraded", tags=tags)

    return _sensor
