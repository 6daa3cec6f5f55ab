"""ILO global estimates in canonical terms, and the check that parts add up to their totals.

Each edition keeps its own regions: a region label maps to a geo code of its edition
(`ILO2022_ASIA_AND_THE_PACIFIC`) through the crosswalk `ilo`, never to another edition's region.
"""

from __future__ import annotations

import polars as pl

from core.vocabulary import WORLD, conform, definition_id
from pipelines import crosswalk

SOURCE = "ilo"
CROSSWALK = "ilo"
BREAKDOWN_DIMENSIONS = ("sex", "age_group", "exploitation_form")
ESTIMATES_SCHEMA: dict[str, pl.DataType] = {
    "edition": pl.String(), "publication": pl.String(), "year": pl.Int32(), "period": pl.String(),
    "geo": pl.String(), "region_label": pl.String(), "measure": pl.String(), "sex": pl.String(),
    "age_group": pl.String(), "exploitation_form": pl.String(), "value": pl.Float64(), "value_low": pl.Float64(),
    "value_high": pl.Float64(), "flags": pl.String(), "unit": pl.String(), "rounded_to": pl.Float64(),
    "confidence": pl.String(), "reference": pl.String(), "definition_id": pl.String(), "provenance_id": pl.String(),
    "source_location": pl.String(),
}  # fmt: skip
"""`harmonised/ilo_estimates`: every curated figure with its edition, in canonical codes."""


def region_fields(edition: str) -> tuple[str, ...]:
    return ("world", f"region_{edition}", f"area_{edition.split('-')[0]}")


def regions(edition: str) -> dict[str, str]:
    """The region labels an edition may use (World, its regions and areas) and their geo codes."""
    known: dict[str, str] = {}
    for field in region_fields(edition):
        try:
            known |= crosswalk.mapping(CROSSWALK, field)
        except KeyError:
            continue
    return known


def with_geo(estimates: pl.DataFrame) -> pl.DataFrame:
    """Estimates with `geo`: WORLD, or the region of the figure's own edition; unknown labels raise."""
    frames = []
    for edition, rows in estimates.group_by("edition", maintain_order=True):
        known = regions(str(edition[0]))
        unknown = sorted(set(rows["region_label"]) - set(known))
        if unknown:
            raise crosswalk.UnknownLabelError(CROSSWALK, {f"region_label ({edition[0]})": unknown})
        frames.append(rows.with_columns(geo=pl.col("region_label").replace_strict(known)))
    return pl.concat(frames)


def figure_columns() -> dict[str, pl.Expr]:
    """value, value_low, value_high and flags of a curated figure; a lower bound has a null value and no upper bound."""
    is_lower = pl.col("bound") == "lower_bound"
    exact = pl.when(is_lower).then(None).otherwise(pl.col("value"))
    return {
        "value": exact,
        "value_low": pl.col("value"),
        "value_high": exact,
        "flags": pl.when(is_lower).then(pl.lit("estimate;lower_bound")).otherwise(pl.lit("estimate")),
    }


def to_facts(staging: pl.DataFrame, file_name: str) -> pl.DataFrame:
    """One canonical fact per curated figure (the staging frame); a lower bound has a null value and no upper bound."""
    provenance_id, estimates = staging["provenance_id"][0], staging.drop("geo", "provenance_id")
    located = with_geo(estimates)
    facts = located.select(
        source=pl.lit(SOURCE),
        measure="measure",
        geo="geo",
        year="year",
        period="period",
        sex="sex",
        age_group="age_group",
        exploitation_form="exploitation_form",
        **figure_columns(),
        unit="unit",
        definition_id=definition_id(SOURCE),
        provenance_id=pl.lit(provenance_id),
        source_location=pl.lit(f"{file_name}, row ")
        + pl.col("row").cast(pl.String)
        + pl.lit(": ")
        + pl.col("publication")
        + pl.lit(" (")
        + pl.col("reference")
        + pl.lit(")"),
    )
    return conform(facts)


def parts_against_totals(estimates: pl.DataFrame) -> list[str]:
    """Where parts and their total disagree beyond the published rounding.

    Tolerance: half the rounding step of the total and of each part, added up. Sex, age and form
    parts, and the regions of an edition, must add up to the total when the set is complete (all
    the edition's regions, both sexes, both age groups, every form); an incomplete set must not
    exceed the total. Lower bounds and prevalences (per 1,000) are left out.
    """
    is_count = ~pl.col("measure").str.ends_with("_per_1000")
    exact = with_geo(estimates).filter((pl.col("bound") == "exact") & is_count)
    problems = []
    for dimension in BREAKDOWN_DIMENSIONS:
        problems += _compare(exact, dimension, _complete_categories(dimension))
    problems += _compare_regions(exact)
    return problems


def _complete_categories(dimension: str) -> int:
    return {"sex": 2, "age_group": 2, "exploitation_form": 3}[dimension]


def _compare(exact: pl.DataFrame, dimension: str, complete: int) -> list[str]:
    context = ["edition", "measure", "geo", "period", *[d for d in BREAKDOWN_DIMENSIONS if d != dimension]]
    scope = exact.filter(pl.all_horizontal(pl.col(d) == "total" for d in BREAKDOWN_DIMENSIONS if d != dimension))
    totals = scope.filter(pl.col(dimension) == "total")
    parts = (
        scope.filter(pl.col(dimension) != "total")
        .group_by(context)
        .agg(parts=pl.col("value").sum(), slack=(pl.col("rounded_to") / 2).sum(), count=pl.len())
    )
    return _gaps(totals.join(parts, on=context), dimension, complete)


def _compare_regions(exact: pl.DataFrame) -> list[str]:
    dimensions_total = pl.all_horizontal(pl.col(d) == "total" for d in BREAKDOWN_DIMENSIONS)
    scope = exact.filter(dimensions_total)
    context = ["edition", "measure", "period"]
    totals = scope.filter(pl.col("geo") == WORLD)
    frames = []
    for edition, rows in scope.filter(pl.col("geo").str.contains("^ILO")).group_by("edition"):
        regions = set(crosswalk.mapping(CROSSWALK, f"region_{edition[0]}").values())
        members = rows.filter(pl.col("geo").is_in(regions))
        frames.append(
            members.group_by(context)
            .agg(parts=pl.col("value").sum(), slack=(pl.col("rounded_to") / 2).sum(), count=pl.len())
            .with_columns(complete=pl.lit(len(regions), pl.UInt32))
        )
    if not frames:
        return []
    joined = totals.join(pl.concat(frames), on=context)
    return _gaps(joined, "region", None)


def _gaps(joined: pl.DataFrame, dimension: str, complete: int | None) -> list[str]:
    if joined.is_empty():
        return []
    full = pl.col("count") == (pl.col("complete") if complete is None else pl.lit(complete))
    tolerance = pl.col("slack") + pl.col("rounded_to") / 2
    bad = joined.filter(
        pl.when(full)
        .then((pl.col("parts") - pl.col("value")).abs() > tolerance)
        .otherwise(pl.col("parts") > pl.col("value") + tolerance)
    )
    return [
        f"{row['edition']} {row['measure']} {row['geo']} by {dimension}: total {row['value']:g}, "
        f"{row['count']} parts add up to {row['parts']:g}"
        for row in bad.to_dicts()
    ]
