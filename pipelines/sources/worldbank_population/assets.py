"""World Bank total population (SP.POP.TOTL): the bulk download, the population table, rates per 100,000.

Population is published as its own table (`marts/population`), not as facts: it is a denominator,
not a trafficking statistic, and keeping it out of `fact_indicator` keeps every fact a count or
estimate of trafficking with its own definition.
"""

from pathlib import Path

import dagster as dg
import polars as pl

from pipelines.download import RemoteFile
from pipelines.raw import downloaded_file_asset
from pipelines.sources.worldbank_population import harmonise
from pipelines.sources.worldbank_population.parse import read_population

POPULATION = RemoteFile(
    source_id="worldbank_population",
    publication="World Bank, World Development Indicators: Population, total (SP.POP.TOTL), bulk CSV",
    url="https://api.worldbank.org/v2/en/indicator/SP.POP.TOTL?downloadformat=csv",
    mirror_path="worldbank/API_SP.POP.TOTL_DS2_en_csv_v2.csv",
    kinds=("zip", "csv"),
)
GROUP = "worldbank"


population_file = downloaded_file_asset(
    POPULATION,
    name="worldbank_population",
    group=GROUP,
    folder="worldbank",
    description="The World Bank's population file (a zip officially, the CSV in the mirror), with its checksum.",
)


@dg.asset(
    key_prefix="marts",
    group_name=GROUP,
    ins={"raw_file": dg.AssetIn(key=["raw", "worldbank_population"])},
    kinds={"duckdb"},
)
def population(raw_file: pl.DataFrame) -> pl.DataFrame:
    """Total population by geo (ISO3, `WORLD`, `WB_<code>` aggregates) and year; missing years kept as missing."""
    rows = read_population(Path(raw_file["local_path"][0]))
    return harmonise.to_population(rows, raw_file["provenance_id"][0], Path(POPULATION.mirror_path).name)


@dg.asset_check(asset=population, blocking=False, description="Years the World Bank lacks, per country (warning).")
def population_missing_years(population: pl.DataFrame) -> dg.AssetCheckResult:
    missing = population.filter(pl.col("status") == "missing")
    by_geo = missing.group_by("geo").agg(pl.col("year").sort()).sort("geo")
    listed = {row["geo"]: row["year"] for row in by_geo.to_dicts()}
    return dg.AssetCheckResult(
        passed=missing.is_empty(),
        severity=dg.AssetCheckSeverity.WARN,
        description=f"{missing.height} place-years without a population figure (kept as missing, not estimated)",
        metadata={"missing_years": dg.MetadataValue.json(listed), "last_year": int(population["year"].max())},
    )


@dg.asset(
    key_prefix="marts",
    group_name=GROUP,
    ins={
        "facts": dg.AssetIn(key=["harmonised", "fact_indicator"]),
        "population": dg.AssetIn(key=["marts", "population"]),
    },
    kinds={"duckdb"},
)
def rates_per_100k(facts: pl.DataFrame, population: pl.DataFrame) -> pl.DataFrame:
    """UNODC country totals per 100,000 inhabitants, Nordic countries flagged; no rate where population is missing."""
    return harmonise.rates_per_100k(facts, population)
