"""The reference tables in `data/reference/`, recorded by checksum like any other input.

Every figure depends on them (a crosswalk decides which canonical code a label becomes, the
definitions registry what a figure means), so each file is a provenance record, and the harmonised
tables read from them wait for this asset.
"""

import dagster as dg
import polars as pl

from core.settings import REFERENCE_DIR
from pipelines.provenance import reference_file_records
from pipelines.raw import raw_frame


@dg.asset(
    key_prefix="raw",
    group_name="raw",
    kinds={"csv"},
    description="Every reference table under data/reference/, recorded by checksum.",
)
def reference(context: dg.AssetExecutionContext) -> pl.DataFrame:
    records = reference_file_records(REFERENCE_DIR)
    context.add_output_metadata({"files": len(records)})
    return raw_frame(records, "current", None)
