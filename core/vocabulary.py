"""The one place that knows the canonical vocabulary and the shape of a fact row.

The codes live in `data/reference/vocabulary.csv` with Norwegian and English labels; crosswalks
(`data/reference/crosswalks/`) map every source label to them. `FACT_SCHEMA` is the canonical fact
row every source's harmonised asset produces.
"""

from __future__ import annotations

from functools import cache

import polars as pl

from core.settings import REFERENCE_DIR

NORWAY = "NOR"
"""Norway's ISO 3166-1 alpha-3 code: the country the dashboard and the export pack are about."""
NORTHERN_EUROPE = "UN_NORTHERN_EUROPE"
"""The UN M49 subregion Norway belongs to."""
WORLD = "WORLD"
TOTAL = "total"
"""The code of a breakdown's total (all sexes, all ages, every form of exploitation)."""
NO_COUNTERPART = "none"
"""`counterpart_type` of a figure without a second country."""

SUPPRESSED = "suppressed"
APPROXIMATE = "approximate"
CUMULATIVE = "cumulative"
ANNUAL_IN_PERIOD = "annual_in_period"
SERIES_BREAK = "series_break"
SYNTHETIC = "synthetic"
COMPLEMENTARY_HIDDEN = "complementary_hidden"
NOT_YET_AVAILABLE = "not_yet_available"
STATED_IN_WORDS = "stated_in_words"
"""Flag codes (dimension `flag` of the vocabulary) that readers of the published file act on."""
WORDS_FLAGS = ("words_more", "words_fewer", "words_none", "words_not_reported")
"""A year a source (TIP) describes only in words: `stated_in_words` and one of `WORDS_FLAGS` (what the words say)."""

ANY_FLAG = "_any"
"""The category of a flag profile's base (CTDC): records with at least one flag of the profile set."""
KOM_LAST_YEAR_BEFORE_BREAK = 2016
"""KOM published no victim totals for 2017-2021, and the figures since count more narrowly
(2021: adults in housing or follow-up; 2022-2024: KOM's new calculation): the first victim figure
of each series after 2016 carries the flag `series_break`, and the reconciliation reads the gap from it."""

VOCABULARY_FILE = REFERENCE_DIR / "vocabulary.csv"
GEO_FILE = REFERENCE_DIR / "geo.csv"

FACT_SCHEMA: dict[str, pl.DataType] = {
    "source": pl.String(),
    "measure": pl.String(),
    "geo": pl.String(),
    "year": pl.Int32(),
    "period": pl.String(),
    "sex": pl.String(),
    "age_group": pl.String(),
    "exploitation_form": pl.String(),
    "counterpart_type": pl.String(),
    "counterpart": pl.String(),
    "counterpart_label": pl.String(),
    "value": pl.Float64(),
    "value_low": pl.Float64(),
    "value_high": pl.Float64(),
    "unit": pl.String(),
    "flags": pl.String(),
    "definition_id": pl.String(),
    "provenance_id": pl.String(),
    "source_location": pl.String(),
    "legal_basis": pl.String(),
}
"""Canonical fact columns.

`year` is the year the figure refers to (the last year of `period` for cumulative figures);
`period` is "2003-2024" for a figure that covers several years, else the year itself. `value` is
null where the source suppressed or did not give a single number; `value_low`/`value_high` carry
what is known. `flags` is a sorted, semicolon-separated list of flag codes. `counterpart_*` hold a
second country (citizenship, repatriation): the ISO3 code or a canonical code, and the source's
own label. `source_location` says where in the publication the figure stands. `legal_basis` names
the penal provision a justice figure counts under (`data/reference/legal_basis.csv`), null elsewhere.
"""

FACT_KEY = (
    "source", "measure", "geo", "period", "sex", "age_group", "exploitation_form",
    "counterpart_type", "counterpart", "counterpart_label",
)  # fmt: skip
"""The columns that identify one fact: no two rows of `fact_indicator` share them."""

CANONICAL_DIMENSIONS = ("measure", "sex", "age_group", "exploitation_form", "counterpart_type")


def is_all_breakdowns_total() -> pl.Expr:
    """A polars condition: the fact counts everyone (every sex, age and form, no second country)."""
    return (
        (pl.col("sex") == TOTAL)
        & (pl.col("age_group") == TOTAL)
        & (pl.col("exploitation_form") == TOTAL)
        & (pl.col("counterpart_type") == NO_COUNTERPART)
    )


def definition_id(source_id: str, measure: pl.Expr | None = None) -> pl.Expr:
    """A fact's `definition_id`, `<source id>.<measure>`: its row in `data/reference/definitions/<source id>.csv`.

    `measure` is an expression for the measure's code (default: the column `measure`)."""
    return pl.lit(f"{source_id}.") + (pl.col("measure") if measure is None else measure)


def no_facts() -> pl.DataFrame:
    """The facts of a source that is absent from this run: no rows, the canonical columns."""
    return pl.DataFrame(schema=FACT_SCHEMA)


@cache
def vocabulary() -> pl.DataFrame:
    """All canonical codes: dimension, code, label_nb, label_en, note."""
    return pl.read_csv(VOCABULARY_FILE, infer_schema=False)


def codes(dimension: str) -> frozenset[str]:
    """The canonical codes of one dimension."""
    known = vocabulary().filter(pl.col("dimension") == dimension)["code"]
    if known.is_empty():
        raise KeyError(f"{VOCABULARY_FILE.name} has no dimension {dimension!r}")
    return frozenset(known.to_list())


FLAG_SEPARATOR = ";"


def join_flags(*flags: str | None) -> str:
    """Flags as the canonical sorted, semicolon-separated text: the one way flags are written."""
    parts = {part for flag in flags for part in flag_set(flag)}
    return FLAG_SEPARATOR.join(sorted(parts))


def flag_set(flags: str | None) -> frozenset[str]:
    """The flag codes in a flags text (empty for None or ""): the one way flags are read, row by row."""
    return frozenset(code for code in (flags or "").split(FLAG_SEPARATOR) if code)


def has_flag(flag: str, column: str = "flags") -> pl.Expr:
    """A polars condition: the row's flags include `flag` (never a substring test: `range` is not `age_range`)."""
    return pl.col(column).fill_null("").str.split(FLAG_SEPARATOR).list.contains(flag)


def conform(frame: pl.DataFrame) -> pl.DataFrame:
    """`frame` with exactly the canonical fact columns, in order and type.

    Columns a source does not have get their neutral value (totals, no counterpart); a column
    the schema does not know is an error, so nothing is dropped in silence.
    """
    unknown = set(frame.columns) - set(FACT_SCHEMA)
    if unknown:
        raise ValueError(f"columns outside the canonical fact schema: {sorted(unknown)}")
    defaults = {
        "period": pl.col("year").cast(pl.String),
        "sex": pl.lit("total"),
        "age_group": pl.lit("total"),
        "exploitation_form": pl.lit("total"),
        "counterpart_type": pl.lit("none"),
        "counterpart": pl.lit("none"),
        "flags": pl.lit(""),
    }
    frame = frame.with_columns(
        expression.alias(name) for name, expression in defaults.items() if name not in frame.columns
    )
    return frame.select(
        pl.col(name).cast(dtype) if name in frame.columns else pl.lit(None, dtype).alias(name)
        for name, dtype in FACT_SCHEMA.items()
    )


def geo_table() -> pl.DataFrame:
    """The project's geo codes (`data/reference/geo.csv`): ISO3 countries and named aggregates, with names."""
    return pl.read_csv(GEO_FILE, infer_schema=False, empty_string_is_null=False).with_columns(
        is_nordic=pl.col("is_nordic") == "true"
    )
