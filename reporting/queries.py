"""The questions readers ask of a publication, answered once for the dashboard and the pack.

Each function takes the published tables by name (`reporting.published.read_tables`, or what the
pack reads from its connection) as polars frames and returns the rows a page block or a pack
table shows: the catalogue says which series (`definition_ids`), the reader which years.
"""

from collections.abc import Mapping, Sequence

import polars as pl

from core.vocabulary import NORWAY

Tables = Mapping[str, pl.DataFrame]
Years = tuple[int, int] | None
"""The first and last year wanted, both included; None for every year."""


def in_years(frame: pl.DataFrame, years: Years) -> pl.DataFrame:
    return frame if years is None else frame.filter(pl.col("year").is_between(*years))


def norway_series(tables: Tables, definition_ids: Sequence[str], years: Years = None) -> pl.DataFrame:
    """Norway's totals (`series_totals`) of the given series."""
    totals = tables["series_totals"]
    return in_years(totals.filter((pl.col("geo") == NORWAY) & pl.col("definition_id").is_in(definition_ids)), years)


def norway_breakdowns(tables: Tables, definition_ids: Sequence[str], years: Years = None) -> pl.DataFrame:
    """Norway's figures by sex, age and form of exploitation (`breakdowns`) of the given series."""
    parts = tables["breakdowns"]
    return in_years(parts.filter((pl.col("geo") == NORWAY) & pl.col("definition_id").is_in(definition_ids)), years)


def nordic_rates(tables: Tables, definition_ids: Sequence[str], years: Years = None) -> pl.DataFrame:
    """The Nordic countries' rates per 100,000 (`rates_per_100k`) of the given series."""
    rates = tables["rates_per_100k"]
    return in_years(rates.filter(pl.col("is_nordic") & pl.col("definition_id").is_in(definition_ids)), years)


def global_estimates(tables: Tables, definition_ids: Sequence[str], years: Years = None) -> pl.DataFrame:
    """ILO's global estimates (`ilo_estimates`) of the given series, every edition."""
    return in_years(tables["ilo_estimates"].filter(pl.col("definition_id").is_in(definition_ids)), years)


def norway_reconciliation(tables: Tables, name: str, years: Years = None) -> pl.DataFrame:
    """A reconciliation table's rows for Norway (`reconciliation_norway`, `reconciliation_justice_norway`)."""
    return in_years(tables[name].filter(pl.col("geo") == NORWAY), years)


def with_definition_names(frame: pl.DataFrame, tables: Tables) -> pl.DataFrame:
    """`name_nb` and `name_en` of each row's definition, from the definitions registry."""
    names = tables["definitions"].select("definition_id", "name_nb", "name_en")
    return frame.join(names, on="definition_id", how="left")


def with_category_names(frame: pl.DataFrame, tables: Tables) -> pl.DataFrame:
    """`category_nb` and `category_en` of each breakdown row, from the canonical vocabulary."""
    labels = tables["canonical_vocabulary"].select(
        breakdown="dimension", category="code", category_nb="label_nb", category_en="label_en"
    )
    return frame.join(labels, on=["breakdown", "category"], how="left")


def series_with_figures(tables: Tables, table: str, definition_ids: Sequence[str]) -> list[str]:
    """Those of `definition_ids` that have at least one figure in `table` (a series without is not offered)."""
    present = set(tables[table].filter(pl.col("definition_id").is_in(definition_ids))["definition_id"].unique())
    return [definition for definition in definition_ids if definition in present]


def newest_years(tables: Tables) -> dict[str, int]:
    """{source: the year of its newest figure}, from every source's facts and the World Bank's population."""
    years = {}
    if "fact_indicator" in tables:
        found = tables["fact_indicator"].group_by("source").agg(pl.col("year").max())
        years = {source: year for source, year in found.iter_rows() if year is not None}
    if "population" in tables:
        newest = tables["population"].filter(pl.col("population").is_not_null())["year"].max()
        if newest is not None:
            years["worldbank_population"] = newest
    return years
