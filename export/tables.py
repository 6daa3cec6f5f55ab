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

from core.vocabulary import NORWAY
from reporting.catalogue import catalogue
from reporting.figures import PACK_CELL, PACK_VALUE, Kind, kind, shown, wide_series, with_shown
from reporting.flags import figure_rows
from reporting.justice import justice_chain

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


def query(sql: str) -> Reader:
    """A reader running `sql`, which may use `$series`, `$year_from` and `$year_to`."""

    def read(connection: duckdb.DuckDBPyConnection, series: list[str], year_from: int, year_to: int) -> pl.DataFrame:
        parameters: dict[str, object] = {}
        if "$series" in sql:
            parameters["series"] = series
        if "$year_from" in sql:
            parameters |= {"year_from": year_from, "year_to": year_to}
        return connection.sql(sql, params=parameters or None).pl()

    return read


def read_justice_chain(
    connection: duckdb.DuckDBPyConnection, series: list[str], year_from: int, year_to: int
) -> pl.DataFrame:
    """The justice chain with each figure's penal provision, built as the Straffesakskjeden page builds it."""
    chain = justice_chain(
        connection.sql("SELECT * FROM series_totals").pl(),
        connection.sql("SELECT * FROM fact_indicator").pl(),
        series,
        (year_from, year_to),
    )
    names = connection.sql("SELECT definition_id, name_nb, name_en FROM definitions").pl()
    return chain.join(names, on="definition_id", how="left")


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
NAMES = "LEFT JOIN definitions d USING (definition_id)"
IN_YEARS = "year BETWEEN $year_from AND $year_to"

TABLES = (
    Table(
        "victims_norway",
        "Victims in Norway by source and definition",
        "Presumed, identified, detected and registered victims in Norway; each definition is its own series.",
        (*SERIES_FIELDS, *VALUE_FIELDS, *CITATION_FIELDS),
        ("source", "measure", "year", "period"),
        query(
            f"""SELECT s.source, s.measure, d.name_nb, d.name_en, s.geo, s.year, s.period, s.value, s.value_low,
                       s.value_high, s.unit, s.flags, s.definition_id, s.source_location, s.provenance_id
                FROM series_totals s {NAMES}
                WHERE s.geo = '{NORWAY}' AND list_contains($series, s.definition_id) AND {IN_YEARS}""",
        ),
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
        query(
            f"""SELECT b.source, b.measure, d.name_nb, d.name_en, b.geo, b.year, b.period, b.breakdown, b.category,
                       v.label_nb AS category_nb, v.label_en AS category_en, b.value, b.value_low, b.value_high,
                       b.unit, b.flags, b.definition_id, b.source_location, b.provenance_id
                FROM breakdowns b {NAMES}
                LEFT JOIN canonical_vocabulary v ON v.dimension = b.breakdown AND v.code = b.category
                WHERE b.geo = '{NORWAY}' AND list_contains($series, b.definition_id) AND {IN_YEARS}""",
        ),
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
        query(
            f"""SELECT r.source, r.measure, d.name_nb, d.name_en, r.geo, r.name_nb AS country_nb,
                       r.name_en AS country_en, r.year, r.value, r.value_low, r.value_high, r.population,
                       r.rate AS rate_per_100k, r.rate_low, r.rate_high, r.flags, r.definition_id, s.source_location,
                       r.provenance_id, r.population_provenance_id
                FROM rates_per_100k r {NAMES}
                LEFT JOIN series_totals s ON s.definition_id = r.definition_id AND s.geo = r.geo AND s.year = r.year
                     AND s.period = CAST(r.year AS VARCHAR)
                WHERE r.is_nordic AND list_contains($series, r.definition_id) AND r.{IN_YEARS}""",
        ),
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
        query(
            f"""SELECT d.source, i.edition, i.publication, i.year, i.geo, i.region_label AS region, i.measure,
                       d.name_nb, d.name_en, i.sex, i.age_group, i.exploitation_form, i.value, i.value_low,
                       i.value_high, i.unit, i.flags, i.definition_id, i.source_location, i.reference, i.provenance_id
                FROM ilo_estimates i {NAMES}
                WHERE list_contains($series, i.definition_id) AND i.{IN_YEARS}""",
        ),
    ),
    Table(
        "reconciliation_norway",
        "KOM's figures beside UNODC's figure for Norway",
        "Per year: KOM's assisted and newly identified victims, UNODC's detected victims, and which one UNODC equals.",
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
        ),
        ("year",),
        query(f"SELECT * FROM reconciliation_norway WHERE geo = '{NORWAY}' AND {IN_YEARS}"),
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
        query(f"SELECT * FROM reconciliation_justice_norway WHERE geo = '{NORWAY}' AND {IN_YEARS}"),
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
    query("SELECT * FROM definitions"),
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
    query(
        "SELECT provenance_id, source_id, publication, url, fetched_from, retrieved_at, size_bytes, sha256 "
        "FROM provenance"
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
