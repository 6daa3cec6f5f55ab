"""Norway's victim series side by side: KOM's two counts and UNODC's detected victims.

UNODC's Norway series takes KOM's newly identified count in some years and KOM's assisted count
in others; this table says, year by year, which one the UNODC figure equals, so that neither
series is read as a continuation of the other.
"""

from __future__ import annotations

import polars as pl

GEO = "NOR"
KOM_MEASURES = ("victims_assisted", "victims_identified")
UNODC = ("unodc_glotip", "victims_detected")
EXPLANATIONS = {
    "victims_assisted": (
        "UNODC-tallet er lik KOMs antall antatte ofre fulgt opp i året.",
        "The UNODC figure equals KOM's count of presumed victims assisted in the year.",
    ),
    "victims_identified": (
        "UNODC-tallet er lik KOMs antall antatte ofre identifisert for første gang i året.",
        "The UNODC figure equals KOM's count of presumed victims newly identified in the year.",
    ),
    "none": (
        "UNODC-tallet er ikke lik noen av KOMs tall for året.",
        "The UNODC figure equals neither of KOM's counts for the year.",
    ),
    "no_kom_figure": (
        "KOM har ikke publisert et eget årstall for antatte ofre dette året; UNODC-tallet kan ikke avstemmes.",
        "KOM published no annual victim figure for this year; the UNODC figure cannot be matched.",
    ),
}


def _annual_totals(facts: pl.DataFrame, source: str, measure: str, prefix: str) -> pl.DataFrame:
    """One row per year: the single-year, all-breakdowns figure with its bounds, flags and location."""
    rows = facts.filter(
        (pl.col("source") == source)
        & (pl.col("measure") == measure)
        & (pl.col("geo") == GEO)
        & (pl.col("period") == pl.col("year").cast(pl.String))
        & (pl.col("sex") == "total")
        & (pl.col("age_group") == "total")
        & (pl.col("exploitation_form") == "total")
        & (pl.col("counterpart_type") == "none")
    )
    return rows.select(
        "year",
        pl.col("value").alias(prefix),
        pl.col("value_low").alias(f"{prefix}_low"),
        pl.col("value_high").alias(f"{prefix}_high"),
        pl.col("flags").alias(f"{prefix}_flags"),
        pl.col("source_location").alias(f"{prefix}_location"),
    )


def reconciliation(facts: pl.DataFrame) -> pl.DataFrame:
    """Per year with any of the three figures: the figures, and the KOM concept UNODC's figure equals."""
    tables = [_annual_totals(facts, "kom", measure, f"kom_{measure}") for measure in KOM_MEASURES]
    tables.append(_annual_totals(facts, *UNODC, "unodc_victims_detected"))
    years = pl.concat([table.select("year") for table in tables]).unique()
    joined = years
    for table in tables:
        joined = joined.join(table, on="year", how="left")
    unodc = pl.col("unodc_victims_detected")
    matches = (
        pl.when(unodc.is_null())
        .then(None)
        .when(unodc == pl.col("kom_victims_assisted"))
        .then(pl.lit("victims_assisted"))
        .when(unodc == pl.col("kom_victims_identified"))
        .then(pl.lit("victims_identified"))
        .otherwise(pl.lit("none"))
    )
    no_kom = pl.col("kom_victims_assisted").is_null() & pl.col("kom_victims_identified").is_null()
    joined = joined.with_columns(geo=pl.lit(GEO), unodc_equals_kom=matches)
    reason = pl.when((pl.col("unodc_equals_kom") == "none") & no_kom).then(pl.lit("no_kom_figure"))
    reason = reason.otherwise(pl.col("unodc_equals_kom"))
    return (
        joined.with_columns(
            explanation_nb=reason.replace_strict({key: nb for key, (nb, _) in EXPLANATIONS.items()}, default=None),
            explanation_en=reason.replace_strict({key: en for key, (_, en) in EXPLANATIONS.items()}, default=None),
        )
        .select("geo", *[c for c in joined.columns if c != "geo"], "explanation_nb", "explanation_en")
        .sort("year")
    )
