"""Writing the pack's tables as CSV (UTF-8, byte-identical for the same rows); the workbooks are `export.workbook`'s.

Text cells that a spreadsheet would read as a formula (beginning with `=`, `+`, `-`, `@`, a tab
or a carriage return) are neutralised with a leading apostrophe in both; numbers are written as
numbers, so a negative number stays a number.
"""

import csv
import re
from pathlib import Path

import polars as pl

from export.tables import Table
from reporting.figures import DECIMALS

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")


def neutralised(text: str) -> str:
    """`text`, with a leading apostrophe if a spreadsheet would otherwise run it as a formula.

    A plain number written as text (a count in the `value` column, which also holds `<5`) is left as it is.
    """
    if text.startswith(FORMULA_STARTS) and not NUMBER.fullmatch(text):
        return "'" + text
    return text


def cell(value: object, field_type: str) -> str | int | float | None:
    """A cell as it is written: text neutralised, integers as integers, other numbers rounded."""
    if value is None:
        return None
    if field_type == "string":
        return neutralised(str(value))
    if field_type == "integer":
        return int(value)
    if field_type == "number":
        rounded = round(float(value), DECIMALS)
        return int(rounded) if rounded.is_integer() else rounded
    return value


def rows(frame: pl.DataFrame, table: Table) -> list[list[str | int | float | None]]:
    types = [field.type for field in table.fields]
    return [[cell(value, kind) for value, kind in zip(row, types, strict=True)] for row in frame.iter_rows()]


def write_csv(path: Path, frame: pl.DataFrame, table: Table) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow([field.name for field in table.fields])
        for row in rows(frame, table):
            writer.writerow(["" if value is None else value for value in row])
