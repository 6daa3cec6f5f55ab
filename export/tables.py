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

from reporting import queries
from reporting.catalogue import catalogue
from reporting.figures import PACK_CELL, PACK_VALUE, Kind, kind, shown, wide_series, with_shown
from reporting.flags import figure_rows
from reporting.justice import justice_chain
from reporting.queries import with_category_names, with_definition_names

Reader = Callable[[duckdb.DuckDBPyConnection, list[str], int, int], pl.DataFrame]
"""Reads a table's rows from the published marts: the series (definitions) of the table's catalogue
block, for the years `year_from`–`year_to`."""
BOUND_COLUMNS = ("value_low", "value_high", "rate_low", "rate_high")


@dataclass(frozen=True)
class Field:
    name: str
    type: str  # a Frictionless type: string, integer, number, boolean
    description: str


@dataclass(frozen=True)
class Table:
    """One sheet of the workbook and one CSV file of the pack."""

    name: str
    title: str
    description: str
    fields: tuple[Field, ...]
    sort_by: tuple[str, ...]
    read: Reader


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


CITATION_FIELDS = (
    Field("flags", "string", "Qualifiers of the figure (suppressed, approximate, range, cumulative, series_break…)"),
    Field("definition_id", "string", "The definition in the definitions sheet"),
    Field("source_location", "string", "Where in the source publication the figure is"),
    Field("provenance_id", "string", "The input file in the sources sheet"),
)
VALUE_FIELDS = (
    Field(
        "value",
        "string",
        "The figure as published; <5 for a suppressed or small cell, >=5 for one hidden to protect it",
    ),
    Field("value_low", "number", "Lower bound where the source gives a range or a bound"),
    Field("value_high", "number", "Upper bound where the source gives a range or a bound"),
    Field("unit", "string", "What is counted"),
)
SERIES_FIELDS = (
    Field("source", "string", "Source of the figure"),
    Field("measure", "string", "Canonical measure"),
    Field("name_nb", "string", "The definition's name in Norwegian"),
    Field("name_en", "string", "The definition's name in English"),
    Field("geo", "string", "ISO 3166-1 alpha-3 country code, or a region code"),
    Field("year", "integer", "Year (the last year of a period)"),
    Field("period", "string", "The year, or the span of years a cumulative or per-year-average figure covers"),
)

TABLES = (
    Table(
        "victims_norway",
        "Victims in Norway by source and definition",
        "Presumed, identified, detected and registered victims in Norway; each definition is its own series.",
        (*SERIES_FIELDS, *VALUE_FIELDS, *CITATION_FIELDS),
        ("source", "measure", "year", "period"),
        read_victims,
    ),
    Table(
        "victims_norway_by_group",
        "Victims in Norway by sex, age and form of exploitation",
        "Breakdowns of Norway's victim figures; categories from the canonical vocabulary.",
        (
            *SERIES_FIELDS,
            Field("breakdown", "string", "sex, age_group or exploitation_form"),
            Field("category", "string", "Canonical category code"),
            Field("category_nb", "string", "Category in Norwegian"),
            Field("category_en", "string", "Category in English"),
            *VALUE_FIELDS,
            *CITATION_FIELDS,
        ),
        ("source", "measure", "breakdown", "category", "year", "period"),
        read_victim_groups,
    ),
    Table(
        "justice_chain_norway",
        "The justice chain in Norway",
        "Police reports, offences recorded, persons prosecuted and convicted, judgments (KOM, UNODC); offences "
        "reported, investigated (by decision) and cleared up, sanctions (by type) (SSB); with the penal provision.",
        (
            *SERIES_FIELDS,
            *VALUE_FIELDS,
            Field("legal_basis", "string", "Penal provision the figure counts under (mixed_2015: both codes)"),
            *CITATION_FIELDS,
        ),
        ("source", "measure", "year", "period"),
        read_justice_chain,
    ),
    Table(
        "nordic_rates",
        "Norway beside its Nordic neighbours, per 100,000 inhabitants",
        "UNODC counts for the Nordic countries with the World Bank's population and the rate per 100,000.",
        (
            Field("source", "string", "Source of the count"),
            Field("measure", "string", "Canonical measure"),
            Field("name_nb", "string", "The definition's name in Norwegian"),
            Field("name_en", "string", "The definition's name in English"),
            Field("geo", "string", "ISO 3166-1 alpha-3 country code"),
            Field("country_nb", "string", "Country in Norwegian"),
            Field("country_en", "string", "Country in English"),
            Field("year", "integer", "Year"),
            Field("value", "string", "The count as published; <5 for a suppressed cell"),
            Field("population", "integer", "Total population (World Bank SP.POP.TOTL)"),
            Field("rate_per_100k", "number", "Count per 100,000 inhabitants (empty where the count is suppressed)"),
            Field("rate_low", "number", "Lower bound of the rate where the count is a bound"),
            Field("rate_high", "number", "Upper bound of the rate where the count is a bound"),
            Field("flags", "string", "Qualifiers of the figure"),
            Field("definition_id", "string", "The definition in the definitions sheet"),
            Field("source_location", "string", "Where in the source publication the count is"),
            Field("provenance_id", "string", "The input file of the count in the sources sheet"),
            Field("population_provenance_id", "string", "The input file of the population in the sources sheet"),
        ),
        ("measure", "geo", "year"),
        read_nordic_rates,
    ),
    Table(
        "global_estimates",
        "ILO global estimates by edition",
        "ILO's global estimates as each edition published them; methods differ between editions.",
        (
            Field("source", "string", "Source of the figure"),
            Field("edition", "string", "ILO edition"),
            Field("publication", "string", "Publication"),
            Field("year", "integer", "Reference year"),
            Field("geo", "string", "Region code"),
            Field("region", "string", "Region as the edition names it"),
            Field("measure", "string", "Canonical measure"),
            Field("name_nb", "string", "The definition's name in Norwegian"),
            Field("name_en", "string", "The definition's name in English"),
            Field("sex", "string", "Sex"),
            Field("age_group", "string", "Age group"),
            Field("exploitation_form", "string", "Form of exploitation"),
            *VALUE_FIELDS,
            Field("flags", "string", "Qualifiers of the figure"),
            Field("definition_id", "string", "The definition in the definitions sheet"),
            Field("source_location", "string", "The row of the curated file that holds the figure"),
            Field("reference", "string", "Address of the publication the figure is taken from"),
            Field("provenance_id", "string", "The input file in the sources sheet"),
        ),
        ("edition", "geo", "measure", "sex", "age_group", "exploitation_form"),
        read_global_estimates,
    ),
    Table(
        "tip_report",
        "The US Trafficking in Persons report: Norway's tier and figures, and the world law enforcement table",
        "Norway's tier by edition (year = the edition; an assessment, not a count), the prosecutions, convictions and "
        "victims identified the report gives for Norway (a year stated only in words: no value, flag stated_in_words "
        "and the words' flag) and for the world, each from the newest edition that prints it.",
        (*SERIES_FIELDS, *VALUE_FIELDS, *CITATION_FIELDS),
        ("geo", "source", "measure", "year", "period"),
        read_tip,
    ),
    Table(
        "reconciliation_norway",
        "KOM's figures beside UNODC's and TIP's figures for Norway",
        "Per year: KOM's assisted and newly identified victims, UNODC's detected victims and TIP's victims identified, "
        "and which KOM count UNODC and TIP equal.",
        (
            Field("year", "integer", "Year"),
            Field("kom_victims_assisted", "string", "kom.victims_assisted: presumed victims assisted (a-b: range)"),
            Field("kom_victims_assisted_location", "string", "Where in KOM's publication that figure is"),
            Field("kom_victims_identified", "string", "kom.victims_identified: victims identified for the first time"),
            Field("kom_victims_identified_location", "string", "Where in KOM's publication that figure is"),
            Field("unodc_victims_detected", "string", "unodc_glotip.victims_detected (<5: suppressed)"),
            Field("unodc_victims_detected_location", "string", "Where in UNODC's data file that figure is"),
            Field("unodc_relation_to_kom", "string", "How UNODC's figure relates to KOM's (see explanation_en)"),
            Field("explanation_nb", "string", "Explanation in Norwegian"),
            Field("explanation_en", "string", "Explanation in English"),
            Field("tip_victims_reported_identified", "string", "tip.victims_reported_identified (reported to the US)"),
            Field("tip_victims_reported_identified_flags", "string", "Qualifiers of TIP's figure (stated_in_words)"),
            Field("tip_victims_reported_identified_location", "string", "TIP edition, place and address of it"),
            Field("tip_relation", "string", "How TIP's figure relates to KOM's and UNODC's (see tip_explanation_en)"),
            Field("tip_explanation_nb", "string", "How TIP's figure relates, in Norwegian"),
            Field("tip_explanation_en", "string", "How TIP's figure relates, in English"),
        ),
        ("year",),
        reconciliation("reconciliation_norway"),
    ),
    Table(
        "reconciliation_justice_norway",
        "KOM's police reports, UNODC's offences recorded and SSB's reported offences for Norway",
        "Per year: the three figures, each in its own definition, whether they are equal and by how much they differ.",
        (
            Field("year", "integer", "Year"),
            Field("kom_police_reports", "string", "kom.police_reports: police reports (about N: approximate)"),
            Field("kom_police_reports_flags", "string", "Qualifiers of KOM's figure"),
            Field("kom_police_reports_location", "string", "Where in KOM's publication that figure is"),
            Field("unodc_offences_recorded", "string", "unodc_glotip.offences_recorded: offences recorded"),
            Field("unodc_offences_recorded_flags", "string", "Qualifiers of UNODC's figure"),
            Field("unodc_offences_recorded_location", "string", "Where in UNODC's data file that figure is"),
            Field("ssb_offences_reported", "string", "ssb.offences_reported: offences reported (empty: no figure)"),
            Field("ssb_offences_reported_flags", "string", "Qualifiers of SSB's figure (not_available: SSB's '..')"),
            Field("ssb_offences_reported_location", "string", "SSB's table, dimension codes and cell of that figure"),
            Field("unodc_relation_to_kom", "string", "equal, differs, not_exact or no_figure"),
            Field("unodc_minus_kom", "number", "UNODC's figure minus KOM's, where both are exact"),
            Field("ssb_relation_to_kom", "string", "equal, differs, not_exact or no_figure"),
            Field("ssb_minus_kom", "number", "SSB's figure minus KOM's, where both are exact"),
            Field("ssb_relation_to_unodc", "string", "equal, differs, not_exact or no_figure"),
            Field("ssb_minus_unodc", "number", "SSB's figure minus UNODC's, where both are exact"),
            Field("explanation_nb", "string", "Explanation in Norwegian"),
            Field("explanation_en", "string", "Explanation in English"),
        ),
        ("year",),
        reconciliation("reconciliation_justice_norway"),
    ),
)

DEFINITIONS = Table(
    "definitions",
    "Definitions",
    "The definitions registry: what each series counts, its scope and its series breaks, in Norwegian and English.",
    tuple(
        Field(name, "string", description)
        for name, description in (
            ("definition_id", "Identifier used in the data sheets"),
            ("source", "Source"),
            ("measure", "Canonical measure"),
            ("name_nb", "Name in Norwegian"),
            ("name_en", "Name in English"),
            ("description_nb", "Definition in Norwegian"),
            ("description_en", "Definition in English"),
            ("counting_unit_nb", "Counting unit in Norwegian"),
            ("counting_unit_en", "Counting unit in English"),
            ("scope_nb", "Scope in Norwegian"),
            ("scope_en", "Scope in English"),
            ("series_breaks_nb", "Series breaks in Norwegian"),
            ("series_breaks_en", "Series breaks in English"),
            ("publisher", "Publisher"),
            ("source_url", "Address of the source"),
        )
    ),
    ("definition_id",),
    whole("definitions"),
)
SOURCES = Table(
    "sources",
    "Sources",
    "Every input file: publication, address, retrieval time, size and sha256.",
    (
        Field("provenance_id", "string", "Identifier used in the data sheets"),
        Field("source_id", "string", "Source"),
        Field("publication", "string", "Publication"),
        Field("url", "string", "Official address"),
        Field("fetched_from", "string", "Where this copy was fetched from (the official address or a mirror)"),
        Field("retrieved_at", "string", "Time of retrieval (UTC)"),
        Field("size_bytes", "integer", "Size of the file in bytes"),
        Field("sha256", "string", "SHA-256 checksum of the file"),
    ),
    ("provenance_id",),
    whole(
        "provenance",
        ["provenance_id", "source_id", "publication", "url", "fetched_from", "retrieved_at", "size_bytes", "sha256"],
    ),
)


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
