"""IOM CTDC: the global synthetic case file, its staged records, every published count once, and the facts.

The records are never held in memory as a frame: the staging asset has DuckDB write them straight
from the file into the working warehouse (table `staging.iom_ctdc`, not through the IO manager),
and the cells asset counts them there. The profiles mart is `pipelines/marts/ctdc_profiles.py`.
"""

from pathlib import Path

import dagster as dg
import polars as pl

from core.vocabulary import FACT_KEY, has_flag
from pipelines.checks.shrink import shrink_check
from pipelines.download import Announcement, RemoteFile
from pipelines.facts import facts_asset
from pipelines.raw import downloaded_file_asset
from pipelines.sources.iom_ctdc.cells import CELLS_SCHEMA, count_cells
from pipelines.sources.iom_ctdc.facts import facts_from_cells
from pipelines.sources.iom_ctdc.parse import records_where, release_in_name, stage_records
from pipelines.sources.iom_ctdc.records import unknown_labels
from pipelines.warehouse import Warehouse, connect, table_name

CTDC_SYNTHETIC = RemoteFile(
    source_id="iom_ctdc",
    publication="IOM Counter Trafficking Data Collaborative (CTDC), global synthetic dataset, release of 2021-08-25",
    url="https://www.ctdatacollaborative.org/sites/g/files/tmzbdl2011/files/CTDC_synthetic_20210825.tsv",
    mirror_path="iom/ctdc_global_synthetic_20210825.csv",
    kinds=("csv",),
    # The dataset's resource page offers the current release (since 2024 `CTDC_global_synthetic_data_v2024.csv`,
    # `..._v2025.csv`, `ctdc_global_synthetic_data_v2026.csv`, with a `_0`/`_1` a site adds to a re-uploaded
    # name), by its file name or only through Drupal's `/node/<id>/download`, whose answer names the file.
    announcement=Announcement(
        page="https://www.ctdatacollaborative.org/dataset/global-synthetic-data-and-resources/resource/microdata",
        link=r"(?i)(?P<url>[^\"'\s<>]*CTDC_(?:global_)?synthetic[^\"'\s<>/]*?(?P<release>20\d{6}|v20\d\d)"
        r"(?:_\d)?\.(?:csv|tsv))",
        downloads=r"href=[\"']([^\"']*/node/\d+/download)[\"']",
    ),
    known_urls=("https://www.ctdatacollaborative.org/sites/g/files/tmzbdl2011/files/CTDC_synthetic_20210825.tsv",),
)
SOURCE_FILE = Path(CTDC_SYNTHETIC.mirror_path).name
FIRST_YEAR = 2002
RAW = dg.AssetKey(["raw", "iom_ctdc"])
STAGING = dg.AssetKey(["staging", "iom_ctdc"])
CELLS = dg.AssetKey(["harmonised", "iom_ctdc_cells"])
FACTS = dg.AssetKey(["harmonised", "facts_iom_ctdc"])


ctdc_file = downloaded_file_asset(
    CTDC_SYNTHETIC,
    folder="iom",
    description="The CTDC global synthetic case file, downloaded (or taken from the mirror) with its checksum.",
    edition=lambda _, address: release_in_name(address),
)


@dg.asset(key=STAGING, group_name="staging", ins={"raw_file": dg.AssetIn(key=RAW)}, kinds={"duckdb"})
def ctdc_staging(raw_file: pl.DataFrame, warehouse: Warehouse) -> dg.MaterializeResult:
    """One typed row per synthetic case record (ISO3 countries, boolean flags), in CTDC's own terms.

    When CTDC is absent from this run there is no file, and no table: the assets after it know.
    """
    table = table_name(STAGING)
    with connect(warehouse.paths.warehouse) as connection:
        if _absent(raw_file):
            connection.execute(f"DROP TABLE IF EXISTS {table}")
            return dg.MaterializeResult(metadata={"table": table, "rows": 0, "status": "absent"})
        connection.execute(f"CREATE SCHEMA IF NOT EXISTS {STAGING.path[0]}")
        records = stage_records(connection, table, Path(raw_file["local_path"][0]), raw_file["provenance_id"][0])
    return dg.MaterializeResult(metadata={"table": table, "rows": records})


def _absent(raw_file: pl.DataFrame) -> bool:
    return raw_file["local_path"][0] is None


@dg.asset_check(
    asset=STAGING,
    name="labels_known",
    blocking=True,
    description="Every label is in a crosswalk.",
    additional_ins={"raw_file": dg.AssetIn(key=RAW)},
)
def ctdc_labels_known(raw_file: pl.DataFrame, warehouse: Warehouse) -> dg.AssetCheckResult:
    if _absent(raw_file):
        return dg.AssetCheckResult(passed=True, description="no records to check (the source is absent)")
    with connect(warehouse.paths.warehouse, read_only=True) as connection:
        unknown = unknown_labels(connection, table_name(STAGING))
    path = Path(raw_file["local_path"][0])
    found = "; ".join(f"{column}: {labels} ({_lines(path, column, labels)})" for column, labels in unknown.items())
    return dg.AssetCheckResult(
        passed=not unknown,
        description=f"{SOURCE_FILE}: labels not in crosswalk: {found}" if unknown else "every label is in a crosswalk",
        metadata={"unknown_labels": dg.MetadataValue.json(unknown)},
    )


def _lines(path: Path, column: str, labels: list[str], shown: int = 5) -> str:
    """Where the labels stand in the file: `line 100, ...`."""
    lines = records_where(path, f"list_contains(?, {column})", [labels])["line"].to_list()
    more = f" and {len(lines) - shown} more" if len(lines) > shown else ""
    return f"{'line' if len(lines) == 1 else 'lines'} {', '.join(map(str, lines[:shown]))}{more}"


@dg.asset(key=CELLS, group_name="harmonised", deps=[STAGING], ins={"raw_file": dg.AssetIn(key=RAW)}, kinds={"duckdb"})
def iom_ctdc_cells(raw_file: pl.DataFrame, warehouse: Warehouse) -> pl.DataFrame:
    """Every count CTDC publishes (facts and profiles), counted once from the staged records and disclosure-controlled.

    Counts 1-4 and the cells that would give them back by subtraction are hidden; no count below 5 is kept.
    """
    if _absent(raw_file):
        return pl.DataFrame(schema=CELLS_SCHEMA)
    with connect(warehouse.paths.warehouse, read_only=True) as connection:
        return count_cells(connection, table_name(STAGING), SOURCE_FILE)


@dg.asset_check(asset=CELLS, blocking=True, description="No count from 1 to 4 is shown as a number.")
def iom_ctdc_cells_small_counts_hidden(cells: pl.DataFrame) -> dg.AssetCheckResult:
    shown = cells.filter(pl.col("value").is_between(1, 4))
    return dg.AssetCheckResult(
        passed=shown.height == 0,
        description=f"{shown.height} count(s) from 1 to 4 shown as a number",
        metadata={"small_counts_shown": shown.height},
    )


facts_iom_ctdc, ctdc_fact_checks = facts_asset(
    "iom_ctdc",
    facts_from_cells,
    "Registered victims (synthetic records) by country of exploitation and WORLD; counts 1-4 suppressed.",
    FIRST_YEAR,
    upstream=CELLS,
)


@dg.asset_check(asset=FACTS, blocking=True, description="No count from 1 to 4 or 0 is shown as a number.")
def ctdc_facts_small_counts_hidden(facts: pl.DataFrame) -> dg.AssetCheckResult:
    shown = facts.filter(pl.col("value").is_between(0, 4))
    unflagged = facts.filter(~has_flag("synthetic"))
    return dg.AssetCheckResult(
        passed=shown.height == 0 and unflagged.height == 0,
        description=f"{shown.height} count(s) from 0 to 4 shown as a number; "
        f"{unflagged.height} fact(s) without the synthetic flag",
        metadata={"small_counts_shown": shown.height, "facts_without_synthetic_flag": unflagged.height},
    )


ctdc_shrink_check = shrink_check(FACTS, "iom_ctdc", "SELECT * FROM fact_indicator WHERE source = ?", FACT_KEY)
