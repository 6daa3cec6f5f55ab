"""IOM CTDC: the global synthetic case file, its staging records, canonical facts and profile mart."""

from pathlib import Path

import dagster as dg
import polars as pl

from pipelines.checks import fact_checks
from pipelines.download import RemoteFile
from pipelines.raw import downloaded_file_asset
from pipelines.sources.iom_ctdc import harmonise
from pipelines.sources.iom_ctdc.parse import read_ctdc
from pipelines.vocabulary import has_flag

CTDC_SYNTHETIC = RemoteFile(
    source_id="iom_ctdc",
    publication="IOM Counter Trafficking Data Collaborative (CTDC), global synthetic dataset, release of 2021-08-25",
    url="https://www.ctdatacollaborative.org/sites/g/files/tmzbdl2011/files/CTDC_synthetic_20210825.tsv",
    mirror_path="iom/ctdc_global_synthetic_20210825.csv",
    kinds=("csv",),
)
FIRST_YEAR, LAST_YEAR = 2002, 2030
GROUP = "ctdc"


ctdc_file = downloaded_file_asset(
    CTDC_SYNTHETIC,
    folder="iom",
    description="The CTDC global synthetic case file, downloaded (or taken from the mirror) with its checksum.",
)


@dg.asset(
    key_prefix="staging",
    name="iom_ctdc",
    group_name=GROUP,
    ins={"raw_file": dg.AssetIn(key=["raw", "iom_ctdc"])},
    kinds={"polars"},
)
def ctdc_staging(raw_file: pl.DataFrame) -> pl.DataFrame:
    """One typed row per synthetic case record (ISO3 countries, boolean flags), in CTDC's own terms."""
    records = read_ctdc(Path(raw_file["local_path"][0]))
    return records.with_columns(provenance_id=pl.lit(raw_file["provenance_id"][0]))


@dg.asset_check(
    asset=["staging", "iom_ctdc"], name="labels_known", blocking=True, description="Every label is in a crosswalk."
)
def ctdc_labels_known(staging: pl.DataFrame) -> dg.AssetCheckResult:
    unknown = harmonise.unknown_labels(staging)
    found = "; ".join(f"{column}: {labels} ({_lines(staging, column, labels)})" for column, labels in unknown.items())
    return dg.AssetCheckResult(
        passed=not unknown,
        description=f"{Path(CTDC_SYNTHETIC.mirror_path).name}: labels not in crosswalk: {found}"
        if unknown
        else "every label is in a crosswalk",
        metadata={"unknown_labels": dg.MetadataValue.json(unknown)},
    )


def _lines(staging: pl.DataFrame, column: str, labels: list[str], shown: int = 5) -> str:
    """Where the labels stand in the file: `line 100, ...`."""
    lines = staging.filter(pl.col(column).is_in(labels))["line"].sort()
    more = f" and {lines.len() - shown} more" if lines.len() > shown else ""
    return f"{'line' if lines.len() == 1 else 'lines'} {', '.join(map(str, lines.head(shown).to_list()))}{more}"


def _provenance_and_file(staging: pl.DataFrame) -> tuple[str, str]:
    return staging["provenance_id"][0], Path(CTDC_SYNTHETIC.mirror_path).name


@dg.asset(
    key_prefix="harmonised",
    group_name=GROUP,
    ins={"staging": dg.AssetIn(key=["staging", "iom_ctdc"])},
    kinds={"polars"},
)
def facts_iom_ctdc(staging: pl.DataFrame) -> pl.DataFrame:
    """Registered victims (synthetic records) by country of exploitation and WORLD; counts 1-4 suppressed."""
    provenance_id, file_name = _provenance_and_file(staging)
    return harmonise.to_facts(staging.drop("provenance_id"), provenance_id, file_name)


@dg.asset(
    key_prefix="marts",
    group_name=GROUP,
    ins={"staging": dg.AssetIn(key=["staging", "iom_ctdc"])},
    kinds={"duckdb"},
)
def ctdc_profiles(staging: pl.DataFrame) -> pl.DataFrame:
    """Means of control, sector of labour and age band of registered victims, all years together.

    By country of exploitation, UN subregion (`UN_NORTHERN_EUROPE`, ...) and WORLD; counts 1-4 suppressed.
    """
    provenance_id, file_name = _provenance_and_file(staging)
    return harmonise.profiles(staging.drop("provenance_id"), provenance_id, file_name)


@dg.asset_check(asset=ctdc_profiles, blocking=True, description="No count from 1 to 4 is shown as a number.")
def ctdc_profiles_small_counts_hidden(ctdc_profiles: pl.DataFrame) -> dg.AssetCheckResult:
    shown = ctdc_profiles.filter(pl.col("value").is_between(1, 4) | pl.col("records_with_information").is_between(1, 4))
    return dg.AssetCheckResult(
        passed=shown.height == 0,
        description=f"{shown.height} count(s) from 1 to 4 shown as a number",
        metadata={"small_counts_shown": shown.height},
    )


@dg.asset_check(
    asset=["harmonised", "facts_iom_ctdc"], blocking=True, description="No count from 1 to 4 or 0 is shown as a number."
)
def ctdc_facts_small_counts_hidden(facts_iom_ctdc: pl.DataFrame) -> dg.AssetCheckResult:
    shown = facts_iom_ctdc.filter(pl.col("value").is_between(0, 4))
    unflagged = facts_iom_ctdc.filter(~has_flag("synthetic"))
    return dg.AssetCheckResult(
        passed=shown.height == 0 and unflagged.height == 0,
        description=f"{shown.height} count(s) from 0 to 4 shown as a number; "
        f"{unflagged.height} fact(s) without the synthetic flag",
        metadata={"small_counts_shown": shown.height, "facts_without_synthetic_flag": unflagged.height},
    )


ctdc_fact_checks = fact_checks(dg.AssetKey(["harmonised", "facts_iom_ctdc"]), FIRST_YEAR, LAST_YEAR)
