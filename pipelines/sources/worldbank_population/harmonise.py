"""World Bank population in the project's geo codes, and rates per 100,000 built on it.

Countries keep their ISO3 code (`data/reference/geo.csv`); aggregates become named codes through
the crosswalk `worldbank` (`WLD` -> `WORLD`, `EUU` -> `WB_EUU`). A year without a figure stays
missing (population null, status `missing`); nothing is interpolated or extrapolated.
"""

from __future__ import annotations

import polars as pl

from pipelines import crosswalk
from pipelines.settings import REFERENCE_DIR

CROSSWALK = "worldbank_population"
GEO_FILE = REFERENCE_DIR / "geo.csv"
PER = 100_000


def geo_table() -> pl.DataFrame:
    return pl.read_csv(GEO_FILE, infer_schema=False, empty_string_is_null=False).with_columns(
        is_nordic=pl.col("is_nordic") == "true"
    )


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


def rates_per_100k(facts: pl.DataFrame, population: pl.DataFrame) -> pl.DataFrame:
    """UNODC country totals per 100,000 inhabitants; a year without population has no rate.

    `population_status` says `missing` where the World Bank has no figure for that country and
    year (including years after its last release): the rate is then null, never extrapolated.
    """
    geo = geo_table().select("geo", "name_en", "name_nb", "is_nordic")
    totals = facts.filter(
        (pl.col("source") == "unodc_glotip")
        & (pl.col("sex") == "total")
        & (pl.col("age_group") == "total")
        & (pl.col("exploitation_form") == "total")
        & (pl.col("counterpart_type") == "none")
        & pl.col("geo").is_in(geo["geo"].implode())
    )
    joined = totals.join(
        population.select("geo", "year", "population", pl.col("provenance_id").alias("population_provenance_id")),
        on=["geo", "year"],
        how="left",
    ).join(geo, on="geo", how="left")
    per = pl.lit(float(PER)) / pl.col("population")
    return joined.select(
        "source",
        "measure",
        "geo",
        "name_en",
        "name_nb",
        "is_nordic",
        "year",
        "value",
        "value_low",
        "value_high",
        "population",
        population_status=pl.when(pl.col("population").is_null()).then(pl.lit("missing")).otherwise(pl.lit("reported")),
        rate=pl.col("value") * per,
        rate_low=pl.col("value_low") * per,
        rate_high=pl.col("value_high") * per,
        flags="flags",
        definition_id="definition_id",
        provenance_id="provenance_id",
        population_provenance_id="population_provenance_id",
    ).sort("geo", "measure", "year")
