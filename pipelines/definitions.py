"""The Dagster code location: every asset and check, found by package, the refresh job, its schedule and sensors."""

from __future__ import annotations

from functools import cache

import dagster as dg

from pipelines import harmonised, marts, published, sources
from pipelines.ops.degrade import degraded_refresh_sensor, sources_of_steps
from pipelines.ops.freshness import freshness_checks
from pipelines.ops.jobs import refresh_job
from pipelines.ops.notify import degraded_refresh_report, failed_refresh_report
from pipelines.ops.progress import progress_logger
from pipelines.ops.schedules import weekly_refresh
from pipelines.ops.sensors import curated_files_sensor, new_release_sensor
from pipelines.resources import build_resources

PACKAGES = (sources, harmonised, marts, published)

all_assets = [asset for package in PACKAGES for asset in dg.load_assets_from_package_module(package)]
all_checks = [
    *(check for package in PACKAGES for check in dg.load_asset_checks_from_package_module(package)),
    *freshness_checks,
]

defs = dg.Definitions(
    assets=all_assets,
    asset_checks=all_checks,
    jobs=[refresh_job],
    schedules=[weekly_refresh],
    sensors=[
        new_release_sensor,
        curated_files_sensor,
        degraded_refresh_sensor(lambda: source_of_step()),
        degraded_refresh_report,
        failed_refresh_report,
    ],
    loggers={"console": dg.colored_console_logger, "progress": progress_logger},
    resources=build_resources(),
    # Every step writes or reads the one working warehouse file, which DuckDB lets one process write:
    # jobs materialised from the UI run their steps in one process too, as `refresh` does.
    executor=dg.in_process_executor,
)


def source_assets(source_id: str) -> list[dg.AssetKey]:
    """Every asset of one source (its raw, staging and harmonised assets), whose checks come with them."""
    steps = {step for step, source in source_of_step().items() if source == source_id}
    graph = defs.resolve_asset_graph()
    return sorted(
        (key for assets_def in graph.assets_defs if assets_def.node_def.name in steps for key in assets_def.keys),
        key=lambda key: key.to_user_string(),
    )


@cache
def source_of_step() -> dict[str, str]:
    """Step key -> source id for this code location's steps that belong to one source (the degrade rule)."""
    return sources_of_steps(defs.resolve_asset_graph())
