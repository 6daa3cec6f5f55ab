"""Reading the curated ILO estimates (`data/raw/ilo/ilo_estimates.csv`) into a typed staging frame.

The ILO publishes its global estimates only as PDF reports; the curated file carries the figures
with their references and a confidence, one row per figure (see `data/raw/ilo/README.md`).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from core.vocabulary import codes
from pipelines.sources.ilo.harmonise import regions

COLUMNS = (
    "edition", "publication", "year", "period", "region_label", "measure", "sex", "age_group",
    "exploitation_form", "breakdown_label", "value", "bound", "unit", "rounded_to", "confidence", "reference",
)  # fmt: skip
BOUNDS = ("exact", "lower_bound")
CONFIDENCE = ("high", "medium")
UNITS = ("persons", "per_1000_population", "usd_billion_per_year")
"""The units the dashboard and the export have texts for."""
CODE_COLUMNS = ("measure", "sex", "age_group", "exploitation_form")
"""Columns holding canonical codes of the dimension of the same name (`data/reference/vocabulary.csv`)."""
MAX_LISTED = 20


class IloFormatError(ValueError):
    """The curated ILO file is missing a column or has a cell that cannot be read."""


def newest_edition(path: Path) -> str | None:
    """The year of the newest ILO edition the file holds figures of (`2024` for `2024-profits`); None when none."""
    editions = pl.read_csv(path, infer_schema=False, columns=["edition"])["edition"].str.extract(r"^(\d{4})")
    return editions.drop_nulls().max()


def read_estimates(path: Path) -> pl.DataFrame:
    """Every figure, typed: `value` and `rounded_to` as numbers, `year` as an integer, `row` the file line."""
    rows = pl.read_csv(path, infer_schema=False, empty_string_is_null=False)
    missing = [column for column in COLUMNS if column not in rows.columns]
    if missing:
        raise IloFormatError(f"{path.name}: columns missing: {missing}")
    rows = rows.select(COLUMNS).with_columns(row=pl.int_range(2, pl.len() + 2, dtype=pl.Int64))
    typed = rows.with_columns(
        year=pl.col("year").cast(pl.Int32, strict=False),
        value=pl.col("value").cast(pl.Float64, strict=False),
        rounded_to=pl.col("rounded_to").cast(pl.Float64, strict=False),
    )
    problems = {
        "year is not a year": typed["year"].is_null(),
        "value is not a finite non-negative number": typed["value"].is_null()
        | ~typed["value"].is_finite()
        | (typed["value"] < 0),
        "rounded_to is not a number": typed["rounded_to"].is_null(),
        f"bound is not one of {BOUNDS}": ~typed["bound"].is_in(BOUNDS),
        f"confidence is not one of {CONFIDENCE}": ~typed["confidence"].is_in(CONFIDENCE),
        "reference is empty": typed["reference"] == "",
    }
    for problem, bad in problems.items():
        offenders = rows.filter(bad)
        if offenders.height:
            raise IloFormatError(f"{path.name}: {problem}: rows {offenders['row'].head(5).to_list()}")
    unknown = unknown_codes(typed)
    if unknown:
        listed = [f"{path.name}, line {line}: {problem}" for line, problem in unknown]
        more = f"; and {len(listed) - MAX_LISTED} more" if len(listed) > MAX_LISTED else ""
        raise IloFormatError("; ".join(listed[:MAX_LISTED]) + more)
    return typed


def unknown_codes(estimates: pl.DataFrame) -> list[tuple[int, str]]:
    """(line, "unknown <column> 'X'") for every code the vocabulary, the units or the edition's regions lack."""
    allowed = {column: codes(column) for column in CODE_COLUMNS} | {"unit": frozenset(UNITS)}
    found = []
    for row in estimates.iter_rows(named=True):
        found += [
            (row["row"], f"unknown {column} {row[column]!r}")
            for column in allowed
            if row[column] not in allowed[column]
        ]
        if row["region_label"] not in regions(row["edition"]):
            found.append((row["row"], f"unknown region_label {row['region_label']!r} (edition {row['edition']})"))
    return found
