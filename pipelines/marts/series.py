"""Marts shared by every source: the headline series the dashboard's pages start from."""

import dagster as dg
import polars as pl

from core.vocabulary import SERIES_BREAK, TOTAL, is_all_breakdowns_total, join_flags
from pipelines.checks.facts import unique_key_check
from pipelines.marts.reconciliation import GEO, UNODC, concept_switches


@dg.asset(
    key_prefix="marts",
    group_name="marts",
    ins={
        "facts": dg.AssetIn(key=["harmonised", "fact_indicator"]),
        "reconciliation": dg.AssetIn(key=["marts", "reconciliation_norway"]),
    },
    kinds={"duckdb"},
)
def series_totals(facts: pl.DataFrame, reconciliation: pl.DataFrame) -> pl.DataFrame:
    """One series per source, measure and place: totals only (all sexes, ages and forms).

    Each row keeps its definition, flags and place in the source, so a chart drawn from it can
    say what is counted and where the number stands. UNODC's Norway victims carry `series_break`
    in the years the reconciliation finds them switching to another KOM concept.
    """
    totals = facts.filter(is_all_breakdowns_total())
    switch = (
        (pl.col("source") == UNODC[0])
        & (pl.col("measure") == UNODC[1])
        & (pl.col("geo") == GEO)
        & pl.col("year").is_in(concept_switches(reconciliation))
    )
    flagged = totals.with_columns(
        flags=pl.when(switch)
        .then(pl.concat_str("flags", pl.lit(SERIES_BREAK), separator=";").map_elements(join_flags, pl.String))
        .otherwise("flags")
    )
    return flagged.select(
        "source", "measure", "geo", "year", "period", "value", "value_low", "value_high", "unit", "flags",
        "definition_id", "provenance_id", "source_location",
    ).sort("geo", "source", "measure", "year")  # fmt: skip


@dg.asset(
    key_prefix="marts",
    group_name="marts",
    ins={"facts": dg.AssetIn(key=["harmonised", "fact_indicator"])},
    kinds={"duckdb"},
)
def breakdowns(facts: pl.DataFrame) -> pl.DataFrame:
    """Facts broken down by one of sex, age group or form (the others at total), per source."""
    dimensions = ("sex", "age_group", "exploitation_form")
    is_total = {dimension: pl.col(dimension) == TOTAL for dimension in dimensions}
    frames = []
    for dimension in dimensions:
        others_total = pl.all_horizontal(is_total[other] for other in dimensions if other != dimension)
        frames.append(
            facts.filter(others_total & ~is_total[dimension] & (pl.col("counterpart_type") == "none")).select(
                "source",
                "measure",
                "geo",
                "year",
                "period",
                pl.lit(dimension).alias("breakdown"),
                pl.col(dimension).alias("category"),
                "value",
                "value_low",
                "value_high",
                "unit",
                "flags",
                "definition_id",
                "provenance_id",
                "source_location",
            )
        )
    return pl.concat(frames).sort("geo", "source", "measure", "breakdown", "category", "year")


series_totals_unique_key = unique_key_check(
    dg.AssetKey(["marts", "series_totals"]), ["source", "measure", "geo", "period"]
)
breakdowns_unique_key = unique_key_check(
    dg.AssetKey(["marts", "breakdowns"]), ["source", "measure", "geo", "period", "breakdown", "category"]
)
