"""World Bank population in the project's geo codes.

Countries keep their ISO3 code (`data/reference/geo.csv`); aggregates become named codes through
the crosswalk `worldbank` (`WLD` -> `WORLD`, `EUU` -> `WB_EUU`). A year without a figure stays
missing (population null, status `missing`); nothing is interpolated or extrapolated.
"""

from __future__ import annotations

import polars as pl

from core.vocabulary import geo_table
from pipelines import crosswalk

CROSSWALK = "worldbank_population"
POPULATION_SCHEMA: dict[str, pl.DataType] = {
    "geo": pl.String(),
    "year": pl.Int32(),
    "population": pl.Float64(),
    "status": pl.String(),
    "provenance_id": pl.String(),
    "source_location": pl.String(),
}
"""`harmonised/worldbank_population`: population by geo and year; `status` is `reported` or `missing`."""


def to_population(rows: pl.DataFrame, provenance_id: str, file_name: str) -> pl.DataFrame:
    """geo, year, population, status (`reported` or `missing`), provenance_id, source_location."""
    countries = set(geo_table()["geo"])
    to_geo = crosswalk.mapping(CROSSWALK, "aggregate")
    unknown = rows.filter(~pl.col("code").is_in(countries | set(to_geo)))
    if unknown.height:
        raise crosswalk.UnknownLabelError(CROSSWALK, _by_line(unknown, file_name))
    return rows.select(
        geo=pl.when(pl.col("code").is_in(countries)).then(pl.col("code")).otherwise(pl.col("code").replace(to_geo)),
        year="year",
        population="population",
        status=pl.when(pl.col("population").is_null()).then(pl.lit("missing")).otherwise(pl.lit("reported")),
        provenance_id=pl.lit(provenance_id),
        source_location=pl.lit(f"{file_name}, line ")
        + pl.col("line").cast(pl.String)
        + pl.lit(" (")
        + pl.col("name")
        + pl.lit("), column ")
        + pl.col("year").cast(pl.String),
    ).sort("geo", "year")


def _by_line(unknown: pl.DataFrame, file_name: str) -> dict[str, list[str]]:
    """Unknown codes keyed by where they stand: `<file>, line <n> (<name>), code`."""
    places = unknown.unique("line", maintain_order=True).sort("line")
    return {f"{file_name}, line {row['line']} ({row['name']}), code": [row["code"]] for row in places.to_dicts()}
