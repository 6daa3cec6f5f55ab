"""UNODC GLOTIP: the workbook as published, its staging frame, and its canonical facts."""

from functools import partial
from pathlib import Path

import dagster as dg
import polars as pl

from core.isolated import run_isolated
from core.vocabulary import FACT_KEY
from pipelines.checks.shrink import shrink_check
from pipelines.download import Announcement, RemoteFile
from pipelines.facts import facts_asset
from pipelines.raw import downloaded_file_asset, staging_asset
from pipelines.sources.unodc_glotip import harmonise
from pipelines.sources.unodc_glotip.parse import SHEET, read_glotip, release_day

GLOTIP = RemoteFile(
    source_id="unodc_glotip",
    publication="UNODC, Global Report on Trafficking in Persons: data (data_glotip.xlsx)",
    url="https://data.unodc.org/sites/dataportal.unodc.org/files/2025-11/data_glotip.xlsx",
    mirror_path="unodc/data_glotip.xlsx",
    kinds=("xlsx",),
    # The data portal's report page links the current workbook under a dated folder.
    announcement=Announcement(
        page="https://data.unodc.org/datareport/tip-victims",
        link=r"(?P<url>[^\"'\s<>]*/files/(?P<release>\d{4}-\d{2})/data_glotip\.xlsx)",
    ),
    known_urls=(
        "https://data.unodc.org/sites/dataportal.unodc.org/files/2025-11/data_glotip.xlsx",
        "https://dataunodc.un.org/sites/dataunodc.un.org/files/data_glotip.xlsx",
    ),
)
FIRST_YEAR = 2003


EDITION_SECONDS = 60
"""How long reading the workbook's release date may take (its top rows only)."""


def workbook_release_day(path: Path, _: str) -> str | None:
    """The release date the workbook states, read in another process: a workbook can crash its reader."""
    return run_isolated(release_day, path, what=path.name, seconds=EDITION_SECONDS)


unodc_glotip_file = downloaded_file_asset(
    GLOTIP,
    folder="unodc",
    description="The GLOTIP workbook, downloaded (or taken from the mirror) with its address and checksum.",
    edition=workbook_release_day,
)


unodc_glotip_staging = staging_asset(
    "unodc_glotip",
    read_glotip,
    "One typed row per GLOTIP key: `<5` as bounds [1, 4], duplicated keys summed.",
    isolated=True,
)


@dg.asset_check(
    asset=["staging", "unodc_glotip"], name="labels_known", blocking=True, description="Every label is in a crosswalk."
)
def unodc_labels_known(staging: pl.DataFrame) -> dg.AssetCheckResult:
    if staging.is_empty():
        return dg.AssetCheckResult(passed=True, description="no rows to check (the source is absent)")
    unknown = harmonise.unknown_labels(staging)
    found = "; ".join(
        f"{column}: {labels} ({_sheet_rows(staging, column, labels)})" for column, labels in unknown.items()
    )
    return dg.AssetCheckResult(
        passed=not unknown,
        description=f"{Path(GLOTIP.mirror_path).name}, sheet {SHEET}: labels not in crosswalk: {found}"
        if unknown
        else "every label is in a crosswalk",
        metadata={"unknown_labels": dg.MetadataValue.json(unknown)},
    )


def _sheet_rows(staging: pl.DataFrame, column: str, labels: list[str], shown: int = 5) -> str:
    """Where the labels stand in the sheet: `row 4, 17, ...` (a key like `category (crosswalk)` names its column)."""
    column = column.split(" ")[0]
    if column not in staging.columns:
        return "rows not known"
    rows = staging.filter(pl.col(column).is_in(labels))["sheet_rows"].str.split(",").explode().cast(pl.Int64).sort()
    more = f" and {rows.len() - shown} more" if rows.len() > shown else ""
    return f"{'row' if rows.len() == 1 else 'rows'} {', '.join(map(str, rows.head(shown).to_list()))}{more}"


facts_unodc_glotip, unodc_fact_checks = facts_asset(
    "unodc_glotip",
    partial(harmonise.to_facts, file_name=Path(GLOTIP.mirror_path).name),
    "GLOTIP in canonical terms: detected victims, persons in contact, prosecuted, convicted, offences.",
    FIRST_YEAR,
)


unodc_shrink_check = shrink_check(
    dg.AssetKey(["harmonised", "facts_unodc_glotip"]),
    "unodc_glotip",
    "SELECT * FROM fact_indicator WHERE source = ?",
    FACT_KEY,
)
