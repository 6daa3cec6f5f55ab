"""KOM's figures in canonical terms: measures and breakdowns by crosswalk, qualifiers as bounds and flags.

- exact: value = value_low = value_high;
- approximate ("ca. 200"): value 200, no bounds, flag `approximate`;
- lower bound ("minst 51"): value null, value_low 51, flag `lower_bound`;
- upper bound ("i underkant av 100"): value null, value_high 100, flag `upper_bound`;
- range ("20-30"): value null, bounds [20, 30], flag `range`.

A cumulative figure keeps its period (`2003-2024`, flag `cumulative`) and is never differenced; a
level that holds for each year of a period keeps its period too (flag `annual_in_period`).
"""

from __future__ import annotations

import polars as pl

from core.vocabulary import (
    KOM_LAST_YEAR_BEFORE_BREAK,
    NORWAY,
    codes,
    conform,
    definition_id,
    flag_set,
    has_flag,
    join_flags,
)
from pipelines import crosswalk
from pipelines.legal_basis import with_legal_basis
from pipelines.sources.kom.parse import CROSSWALK

SOURCE = "kom"
GEO = NORWAY
NO_FLAG = ("exact", "year")
"""Crosswalk codes for "no qualifier" and "a single year": they add no flag."""
UNITS = {
    "victims_assisted": "persons",
    "victims_identified": "persons",
    "victims_sheltered_rosa": "persons",
    "police_reports": "reports",
    "police_reports_aggravated": "reports",
    "convicting_judgments": "judgments",
}
VICTIM_MEASURES = ("victims_assisted", "victims_identified")
SERIES = ("measure", "sex", "age_group", "exploitation_form", "counterpart")


def flag_codes(label_flags: str) -> str:
    """Crosswalk codes as canonical flags; raises if one is not a flag in the vocabulary."""
    flags = [code for code in flag_set(label_flags) if code not in NO_FLAG]
    unknown = sorted(set(flags) - codes("flag"))
    if unknown:
        raise ValueError(f"crosswalk {CROSSWALK}: not flags in the vocabulary: {unknown}")
    return join_flags(*flags)


def to_facts(staging: pl.DataFrame, file_name: str) -> pl.DataFrame:
    """One canonical fact per curated figure (the staging frame: `parse.read_figures` and the provenance id)."""
    provenance_id, figures = staging["provenance_id"][0], staging.drop("provenance_id")
    fields = {
        "measure_nb": ("measure", "measure"),
        "sex_nb": ("sex", "sex"),
        "age_nb": ("age", "age_group"),
        "exploitation_nb": ("exploitation", "exploitation_form"),
        "nationality_nb": ("nationality", "counterpart"),
        "qualifier": ("qualifier", "qualifier_flags"),
        "period_type": ("period_type", "period_flags"),
    }
    mapped = crosswalk.apply(figures, CROSSWALK, fields)
    flags = pl.concat_str("qualifier_flags", "period_flags", separator=";").map_elements(flag_codes, pl.String)
    mapped = mapped.with_columns(flags=flags)
    has = {flag: has_flag(flag) for flag in ("approximate", "lower_bound", "upper_bound", "range")}
    single = ~(has["lower_bound"] | has["upper_bound"] | has["range"])
    exact = single & ~has["approximate"]
    is_country = pl.col("counterpart") != "none"
    facts = mapped.select(
        source=pl.lit(SOURCE),
        measure="measure",
        geo=pl.lit(GEO),
        year="year",
        period="period",
        sex="sex",
        age_group="age_group",
        exploitation_form="exploitation_form",
        counterpart_type=pl.when(is_country).then(pl.lit("citizenship")).otherwise(pl.lit("none")),
        counterpart="counterpart",
        counterpart_label=pl.when(is_country).then(pl.col("nationality_nb")),
        value=pl.when(single).then(pl.col("value")),
        value_low=pl.when(exact | has["lower_bound"] | has["range"]).then(pl.col("value")),
        value_high=pl.when(exact)
        .then(pl.col("value"))
        .when(has["upper_bound"])
        .then(pl.col("value"))
        .when(has["range"])
        .then(pl.col("value_to")),
        unit=pl.col("measure").replace_strict(UNITS),
        flags="flags",
        definition_id=definition_id(SOURCE),
        provenance_id=pl.lit(provenance_id),
        source_location=pl.lit(f"{file_name}, line ")
        + pl.col("line").cast(pl.String)
        + pl.lit(": ")
        + pl.col("publication")
        + pl.lit(", ")
        + pl.col("location")
        + pl.lit(" (")
        + pl.col("reference")
        + pl.lit(")"),
    )
    return with_legal_basis(conform(with_series_breaks(facts)))


def with_series_breaks(facts: pl.DataFrame) -> pl.DataFrame:
    """Flag `series_break` on the first victim figure of each series after the 2017-2021 gap."""
    first_year = pl.col("period").str.split("-").list.first().cast(pl.Int32)
    after_gap = pl.col("measure").is_in(VICTIM_MEASURES) & (first_year > KOM_LAST_YEAR_BEFORE_BREAK)
    first_after = after_gap & (first_year == first_year.filter(after_gap).min().over(SERIES))
    return facts.with_columns(
        flags=pl.when(first_after)
        .then(pl.concat_str("flags", pl.lit("series_break"), separator=";").map_elements(join_flags, pl.String))
        .otherwise(pl.col("flags"))
    )
