"""CTDC's canonical facts, taken from its disclosure-controlled cells (`pipelines.sources.iom_ctdc.cells`).

`victims_registered` by country of exploitation and WORLD, period, and one of sex, age group,
form of exploitation and citizenship. A count from 1 to 4 has a null value, bounds [1, 4] and
the flag `suppressed`; a cell hidden to protect another has a null value, the lower bound 5 and
the flag `complementary_hidden`; an all-years figure (year = its last year) is flagged
`cumulative`. Every CTDC fact carries the flag `synthetic`.
"""

from __future__ import annotations

import polars as pl

from core.vocabulary import WORLD, conform
from pipelines.sources.iom_ctdc.cells import FACT_DIMENSIONS, MEASURE, SOURCE, UNKNOWN
from pipelines.sources.iom_ctdc.records import UNKNOWN_PERIOD

FILTER_TEXT = {
    "total": "",
    "sex": ", by gender",
    "age_group": ", by ageBroad (child 0-17, adult 18+)",
    "exploitation_form": ", by isSexualExploit/isForcedLabour/isOtherExploit (several: mixed)",
    "citizenship": ", by citizenship",
}
"""How each dimension's records are told apart in the file, for `source_location`."""


def facts_from_cells(cells: pl.DataFrame) -> pl.DataFrame:
    """The canonical facts: the cells of countries and WORLD in the total and the fact dimensions."""
    facts = cells.filter(pl.col("geo_level") != "region", pl.col("dimension").is_in(["total", *FACT_DIMENSIONS]))
    citizenship = pl.col("dimension") == "citizenship"
    return conform(
        facts.select(
            source=pl.lit(SOURCE),
            measure=pl.lit(MEASURE),
            geo="geo",
            year="year",
            period="period",
            **{name: _category_or_total(name) for name in ("sex", "age_group", "exploitation_form")},
            counterpart_type=pl.when(citizenship).then(pl.lit("citizenship")).otherwise(pl.lit("none")),
            counterpart=pl.when(citizenship).then(pl.col("category")).otherwise(pl.lit("none")),
            counterpart_label=pl.when(citizenship).then(pl.col("category").replace(UNKNOWN, "(blank)")),
            value="value",
            value_low="value_low",
            value_high="value_high",
            unit=pl.lit("persons"),
            flags=pl.concat_str(
                pl.when(pl.col("cumulative")).then(pl.lit("cumulative")),
                pl.when(pl.col("suppressed")).then(pl.lit("suppressed")),
                pl.when(pl.col("complementary_hidden")).then(pl.lit("complementary_hidden")),
                pl.lit("synthetic"),
                separator=";",
                ignore_nulls=True,
            ),
            definition_id="definition_id",
            provenance_id="provenance_id",
            source_location=_source_location(),
        )
    )


def _category_or_total(dimension: str) -> pl.Expr:
    return pl.when(pl.col("dimension") == dimension).then(pl.col("category")).otherwise(pl.lit("total"))


def _source_location() -> pl.Expr:
    """`<file>: records with CountryOfExploitation = NOR, yearOfRegistration = 2019, by gender`."""
    place = (
        pl.when(pl.col("geo") == WORLD)
        .then(pl.lit("all records"))
        .otherwise(pl.lit("records with CountryOfExploitation = ") + pl.col("geo"))
    )
    when = (
        pl.when(pl.col("period") == UNKNOWN_PERIOD)
        .then(pl.lit(", yearOfRegistration empty"))
        .when(pl.col("cumulative"))
        .then(pl.lit(", all years (records without a year included)"))
        .otherwise(pl.lit(", yearOfRegistration = ") + pl.col("period"))
    )
    return pl.col("source_file") + pl.lit(": ") + place + when + pl.col("dimension").replace_strict(FILTER_TEXT)
