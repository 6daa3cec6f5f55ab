"""The tables of the rapporteur's pack, shaped from the published marts for a span of years.

Every data row keeps what a citation needs: the source, the definition (`definition_id` and its
Norwegian and English names), the place in the publication (`source_location`) and the flags.
Which series a table holds is its block in the reporting catalogue (`pack_tables`, by the table's
name). A figure is written by the dashboard's rule (`reporting.figures`) in the pack's style:
`value` is text, `<5` for a small cell, so that no spreadsheet can turn a suppressed count into 0.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import duckdb
import polars as pl

from export.columns import Field, fields
from reporting import queries
from reporting.catalogue import catalogue
from reporting.figures import PACK_CELL, PACK_VALUE, Kind, kind, shown, wide_series, with_shown
from reporting.flags import figure_rows
from reporting.justice import justice_chain
from reporting.queries import with_category_names, with_definition_names
from reporting.texts import text

Reader = Callable[[duckdb.DuckDBPyConnection, list[str], int, int], pl.DataFrame]
"""Reads a table's rows from the published marts: the series (definitions) of the table's catalogue
block, for the years `year_from`–`year_to`."""
BOUND_COLUMNS = ("value_low", "value_high", "rate_low", "rate_high")


@dataclass(frozen=True)
class Table:
    """One sheet of the workbook and one CSV file of the pack; its title and description are the texts
    `pack.table.<name>` and `pack.about.<name>`, its columns' words rows of `columns.csv`."""

    name: str
    fields: tuple[Field, ...]
    sort_by: tuple[str, ...]
    read: Reader

    def heading(self, language: str) -> str:
        return text(f"pack.table.{self.name}", language)

    def about(self, language: str) -> str:
        return text(f"pack.about.{self.name}", language)

    @property
    def title(self) -> str:
        """The table's title in English (the data package's)."""
        return self.heading("en")

    @property
    def description(self) -> str:
        return self.about("en")


def table(name: str, columns: Sequence[str], sort_by: Sequence[str], read: Reader) -> Table:
    """A pack table whose columns are described in `columns.csv`."""
    return Table(name, fields(name, *columns), tuple(sort_by), read)


def tables_of(connection: duckdb.DuckDBPyConnection, *names: str) -> dict[str, pl.DataFrame]:
    """The named published tables, whole, for the reader's questions (`reporting.queries`)."""
    return {name: connection.sql(f'SELECT * FROM "{name}"').pl() for name in names}


def whole(name: str, columns: Sequence[str] | None = None) -> Reader:
    """A reader of a whole table (the definitions, the sources), every year."""

    def read(connection: duckdb.DuckDBPyConnection, series: list[str], year_from: int, year_to: int) -> pl.DataFrame:
        frame = tables_of(connection, name)[name]
        return frame.select(columns) if columns else frame

    return read


def read_victims(
    connection: duckdb.DuckDBPyConnection, series: list[str], year_from: int, year_to: int
) -> pl.DataFrame:
    tables = tables_of(connection, "series_totals", "definitions")
    return with_definition_names(queries.norway_series(tables, series, (year_from, year_to)), tables)


def read_victim_groups(
    connection: duckdb.DuckDBPyConnection, series: list[str], year_from: int, year_to: int
) -> pl.DataFrame:
    tables = tables_of(connection, "breakdowns", "definitions", "canonical_vocabulary")
    parts = queries.norway_breakdowns(tables, series, (year_from, year_to))
    return with_category_names(with_definition_names(parts, tables), tables)


def read_nordic_rates(
    connection: duckdb.DuckDBPyConnection, series: list[str], year_from: int, year_to: int
) -> pl.DataFrame:
    tables = tables_of(connection, "rates_per_100k", "series_totals", "definitions")
    rates = queries.nordic_rates(tables, series, (year_from, year_to)).rename(
        {"name_nb": "country_nb", "name_en": "country_en", "rate": "rate_per_100k"}
    )
    locations = (
        tables["series_totals"]
        .filter(pl.col("period") == pl.col("year").cast(pl.String))
        .select("definition_id", "geo", "year", "source_location")
    )
    return with_definition_names(rates, tables).join(locations, on=["definition_id", "geo", "year"], how="left")


def read_tip(connection: duckdb.DuckDBPyConnection, series: list[str], year_from: int, year_to: int) -> pl.DataFrame:
    """The TIP report's series (Norway's tier and stated figures, the world table) as the published totals give them."""
    tables = tables_of(connection, "series_totals", "definitions")
    chosen = tables["series_totals"].filter(pl.col("definition_id").is_in(series))
    totals = queries.in_years(chosen, (year_from, year_to))
    return with_definition_names(totals, tables)


def read_global_estimates(
    connection: duckdb.DuckDBPyConnection, series: list[str], year_from: int, year_to: int
) -> pl.DataFrame:
    tables = tables_of(connection, "ilo_estimates", "definitions")
    estimates = queries.global_estimates(tables, series, (year_from, year_to)).rename({"region_label": "region"})
    names = tables["definitions"].select("definition_id", "source", "name_nb", "name_en")
    return estimates.drop("source", strict=False).join(names, on="definition_id", how="left")


def reconciliation(name: str) -> Reader:
    def read(connection: duckdb.DuckDBPyConnection, series: list[str], year_from: int, year_to: int) -> pl.DataFrame:
        return queries.norway_reconciliation(tables_of(connection, name), name, (year_from, year_to))

    return read


def read_justice_chain(
    connection: duckdb.DuckDBPyConnection, series: list[str], year_from: int, year_to: int
) -> pl.DataFrame:
    """The justice chain with each figure's penal provision, built as the Straffesakskjeden page builds it."""
    tables = tables_of(connection, "series_totals", "fact_indicator", "definitions")
    chain = justice_chain(tables["series_totals"], tables["fact_indicator"], series, (year_from, year_to))
    return with_definition_names(chain, tables)


CITATION_COLUMNS = ("flags", "definition_id", "source_location", "provenance_id")
VALUE_COLUMNS = ("value", "value_low", "value_high", "unit")
SERIES_COLUMNS = ("source", "measure", "name_nb", "name_en", "geo", "year", "period")

TABLES = (
    table(
        "victims_norway",
        (*SERIES_COLUMNS, *VALUE_COLUMNS, *CITATION_COLUMNS),
        ("source", "measure", "year", "period"),
        read_victims,
    ),
    table(
        "victims_norway_by_group",
        (*SERIES_COLUMNS, "breakdown", "category", "category_nb", "category_en", *VALUE_COLUMNS, *CITATION_COLUMNS),
        ("source", "measure", "breakdown", "category", "year", "period"),
        read_victim_groups,
    ),
    table(
        "justice_chain_norway",
        (*SERIES_COLUMNS, *VALUE_COLUMNS, "legal_basis", *CITATION_COLUMNS),
        ("source", "measure", "year", "period"),
        read_justice_chain,
    ),
    table(
        "nordic_rates",
        (
            "source", "measure", "name_nb", "name_en", "geo", "country_nb", "country_en", "year", "value",
            "population", "rate_per_100k", "rate_low", "rate_high", *CITATION_COLUMNS, "population_provenance_id",
        ),
        ("measure", "geo", "year"),
        read_nordic_rates,
    ),
    table(
        "global_estimates",
        (
            "source", "edition", "publication", "year", "geo", "region", "measure", "name_nb", "name_en", "sex",
            "age_group", "exploitation_form", *VALUE_COLUMNS, "flags", "definition_id", "source_location",
            "reference", "provenance_id",
        ),
        ("edition", "geo", "measure", "sex", "age_group", "exploitation_form"),
        read_global_estimates,
    ),
    table(
        "tip_report",
        (*SERIES_COLUMNS, *VALUE_COLUMNS, *CITATION_COLUMNS),
        ("geo", "source", "measure", "year", "period"),
        read_tip,
    ),
    table(
        "reconciliation_norway",
        (
            "year", "kom_victims_assisted", "kom_victims_assisted_location", "kom_victims_identified",
            "kom_victims_identified_location", "unodc_victims_detected", "unodc_victims_detected_location",
            "unodc_relation_to_kom", "explanation_nb", "explanation_en", "tip_victims_reported_identified",
            "tip_victims_reported_identified_flags", "tip_victims_reported_identified_location", "tip_relation",
            "tip_explanation_nb", "tip_explanation_en",
        ),
        ("year",),
        reconciliation("reconciliation_norway"),
    ),
    table(
        "reconciliation_justice_norway",
        (
            "year", "kom_police_reports", "kom_police_reports_flags", "kom_police_reports_location",
            "unodc_offences_recorded", "unodc_offences_recorded_flags", "unodc_offences_recorded_location",
            "ssb_offences_reported", "ssb_offences_reported_flags", "ssb_offences_reported_location",
            "unodc_relation_to_kom", "unodc_minus_kom", "ssb_relation_to_kom", "ssb_minus_kom",
            "ssb_relation_to_unodc", "ssb_minus_unodc", "explanation_nb", "explanation_en",
        ),
        ("year",),
        reconciliation("reconciliation_justice_norway"),
    ),
)  # fmt: skip

DEFINITION_COLUMNS = (
    "definition_id", "source", "measure", "name_nb", "name_en", "description_nb", "description_en",
    "counting_unit_nb", "counting_unit_en", "scope_nb", "scope_en", "series_breaks_nb", "series_breaks_en",
    "publisher", "source_url",
)  # fmt: skip
DEFINITIONS = table("definitions", DEFINITION_COLUMNS, ("definition_id",), whole("definitions"))
SOURCE_COLUMNS = (
    "provenance_id",
    "source_id",
    "publication",
    "url",
    "fetched_from",
    "retrieved_at",
    "size_bytes",
    "sha256",
)
SOURCES = table("sources", SOURCE_COLUMNS, ("provenance_id",), whole("provenance", SOURCE_COLUMNS))


def read_table(connection: duckdb.DuckDBPyConnection, table: Table, year_from: int, year_to: int) -> pl.DataFrame:
    """The table's rows for the years, with small cells written `<5`.

    Rows are sorted by the table's key and then by every other column, so the order never depends
    on how DuckDB happened to scan the file.
    """
    entries = catalogue().get(("pack_tables", table.name), ())
    frame = table.read(connection, [entry.definition_id for entry in entries], year_from, year_to)
    frame = disclosure_controlled(frame, [entry.table_column for entry in entries if entry.table_column])
    columns = [field.name for field in table.fields]
    order = [*table.sort_by, *(name for name in columns if name not in table.sort_by)]
    return frame.select(columns).sort(order, nulls_last=True)


def disclosure_controlled(frame: pl.DataFrame, wide_columns: Sequence[str] = ()) -> pl.DataFrame:
    """`value` as text by the one figure rule in the pack's style (`reporting.figures.PACK_VALUE`): `<5` for a
    small cell, whose bounds are dropped, `>=5` for a cell hidden to protect another, its lower bound kept.

    A wide table (the reconciliation; its series' `wide_columns` come from the catalogue) gets one text
    column per series instead, bounds written into it (`120-160`, `<100`; `reporting.figures.PACK_CELL`).
    """
    if "value" not in frame.columns:
        return frame.with_columns(
            with_shown(wide_series(frame, column), PACK_CELL, column=column)[column] for column in wide_columns
        )
    rows = figure_rows(frame)
    small = pl.Series([kind(row) is Kind.SMALL for row in rows], dtype=pl.Boolean)
    written = pl.Series("value", [shown(row, PACK_VALUE) for row in rows], dtype=pl.String)
    bounds = [column for column in BOUND_COLUMNS if column in frame.columns]
    return frame.with_columns(
        written, *[pl.when(small).then(None).otherwise(pl.col(column)).alias(column) for column in bounds]
    )
