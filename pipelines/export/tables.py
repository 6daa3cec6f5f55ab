"""The tables of the rapporteur's pack, shaped from the published marts for a span of years.

Every data row keeps what a citation needs: the source, the definition (`definition_id` and its
Norwegian and English names), the place in the publication (`source_location`) and the flags.
A figure is written as the dashboard shows it: `value` is text, `<5` for a suppressed cell, so
that no spreadsheet can turn a suppressed count into 0.
"""

from dataclasses import dataclass

import duckdb
import polars as pl

PERSON_LEVEL_SOURCES = ("iom_ctdc",)
"""Sources whose figures count persons from person-level records: any count below 5 is written `<5`."""
SMALL_CELL = 5
DECIMALS = 6
"""Numbers that are not whole are written rounded to this many decimals, the same way on every run."""
VICTIM_MEASURES = ("victims_detected", "victims_assisted", "victims_identified", "victims_registered")
JUSTICE_MEASURES = (
    "police_reports",
    "police_reports_aggravated",
    "offences_recorded",
    "persons_in_formal_contact",
    "persons_prosecuted",
    "persons_convicted",
    "convicting_judgments",
)


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
    query: str


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
        f"""SELECT s.source, s.measure, d.name_nb, d.name_en, s.geo, s.year, s.period, s.value, s.value_low,
                   s.value_high, s.unit, s.flags, s.definition_id, s.source_location, s.provenance_id
            FROM series_totals s {NAMES}
            WHERE s.geo = 'NOR' AND s.measure IN {VICTIM_MEASURES} AND {IN_YEARS}""",
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
        f"""SELECT b.source, b.measure, d.name_nb, d.name_en, b.geo, b.year, b.period, b.breakdown, b.category,
                   v.label_nb AS category_nb, v.label_en AS category_en, b.value, b.value_low, b.value_high,
                   b.unit, b.flags, b.definition_id, b.source_location, b.provenance_id
            FROM breakdowns b {NAMES}
            LEFT JOIN canonical_vocabulary v ON v.dimension = b.breakdown AND v.code = b.category
            WHERE b.geo = 'NOR' AND b.measure IN {VICTIM_MEASURES} AND {IN_YEARS}""",
    ),
    Table(
        "justice_chain_norway",
        "The justice chain in Norway",
        "Police reports, offences recorded, persons prosecuted and convicted, judgments; with the penal provision.",
        (
            *SERIES_FIELDS,
            *VALUE_FIELDS,
            Field("legal_basis", "string", "Penal provision the figure counts under (mixed_2015: both codes)"),
            *CITATION_FIELDS,
        ),
        ("source", "measure", "year", "period"),
        f"""SELECT s.source, s.measure, d.name_nb, d.name_en, s.geo, s.year, s.period, s.value, s.value_low,
                   s.value_high, s.unit, f.legal_basis, s.flags, s.definition_id, s.source_location, s.provenance_id
            FROM series_totals s {NAMES}
            LEFT JOIN (
                SELECT DISTINCT definition_id, geo, period, legal_basis FROM fact_indicator
                WHERE sex = 'total' AND age_group = 'total' AND exploitation_form = 'total'
                  AND counterpart_type = 'none'
            ) f USING (definition_id, geo, period)
            WHERE s.geo = 'NOR' AND s.measure IN {JUSTICE_MEASURES} AND {IN_YEARS}""",
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
        f"""SELECT r.source, r.measure, d.name_nb, d.name_en, r.geo, r.name_nb AS country_nb,
                   r.name_en AS country_en, r.year, r.value, r.value_low, r.value_high, r.population,
                   r.rate AS rate_per_100k, r.rate_low, r.rate_high, r.flags, r.definition_id, s.source_location,
                   r.provenance_id, r.population_provenance_id
            FROM rates_per_100k r {NAMES}
            LEFT JOIN series_totals s ON s.definition_id = r.definition_id AND s.geo = r.geo AND s.year = r.year
                 AND s.period = CAST(r.year AS VARCHAR)
            WHERE r.is_nordic AND r.{IN_YEARS}""",
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
        f"""SELECT d.source, i.edition, i.publication, i.year, i.geo, i.region_label AS region, i.measure, d.name_nb,
                   d.name_en, i.sex, i.age_group, i.exploitation_form, i.value, i.value_low, i.value_high, i.unit,
                   i.flags, i.definition_id, i.source_location, i.reference,
                   i.provenance_id
            FROM ilo_estimates i {NAMES}
            WHERE {IN_YEARS}""",
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
        f"""SELECT * FROM reconciliation_norway WHERE geo = 'NOR' AND {IN_YEARS}""",
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
    "SELECT * FROM definitions",
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
    "SELECT provenance_id, source_id, publication, url, fetched_from, retrieved_at, size_bytes, sha256 FROM provenance",
)


def read_table(connection: duckdb.DuckDBPyConnection, table: Table, year_from: int, year_to: int) -> pl.DataFrame:
    """The table's rows for the years, with small cells written `<5`.

    Rows are sorted by the table's key and then by every other column, so the order never depends
    on how DuckDB happened to scan the file.
    """
    parameters = {"year_from": year_from, "year_to": year_to} if "$year_from" in table.query else {}
    frame = disclosure_controlled(connection.sql(table.query, params=parameters or None).pl())
    columns = [field.name for field in table.fields]
    order = [*table.sort_by, *(name for name in columns if name not in table.sort_by)]
    return frame.select(columns).sort(order, nulls_last=True)


def disclosure_controlled(frame: pl.DataFrame) -> pl.DataFrame:
    """`value` as text: `<5` for a suppressed cell or a count below 5 from person-level data, bounds dropped there;
    `>=5` for a cell hidden to protect another (`complementary_hidden`), its lower bound kept.

    A cell is suppressed when its flags say so, or when it has no value but the bounds [1, 4] (how a
    source's `<5` is kept), whatever its flags.

    The wide reconciliation table (columns `<series>`, `<series>_low`, `<series>_high`, `<series>_flags`)
    gets one text column per series by the same rule, bounds written into it (`120-160`, `<100`).
    """
    if "value" not in frame.columns:
        return _wide_values_as_text(frame)
    flags = pl.col("flags").fill_null("")
    person_level = pl.col("source").is_in(PERSON_LEVEL_SOURCES) if "source" in frame.columns else pl.lit(False)
    small = (
        flags.str.contains("suppressed")
        | _kept_as_below_five("value")
        | (person_level & (pl.col("value") < SMALL_CELL)).fill_null(False)
    )
    protecting = flags.str.contains("complementary_hidden") & pl.col("value").is_null()
    text = (
        pl.when(small)
        .then(pl.lit("<5"))
        .when(protecting)
        .then(pl.lit(f">={SMALL_CELL}"))
        .otherwise(_number_text(pl.col("value")))
    )
    bounds = [column for column in ("value_low", "value_high", "rate_low", "rate_high") if column in frame.columns]
    return frame.with_columns(
        text.alias("value"),
        *[pl.when(small).then(None).otherwise(pl.col(column)).alias(column) for column in bounds],
    )


def _kept_as_below_five(name: str) -> pl.Expr:
    """No value but the bounds [1, 4]: how a `<5` cell is kept, even where its flags do not say so."""
    value, low, high = pl.col(name), pl.col(f"{name}_low"), pl.col(f"{name}_high")
    return (value.is_null() & (low == 1) & (high == SMALL_CELL - 1)).fill_null(False)


def _wide_values_as_text(frame: pl.DataFrame) -> pl.DataFrame:
    series = [column[: -len("_flags")] for column in frame.columns if column.endswith("_flags")]
    return frame.with_columns(_series_text(name).alias(name) for name in series)


def _series_text(name: str) -> pl.Expr:
    value, low, high = pl.col(name), pl.col(f"{name}_low"), pl.col(f"{name}_high")
    return (
        pl.when(pl.col(f"{name}_flags").fill_null("").str.contains("suppressed") | _kept_as_below_five(name))
        .then(pl.lit("<5"))
        .when(value.is_not_null())
        .then(_number_text(value))
        .when(low.is_not_null() & high.is_not_null())
        .then(pl.concat_str(_number_text(low), pl.lit("-"), _number_text(high)))
        .when(high.is_not_null())
        .then(pl.concat_str(pl.lit("<"), _number_text(high)))
        .when(low.is_not_null())
        .then(pl.concat_str(pl.lit(">="), _number_text(low)))
        .otherwise(pl.lit(None, pl.String))
    )


def _number_text(column: pl.Expr) -> pl.Expr:
    """A count as text without a trailing `.0`; other numbers rounded to `DECIMALS` places."""
    whole = column == column.round(0)
    return (
        pl.when(column.is_null())
        .then(pl.lit(None, pl.String))
        .when(whole)
        .then(column.cast(pl.Int64).cast(pl.String))
        .otherwise(column.round(DECIMALS).cast(pl.String))
    )
