"""Writing the pack's tables: CSV (UTF-8, byte-identical for the same rows) and one Excel workbook.

Text cells that a spreadsheet would read as a formula (beginning with `=`, `+`, `-`, `@`, a tab
or a carriage return) are neutralised with a leading apostrophe in both; numbers are written as
numbers, so a negative number stays a number.
"""

import csv
import functools
import re
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import polars as pl
import xlsxwriter

from export.tables import Table
from reporting.figures import DECIMALS
from reporting.texts import text, texts

COLUMN_NAMES_FILE = Path(__file__).with_name("column_names.csv")
"""Each pack column's name in Norwegian, written above its code in the workbook (the English description is the
column's note)."""

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


def write_workbook(
    path: Path,
    front_page: Sequence[tuple[str, str]],
    sheets: Sequence[tuple[Table, pl.DataFrame]],
    created: datetime,
) -> None:
    """A front page (label, text), then a sheet per table with its title, description and column notes.

    The workbook's creation time is `created` (the publication's), so the same inputs give the same file.
    """
    workbook = xlsxwriter.Workbook(
        str(path), {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
    )
    workbook.set_properties({"created": created})
    bold = workbook.add_format({"bold": True})
    title = workbook.add_format({"bold": True, "font_size": 14})
    front = workbook.add_worksheet("les_meg")
    front.set_column(0, 0, 28)
    front.set_column(1, 1, 110)
    for row, (label, said) in enumerate(front_page):
        front.write_string(row, 0, neutralised(label), bold)
        front.write_string(row, 1, neutralised(said))
    for table, frame in sheets:
        _write_sheet(workbook.add_worksheet(table.name[:31]), table, frame, bold, title)
    workbook.close()


@functools.cache
def column_names_nb() -> dict[str, str]:
    """{column code: its Norwegian name}, from `column_names.csv`."""
    with COLUMN_NAMES_FILE.open(encoding="utf-8", newline="") as names:
        return {row["column"]: row["name_nb"] for row in csv.DictReader(names)}


def sheet_title(table: Table) -> str:
    """The table's title in Norwegian and English (the text catalogue's), or its own title where it has none."""
    key = f"pack.table.{table.name}"
    return f"{text(key, 'nb')} / {text(key, 'en')}" if key in texts() else table.title


def _write_sheet(sheet, table: Table, frame: pl.DataFrame, bold, title) -> None:  # noqa: ANN001 - xlsxwriter objects
    sheet.write_string(0, 0, sheet_title(table), title)
    sheet.write_string(1, 0, table.description)
    names_row, header_row = 2, 3
    for column, field in enumerate(table.fields):
        sheet.write_string(names_row, column, column_names_nb().get(field.name, field.name))
        sheet.write_string(header_row, column, field.name, bold)
        sheet.write_comment(header_row, column, field.description)
        sheet.set_column(column, column, 14 if field.type != "string" else 22)
    for row_number, row in enumerate(rows(frame, table), start=header_row + 1):
        for column, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, bool):
                sheet.write_boolean(row_number, column, value)
            elif isinstance(value, str):
                sheet.write_string(row_number, column, value)
            else:
                sheet.write_number(row_number, column, value)
    sheet.freeze_panes(header_row + 1, 0)
    sheet.autofilter(header_row, 0, header_row + max(frame.height, 1), len(table.fields) - 1)
