"""Reading and validating the curated KOM figures (`data/raw/kom/kom_figures.csv`).

The file is edited by hand, so it is read the way spreadsheets save it (`pipelines.curated.read_rows`).
Every problem is reported as
`<file>, line <n>: <problem> (<label or value>)`, all at once, before anything is harmonised.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import polars as pl

from pipelines import crosswalk
from pipelines.curated import parse_number, read_rows

CROSSWALK = "kom"
COLUMNS = (
    "period", "period_type", "measure_nb", "sex_nb", "age_nb", "exploitation_nb", "nationality_nb",
    "qualifier", "value", "value_to", "publication", "reference", "location", "confidence", "note",
)  # fmt: skip
LABEL_FIELDS = {
    "period_type": "period_type",
    "measure_nb": "measure",
    "sex_nb": "sex",
    "age_nb": "age",
    "exploitation_nb": "exploitation",
    "nationality_nb": "nationality",
    "qualifier": "qualifier",
}
"""File column -> crosswalk field: every label must be in `data/reference/crosswalks/kom.csv`."""
REFERENCE_COLUMNS = ("publication", "reference", "location")
KEY_COLUMNS = ("period", "measure_nb", "sex_nb", "age_nb", "exploitation_nb", "nationality_nb")
CONFIDENCE = ("high", "medium", "low")
FIRST_YEAR = 2003
"""Trafficking became a specific offence in Norway in 2003; no KOM figure is older."""
PERIOD = re.compile(r"^(\d{4})(?:-(\d{4}))?$")
LARGEST_COUNT = 1_000_000
"""No KOM figure counts a million people, reports or judgments: a larger value is a typing error."""
MAX_LISTED = 20


KOM_REPORT = re.compile(
    r"KOM (?:tilstandsrapport|årsrapport|status report|(\d{4}) figures)(?: (\d{4}))?"
    r"|Report from the Coordinating Unit for Victims of Trafficking (\d{4})",
    re.IGNORECASE,
)
"""How a row's publication names the KOM report its figures come from (`KOM tilstandsrapport 2023`, `KOM
årsrapport 2009`, `KOM status report 2012`, `KOM 2014 figures`), and the year of that report."""


def report_year(path: Path) -> str | None:
    """The year of the newest KOM report the file's rows cite (`2023`); None when no row names one."""
    years = [
        int(year)
        for _, row in read_rows(path, ("publication",), KomFormatError)
        for found in KOM_REPORT.finditer(row["publication"])
        for year in found.groups()
        if year
    ]
    return str(max(years)) if years else None


class KomFormatError(ValueError):
    """The curated KOM file has a row that cannot be read or is not allowed."""


def row_problems(row: dict[str, str], last_year: int) -> list[str]:
    """What is wrong with one row, each problem naming the offending label or value."""
    problems = []
    for column, field in LABEL_FIELDS.items():
        if row[column] not in crosswalk.mapping(CROSSWALK, field):
            problems.append(f"unknown {column} {row[column]!r} (not in crosswalk {CROSSWALK}, field {field})")
    match = PERIOD.match(row["period"])
    if not match:
        problems.append(f"period {row['period']!r} is not a year or a span like 2003-2024")
    else:
        first, last = int(match[1]), int(match[2] or match[1])
        if not FIRST_YEAR <= first <= last <= last_year:
            problems.append(f"period {row['period']!r} is out of range {FIRST_YEAR}-{last_year} or runs backwards")
        is_span = match[2] is not None
        if row["period_type"] == "year" and is_span:
            problems.append(f"period {row['period']!r} is a span but period_type is 'year'")
        if row["period_type"] in ("cumulative", "per_year") and not is_span:
            problems.append(f"period {row['period']!r} is one year but period_type is {row['period_type']!r}")
    value = parse_number(row["value"])
    if value is None and parse_number(row["value"].lstrip("-\u2212")) is not None:
        problems.append(f"value {row['value']!r} is negative: a count cannot be below 0")
    elif value is None:
        problems.append(f"value {row['value']!r} is not a whole count (digits, spaces or dots between thousands)")
    elif value > LARGEST_COUNT:
        problems.append(f"value {row['value']!r} is above {LARGEST_COUNT:,}: not a plausible count")
    is_range = "range" in crosswalk.mapping(CROSSWALK, "qualifier").get(row["qualifier"], "")
    if is_range:
        upper = parse_number(row["value_to"])
        if upper is None or (value is not None and upper < value):
            problems.append(f"value_to {row['value_to']!r} is not a number at or above value for a range")
    elif row["value_to"]:
        problems.append(f"value_to {row['value_to']!r} given but qualifier {row['qualifier']!r} is not a range")
    empty = [column for column in REFERENCE_COLUMNS if not row[column]]
    if empty:
        problems.append(f"missing reference: {', '.join(empty)} empty")
    if row["confidence"] not in CONFIDENCE:
        problems.append(f"confidence {row['confidence']!r} is not one of {CONFIDENCE}")
    return problems


def validate(path: Path, rows: list[tuple[int, dict[str, str]]], last_year: int) -> None:
    """Raise `KomFormatError` listing every bad line of the file, or return quietly."""
    problems: list[str] = []
    first_seen: dict[tuple[str, ...], int] = {}
    for line, row in rows:
        problems += [f"{path.name}, line {line}: {problem}" for problem in row_problems(row, last_year)]
        key = tuple(row[column] for column in KEY_COLUMNS)
        if key in first_seen:
            problems.append(
                f"{path.name}, line {line}: duplicates line {first_seen[key]} "
                f"({', '.join(f'{c}={v!r}' for c, v in zip(KEY_COLUMNS, key, strict=True))})"
            )
        first_seen.setdefault(key, line)
    if problems:
        more = f"; and {len(problems) - MAX_LISTED} more" if len(problems) > MAX_LISTED else ""
        raise KomFormatError("; ".join(problems[:MAX_LISTED]) + more)


def read_figures(path: Path, last_year: int | None = None) -> pl.DataFrame:
    """Every curated figure, validated and typed; `line` is the figure's line in the file.

    `last_year` (default: the current year) is the latest year a figure may refer to.
    """
    rows = read_rows(path, COLUMNS, KomFormatError)
    validate(path, rows, last_year or date.today().year)
    frame = pl.DataFrame([{**row, "line": line} for line, row in rows], schema_overrides={"line": pl.Int64})
    span = pl.col("period").str.split("-")
    return frame.select(*COLUMNS, "line").with_columns(
        first_year=span.list.first().cast(pl.Int32),
        year=span.list.last().cast(pl.Int32),
        value=pl.col("value").map_elements(parse_number, return_dtype=pl.Float64),
        value_to=pl.col("value_to").map_elements(parse_number, return_dtype=pl.Float64),
    )
