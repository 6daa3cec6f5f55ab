"""Reading and validating the curated KOM figures (`data/raw/kom/kom_figures.csv`).

The file is edited by hand, so it is read the way spreadsheets save it: UTF-8 with or without a
byte-order mark, or Latin-1/Windows-1252; commas or semicolons as separators; decimal commas
(`72,2`) and spaces as thousands separators. Every problem is reported as
`<file>, line <n>: <problem> (<label or value>)`, all at once, before anything is harmonised.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from pathlib import Path

import polars as pl

from pipelines import crosswalk

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
COUNT = re.compile(r"^(\d{1,3}(?:[ \u00a0.]\d{3})+|\d+)(,0+)?$")
"""A count as Norwegian texts and spreadsheets write it: digits, with spaces or dots between thousands
(`1 116`, `1.116`), and at most a decimal comma followed by zeros (`32,0`)."""
LARGEST_COUNT = 1_000_000
"""No KOM figure counts a million people, reports or judgments: a larger value is a typing error."""
MAX_LISTED = 20


class KomFormatError(ValueError):
    """The curated KOM file has a row that cannot be read or is not allowed."""


def decode(raw: bytes) -> str:
    """The file's text: UTF-8 (a byte-order mark is dropped), else Windows-1252/Latin-1."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        try:
            return raw.decode("cp1252")
        except UnicodeDecodeError:
            return raw.decode("latin-1")


def read_rows(path: Path) -> list[tuple[int, dict[str, str]]]:
    """(line number, row) for every non-blank data line; the separator is read from the header."""
    text = decode(path.read_bytes())
    header = text.splitlines()[0] if text.strip() else ""
    delimiter = ";" if header.count(";") > header.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    names = [name.strip() for name in next(reader, [])]
    missing = [column for column in COLUMNS if column not in names]
    if missing:
        raise KomFormatError(f"{path.name}, line 1: columns missing from the header: {missing}")
    rows = []
    for cells in reader:
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(names):
            raise KomFormatError(
                f"{path.name}, line {reader.line_num}: {len(cells)} fields where the header has {len(names)} "
                f"(a separator inside an unquoted cell?)"
            )
        rows.append((reader.line_num, {name: cell.strip() for name, cell in zip(names, cells, strict=True)}))
    if not rows:
        raise KomFormatError(f"{path.name}: no figures below the header")
    return rows


def parse_number(text: str) -> float | None:
    """A whole count: `1116`, `1 116` or `1.116` is 1116; anything else (`26,2`, `1,116`, `1e20`) is None.

    Every KOM figure counts persons, reports or judgments, so a decimal is a typing error, never read.
    """
    match = COUNT.match(text)
    if not match:
        return None
    return float(re.sub(r"[ \u00a0.]", "", match[1]))


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
    rows = read_rows(path)
    validate(path, rows, last_year or date.today().year)
    frame = pl.DataFrame([{**row, "line": line} for line, row in rows], schema_overrides={"line": pl.Int64})
    span = pl.col("period").str.split("-")
    return frame.select(*COLUMNS, "line").with_columns(
        first_year=span.list.first().cast(pl.Int32),
        year=span.list.last().cast(pl.Int32),
        value=pl.col("value").map_elements(parse_number, return_dtype=pl.Float64),
        value_to=pl.col("value_to").map_elements(parse_number, return_dtype=pl.Float64),
    )
