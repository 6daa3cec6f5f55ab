"""CTDC profiles: who the registered victims are and how they were controlled, all years together.

Shaped from the harmonised cells (`harmonised/iom_ctdc_cells`), which are counted from the records
themselves for countries, UN subregions and WORLD (never by adding up countries' hidden cells) and
are already disclosure-controlled, together with the facts.
"""

import dagster as dg
import polars as pl

from core.vocabulary import ANY_FLAG
from pipelines.checks.facts import unique_key_check

GROUP = "marts"

DESCRIPTIONS = {
    "age_band": ("records by ageBroad = ", ""),
    "age_group": ("records by ageBroad (child/adult) = ", ""),
    "sex": ("records by gender = ", ""),
    "exploitation_form": ("records by isSexualExploit/isForcedLabour/isOtherExploit = ", ""),
    "means_of_control": ("records with meansOfControl", " = 1"),
    "sector_of_labour": ("records with typeOfLabour", " = 1"),
}
"""Profile -> the text before and after a category in `source_location` (where the records stand in the file)."""
FLAG_PROFILES = ("means_of_control", "sector_of_labour")
"""Profiles of one-hot flags: a record may have several categories, or none."""
BASE_COLUMNS = {
    "records_with_information": "value",
    "records_with_information_low": "value_low",
    "records_with_information_high": "value_high",
}
"""The mart's columns for a profile's base -> the base cell's columns."""


@dg.asset(
    key_prefix="marts",
    group_name=GROUP,
    ins={"cells": dg.AssetIn(key=["harmonised", "iom_ctdc_cells"])},
    kinds={"duckdb"},
)
def ctdc_profiles(cells: pl.DataFrame) -> pl.DataFrame:
    """Means of control, sector of labour, age band, age group, sex and form of registered victims, all years.

    By country of exploitation, UN subregion (`UN_NORTHERN_EUROPE`, ...) and WORLD; counts 1-4 suppressed.
    `records_with_information` is the base for shares: every record for the one-category profiles,
    the records with at least one flag of the profile set for the flag profiles (whose categories overlap).
    """
    return profiles_from_cells(cells)


def profiles_from_cells(cells: pl.DataFrame) -> pl.DataFrame:
    """One row per geo, profile and category, with its base; sorted by geo, profile and category."""
    all_years = cells.filter(pl.col("cumulative"))
    flagged = pl.col("dimension").is_in(FLAG_PROFILES)
    profiles = all_years.filter(pl.col("dimension").is_in(list(DESCRIPTIONS)), pl.col("category") != ANY_FLAG)
    profiles = profiles.with_columns(
        base_dimension=pl.when(flagged).then(pl.col("dimension")).otherwise(pl.lit("total")),
        base_category=pl.when(flagged).then(pl.lit(ANY_FLAG)).otherwise(pl.lit("total")),
    )
    bases = all_years.select(
        "geo",
        base_dimension="dimension",
        base_category="category",
        **BASE_COLUMNS,
        base_suppressed="suppressed",
        base_complementary_hidden="complementary_hidden",
    )
    return _shaped(profiles.join(bases, on=["geo", "base_dimension", "base_category"])).sort(
        "geo", "profile", "category"
    )


def _shaped(profiles: pl.DataFrame) -> pl.DataFrame:
    """The mart's columns: a flag when the count or its base is hidden, and where the records stand in the file."""
    before = pl.col("dimension").replace_strict({profile: text for profile, (text, _) in DESCRIPTIONS.items()})
    after = pl.col("dimension").replace_strict({profile: text for profile, (_, text) in DESCRIPTIONS.items()})
    return profiles.select(
        "geo",
        "period",
        pl.col("dimension").alias("profile"),
        "category",
        "value",
        "value_low",
        "value_high",
        *BASE_COLUMNS,
        flags=pl.concat_str(
            pl.lit("cumulative"),
            pl.when(pl.col("complementary_hidden") | pl.col("base_complementary_hidden")).then(
                pl.lit("complementary_hidden")
            ),
            pl.when(pl.col("suppressed") | pl.col("base_suppressed")).then(pl.lit("suppressed")),
            pl.lit("synthetic"),
            separator=";",
            ignore_nulls=True,
        ),
        definition_id="definition_id",
        provenance_id="provenance_id",
        source_location=pl.col("source_file") + pl.lit(": all years, ") + before + pl.col("category") + after,
    )


@dg.asset_check(asset=ctdc_profiles, blocking=True, description="No count from 1 to 4 is shown as a number.")
def ctdc_profiles_small_counts_hidden(ctdc_profiles: pl.DataFrame) -> dg.AssetCheckResult:
    shown = ctdc_profiles.filter(pl.col("value").is_between(1, 4) | pl.col("records_with_information").is_between(1, 4))
    return dg.AssetCheckResult(
        passed=shown.height == 0,
        description=f"{shown.height} count(s) from 1 to 4 shown as a number",
        metadata={"small_counts_shown": shown.height},
    )


ctdc_profiles_unique_key = unique_key_check(dg.AssetKey(["marts", "ctdc_profiles"]), ["geo", "profile", "category"])
