"""Marts that put Norway among other countries: population, rates per 100,000, ILO's global estimates.

Population is published as its own table, not as facts: it is a denominator, not a trafficking
statistic, and keeping it out of `fact_indicator` keeps every fact a count or estimate of
trafficking with its own definition.
"""

import dagster as dg
import polars as pl

from core.vocabulary import geo_table, is_all_breakdowns_total
from pipelines.checks.facts import unique_key_check

PER = 100_000


@dg.asset(
    key_prefix="marts",
    group_name="marts",
    ins={"population": dg.AssetIn(key=["harmonised", "worldbank_population"])},
    kinds={"duckdb"},
)
def population(population: pl.DataFrame) -> pl.DataFrame:
    """Total population by geo (ISO3, `WORLD`, `WB_<code>` aggregates) and year; missing years kept as missing."""
    return population.sort("geo", "year")


@dg.asset(
    key_prefix="marts",
    group_name="marts",
    ins={
        "facts": dg.AssetIn(key=["harmonised", "fact_indicator"]),
        "population": dg.AssetIn(key=["harmonised", "worldbank_population"]),
    },
    kinds={"duckdb"},
)
def rates_per_100k(facts: pl.DataFrame, population: pl.DataFrame) -> pl.DataFrame:
    """UNODC country totals per 100,000 inhabitants, Nordic countries flagged; no rate where population is missing."""
    return rates(facts, population)


@dg.asset_check(
    asset=dg.AssetKey(["marts", "rates_per_100k"]),
    name="rates_possible",
    blocking=True,
    description="Every rate is finite and at most 100,000 per 100,000 inhabitants.",
)
def rates_possible(rates_per_100k: pl.DataFrame) -> dg.AssetCheckResult:
    columns = ("rate", "rate_low", "rate_high")
    impossible = rates_per_100k.filter(
        pl.any_horizontal((~pl.col(column).is_finite()) | (pl.col(column) > PER) for column in columns)
    )
    shown = impossible.select("geo", "measure", "year", *columns).head(5).to_dicts()
    return dg.AssetCheckResult(
        passed=impossible.is_empty(),
        description=f"{impossible.height} rate(s) not finite or above {PER:,} per {PER:,}, e.g. {shown}"
        if impossible.height
        else "every rate is possible",
    )


def rates(facts: pl.DataFrame, population: pl.DataFrame) -> pl.DataFrame:
    """UNODC country totals per 100,000 inhabitants; a year without population has no rate.

    `population_status` says `missing` where the World Bank has no figure for that country and
    year (including years after its last release): the rate is then null, never extrapolated.
    """
    geo = geo_table().select("geo", "name_en", "name_nb", "is_nordic")
    totals = facts.filter(
        (pl.col("source") == "unodc_glotip") & is_all_breakdowns_total() & pl.col("geo").is_in(geo["geo"].implode())
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


@dg.asset(
    key_prefix="marts",
    group_name="marts",
    ins={"estimates": dg.AssetIn(key=["harmonised", "ilo_estimates"])},
    kinds={"duckdb"},
)
def ilo_estimates(estimates: pl.DataFrame) -> pl.DataFrame:
    """ILO's global estimates by edition, for the dashboard: every figure with its edition, region label and flags."""
    return estimates.sort("measure", "edition", "geo", "sex", "age_group", "exploitation_form")


population_unique_key = unique_key_check(dg.AssetKey(["marts", "population"]), ["geo", "year"])
rates_per_100k_unique_key = unique_key_check(
    dg.AssetKey(["marts", "rates_per_100k"]), ["source", "measure", "geo", "year"]
)
ilo_estimates_unique_key = unique_key_check(
    dg.AssetKey(["marts", "ilo_estimates"]),
    ["edition", "measure", "geo", "period", "sex", "age_group", "exploitation_form"],
)
