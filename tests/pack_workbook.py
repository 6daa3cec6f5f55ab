"""Reading the pack's workbooks as a reader's spreadsheet does: each sheet's named Excel table, by its headers."""

from pathlib import Path

import openpyxl
from openpyxl.utils import range_boundaries

from reporting.texts import text


def workbook_of(pack: Path, language: str = "nb") -> openpyxl.Workbook:
    """The pack's workbook in `language` (`<name>.xlsx` in Norwegian, `<name>-en.xlsx` in English)."""
    return openpyxl.load_workbook(pack / (f"{pack.name}.xlsx" if language == "nb" else f"{pack.name}-{language}.xlsx"))


def table_rows(workbook: openpyxl.Workbook, table: str, language: str = "nb") -> list[dict[str, object]]:
    """The rows of the pack table `table` (its Excel table on its sheet), keyed by the header in `language`."""
    sheet = workbook[text(f"pack.sheet.{table}", language)[:31]]
    first_column, first_row, last_column, last_row = range_boundaries(sheet.tables[table].ref)
    cells = [
        [sheet.cell(row, column).value for column in range(first_column, last_column + 1)]
        for row in range(first_row, last_row + 1)
    ]
    return [dict(zip(cells[0], row, strict=True)) for row in cells[1:]]
