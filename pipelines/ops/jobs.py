"""The refresh job: every asset, in one process (every step reads or writes the one working warehouse)."""

import dagster as dg

refresh_job = dg.define_asset_job(
    "refresh",
    selection=dg.AssetSelection.all(),
    description="Download every source, harmonise, build the marts and publish them atomically.",
    executor_def=dg.in_process_executor,
)
