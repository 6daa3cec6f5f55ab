"""ILO global estimates of forced labour, forced marriage and modern slavery, and of illegal profits (curated)."""

from functools import partial

import dagster as dg
import polars as pl

from core.vocabulary import definition_id
from pipelines.facts import facts_asset
from pipelines.raw import curated_file_asset, staging_asset
from pipelines.sources.ilo import harmonise
from pipelines.sources.ilo.parse import newest_edition, read_estimates

CURATED_FILE = "ilo_estimates.csv"
PUBLICATION = "ILO global estimates (2005, 2012, 2017, 2022) and profit estimates (2005, 2014, 2024), curated"
FIRST_YEAR = 2000
SOURCE_ID = "ilo"


ilo_file = curated_file_asset(SOURCE_ID, CURATED_FILE, PUBLICATION, edition=lambda path, _: newest_edition(path))


ilo_staging = staging_asset(
    SOURCE_ID,
    lambda path: harmonise.with_geo(read_estimates(path)),
    "One typed row per curated figure, with its edition, reference and confidence.",
)


@dg.asset_check(
    asset=["staging", SOURCE_ID],
    name="parts_add_up_to_totals",
    blocking=True,
    description="Sex, age, form and regional parts add up to their totals within the published rounding.",
)
def ilo_parts_add_up(staging: pl.DataFrame) -> dg.AssetCheckResult:
    if staging.is_empty():
        return dg.AssetCheckResult(passed=True, description="no estimates to check (the source is absent)")
    problems = harmonise.parts_against_totals(staging.drop("geo", "provenance_id"))
    return dg.AssetCheckResult(
        passed=not problems,
        description="; ".join(problems) if problems else "every set of parts agrees with its total",
        metadata={"problems": dg.MetadataValue.json(problems)},
    )


facts_ilo, ilo_fact_checks = facts_asset(
    SOURCE_ID,
    partial(harmonise.to_facts, file_name=CURATED_FILE),
    "ILO estimates in canonical terms: persons in forced labour, forced marriage, modern slavery; profits.",
    FIRST_YEAR,
)


@dg.asset(
    key_prefix="harmonised",
    group_name="harmonised",
    ins={"staging": dg.AssetIn(key=["staging", SOURCE_ID])},
    kinds={"polars"},
)
def ilo_estimates(staging: pl.DataFrame) -> pl.DataFrame:
    """Every curated figure with its edition, region label, rounding, confidence and reference, in canonical codes.

    Editions differ in method and regions: never chain them into one trend without saying so
    (`definitions.series_breaks_*` for the measure says how).
    """
    if staging.is_empty():
        return pl.DataFrame(schema=harmonise.ESTIMATES_SCHEMA)
    estimates = staging.select(
        "edition",
        "publication",
        "year",
        "period",
        "geo",
        "region_label",
        "measure",
        "sex",
        "age_group",
        "exploitation_form",
        **harmonise.figure_columns(),
        unit="unit",
        rounded_to="rounded_to",
        confidence="confidence",
        reference="reference",
        definition_id=definition_id(harmonise.SOURCE),
        provenance_id="provenance_id",
        source_location=pl.lit(f"{CURATED_FILE}, row ") + pl.col("row").cast(pl.String),
    )
    return estimates.cast(harmonise.ESTIMATES_SCHEMA)
