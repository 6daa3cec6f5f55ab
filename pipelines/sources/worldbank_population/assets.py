"""World Bank total population (SP.POP.TOTL): the bulk download, its rows, and population in canonical geo codes."""

from pathlib import Path

import dagster as dg
import polars as pl

from pipelines.checks.shrink import shrink_check
from pipelines.download import RemoteFile
from pipelines.raw import downloaded_file_asset, staging_asset
from pipelines.sources.worldbank_population import harmonise
from pipelines.sources.worldbank_population.parse import last_updated, read_population

POPULATION = RemoteFile(
    source_id="worldbank_population",
    publication="World Bank, World Development Indicators: Population, total (SP.POP.TOTL), bulk CSV",
    url="https://api.worldbank.org/v2/en/indicator/SP.POP.TOTL?downloadformat=csv",
    mirror_path="worldbank/API_SP.POP.TOTL_DS2_en_csv_v2.csv",
    kinds=("zip", "csv"),
)


population_file = downloaded_file_asset(
    POPULATION,
    folder="worldbank",
    description="The World Bank's population file (a zip officially, the CSV in the mirror), with its checksum.",
    edition=lambda path, _: last_updated(path),
)


population_staging = staging_asset(
    POPULATION.source_id,
    read_population,
    "One row per country or aggregate and year, in the World Bank's own codes, with its line in the file.",
    isolated=True,
)


@dg.asset(
    key_prefix="harmonised",
    name=POPULATION.source_id,
    group_name="harmonised",
    ins={"staging": dg.AssetIn(key=["staging", POPULATION.source_id])},
    kinds={"polars"},
)
def population(staging: pl.DataFrame) -> pl.DataFrame:
    """Total population by geo (ISO3, `WORLD`, `WB_<code>` aggregates) and year; missing years kept as missing."""
    if staging.is_empty():
        return pl.DataFrame(schema=harmonise.POPULATION_SCHEMA)
    provenance_id = staging["provenance_id"][0]
    rows = harmonise.to_population(staging.drop("provenance_id"), provenance_id, Path(POPULATION.mirror_path).name)
    return rows.cast(harmonise.POPULATION_SCHEMA)


@dg.asset_check(asset=population, blocking=False, description="Years the World Bank lacks, per country (warning).")
def population_missing_years(population: pl.DataFrame) -> dg.AssetCheckResult:
    missing = population.filter(pl.col("status") == "missing")
    by_geo = missing.group_by("geo").agg(pl.col("year").sort()).sort("geo")
    listed = {row["geo"]: row["year"] for row in by_geo.to_dicts()}
    return dg.AssetCheckResult(
        passed=missing.is_empty(),
        severity=dg.AssetCheckSeverity.WARN,
        description=f"{missing.height} place-years without a population figure (kept as missing, not estimated)",
        metadata={"missing_years": dg.MetadataValue.json(listed), "last_year": population["year"].max()},
    )


population_shrink_check = shrink_check(
    dg.AssetKey(["harmonised", POPULATION.source_id]),
    POPULATION.source_id,
    "SELECT * FROM population WHERE split_part(provenance_id, ':', 1) = ?",
    ["geo", "year"],
)
