"""Reading and validating the curated TIP figures (`data/raw/tip/tip_figures.csv`).

One row per figure as an edition of the US Trafficking in Persons report printed it: the edition (the
report's year), the period it counts (`2016`, or `2003-2016` for a figure since 2003), Norway or the world,
the measure and breakdown in the report's own words, and either a whole count (`value`, with `qualifier`
`about` when the report says approximately) or, for a year the report describes only in words, `words`
(`more`, `fewer`, `none`, `not reported`) and no value. The same year printed again by a later edition is
a second row with that edition. Every problem is reported as `<file>, line <n>: <problem>`, all at once.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import polars as pl

from pipelines import crosswalk
from pipelines.curated import parse_number, read_rows

CROSSWALK = "tip"
COLUMNS = (
    "edition", "period", "geo", "measure", "exploitation", "age", "sex", "value", "qualifier", "words",
    "place", "reference", "confidence", "note",
)  # fmt: skip
LABEL_FIELDS = {
    "measure": "measure",
    "exploitation": "exploitation",
    "age": "age",
    "sex": "sex",
    "qualifier": "qualifier",
    "words": "words",
}
"""File column -> crosswalk field: every label must be in `data/reference/crosswalks/tip.csv`."""
KEY_COLUMNS = ("edition", "period", "geo", "measure", "exploitation", "age", "sex")
GEOS = ("NOR", "WORLD")
TIERS = (1, 2, 3)
"""Tier 1, 2 and 3 as numbers; the Watch List (between 2 and 3) has no row yet and would need its own code."""
CONFIDENCE = ("high", "medium")
FIRST_EDITION = 2001
FIRST_YEAR = 2003
"""Norway is in the report from the 2003 edition, and the world law enforcement table from data year 2003."""
PERIOD = re.compile(r"^(\d{4})(?:-(\d{4}))?$")
MAX_LISTED = 20


class TipFormatError(ValueError):
    """The curated TIP file has a row that cannot be read or is not allowed."""


def label_problems(row: dict[str, str]) -> list[str]:
    problems = [
        f"unknown {column} {row[column]!r} (not in crosswalk {CROSSWALK}, field {field})"
        for column, field in LABEL_FIELDS.items()
        if row[column] not in crosswalk.mapping(CROSSWALK, field)
    ]
    if row["geo"] not in GEOS:
        problems.append(f"geo {row['geo']!r} is not one of {GEOS}")
    if row["confidence"] not in CONFIDENCE:
        problems.append(f"confidence {row['confidence']!r} is not one of {CONFIDENCE}")
    empty = [column for column in ("place", "reference") if not row[column]]
    if empty:
        problems.append(f"missing reference: {', '.join(empty)} empty")
    return problems


def time_problems(row: dict[str, str], last_year: int) -> list[str]:
    """The edition is a year up to `last_year`; the period a year or span from 2003 and not after its edition."""
    if not row["edition"].isdigit() or not FIRST_EDITION <= int(row["edition"]) <= last_year:
        return [f"edition {row['edition']!r} is not a report year {FIRST_EDITION}-{last_year}"]
    match = PERIOD.match(row["period"])
    if not match:
        return [f"period {row['period']!r} is not a year or a span like 2003-2016"]
    first, last = int(match[1]), int(match[2] or match[1])
    if not FIRST_YEAR <= first <= last <= int(row["edition"]):
        span = f"{FIRST_YEAR}-{row['edition']}"
        return [f"period {row['period']!r} is out of range {span} (up to its edition) or runs backwards"]
    return []


def value_problems(row: dict[str, str]) -> list[str]:
    """A figure has a whole count or words, never both and never neither; a tier is 1, 2 or 3."""
    if row["words"] and row["value"]:
        return [f"value {row['value']!r} and words {row['words']!r}: a year stated in words has no number"]
    if row["words"]:
        return [f"qualifier {row['qualifier']!r} given for a year stated in words"] if row["qualifier"] else []
    value = parse_number(row["value"])
    if value is None:
        return [f"value {row['value']!r} is not a whole count, and no words are given"]
    if row["measure"] == "tier placement" and value not in TIERS:
        return [f"tier {row['value']!r} is not one of {TIERS}"]
    return []


def validate(path: Path, rows: list[tuple[int, dict[str, str]]], last_year: int) -> None:
    """Raise `TipFormatError` listing every bad line of the file, or return quietly."""
    problems: list[str] = []
    first_seen: dict[tuple[str, ...], int] = {}
    for line, row in rows:
        found = label_problems(row) + time_problems(row, last_year) + value_problems(row)
        problems += [f"{path.name}, line {line}: {problem}" for problem in found]
        key = tuple(row[column] for column in KEY_COLUMNS)
        if key in first_seen:
            same = f"duplicates line {first_seen[key]} (same edition, period and series)"
            problems.append(f"{path.name}, line {line}: {same}")
        first_seen.setdefault(key, line)
    if problems:
        more = f"; and {len(problems) - MAX_LISTED} more" if len(problems) > MAX_LISTED else ""
        raise TipFormatError("; ".join(problems[:MAX_LISTED]) + more)


def read_figures(path: Path, last_year: int | None = None) -> pl.DataFrame:
    """Every curated figure, validated and typed; `line` is the figure's line in the file.

    `last_year` (default: the current year) is the latest edition the file may hold.
    """
    rows = read_rows(path, COLUMNS, TipFormatError)
    validate(path, rows, last_year or date.today().year)
    frame = pl.DataFrame([{**row, "line": line} for line, row in rows], schema_overrides={"line": pl.Int64})
    return frame.select(*COLUMNS, "line").with_columns(
        edition=pl.col("edition").cast(pl.Int32),
        year=pl.col("period").str.split("-").list.last().cast(pl.Int32),
        value=pl.col("value").map_elements(parse_number, return_dtype=pl.Float64),
    )


def newest_edition(path: Path) -> str | None:
    """The newest edition (report year) the curated file holds figures of; None when it holds none."""
    editions = pl.read_csv(path, infer_schema=False, columns=["edition"])["edition"].str.extract(r"^(\d{4})")
    return editions.drop_nulls().max()
