"""The pack's workbooks, one in Norwegian and one in English, by the UK Government Analysis Function's guidance
for releasing statistics in spreadsheets (https://analysisfunction.civilservice.gov.uk/policy-store/
releasing-statistics-in-spreadsheets/).

Each workbook has a cover sheet (title, publishing body, contact, period, publication and its date, next
expected updates, how to cite), a contents sheet linking every sheet, a notes sheet whose numbered notes the
tables refer to, and a sheet of columns saying what each holds; then one sheet per table: its title, what it
holds, its notes and its citation in column A above the table, and the table itself with one header row as a
named Excel table. Numbers are stored as numbers; a cell with no number holds a symbol instead of being empty:
`[c]` a small or hidden count (its words, such as `<5`, are in the column beside), `[x]` not available, `[z]`
not applicable. Each figure is also written in words (`om lag 290`, `120–160`, `minst 5`), its flags in
words (`[u]` marks synthetic data, of low reliability), and with a citation ready to paste in place of the
machine's location and file id (those stay in the CSV files and the data package).
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from export.columns import Field
from export.writers import neutralised
from reporting.texts import text

CONFIDENTIAL, NOT_AVAILABLE, NOT_APPLICABLE, LOW_RELIABILITY = "[c]", "[x]", "[z]", "[u]"
NOTES = (1, 2, 3, 4)
"""The notes every table of figures refers to (`pack.note.<n>`): small counts, words, symbols, definitions."""
HEADER_ROW = 4
"""The row (from 0) of a table's one header row: title, description, notes and citation stand above it."""


@dataclass(frozen=True)
class ReaderTable:
    """A table as a reader of one language meets it in the workbook."""

    name: str
    """The Excel table's name (the pack table's code)."""
    language: str
    sheet: str
    heading: str
    about: str
    citation: str | None
    fields: tuple[Field, ...]
    rows: list[list[object]]
    has_figures: bool


def sheet_name(table: str, language: str) -> str:
    """A table's sheet name in `language` (the text `pack.sheet.<table>`, at most 31 characters)."""
    return text(f"pack.sheet.{table}", language)[:31]


def write_workbook(
    path: Path, language: str, cover: Sequence[tuple[str, str]], tables: Sequence[ReaderTable], created: datetime
) -> None:
    """The workbook in `language`: cover, contents, notes, columns, then a sheet per table.

    Its creation time is `created` (the publication's), so the same inputs give the same file.
    """
    workbook = xlsxwriter.Workbook(
        str(path), {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
    )
    workbook.set_properties({"created": created, "title": cover[0][1] if cover else ""})
    formats = {
        "title": workbook.add_format({"bold": True, "font_size": 16}),
        "heading": workbook.add_format({"bold": True, "font_size": 13}),
        "wrap": workbook.add_format({"text_wrap": True, "valign": "top"}),
    }
    _cover_sheet(workbook.add_worksheet(text("pack.sheet.cover", language)), cover, formats)
    _contents_sheet(workbook.add_worksheet(text("pack.sheet.contents", language)), language, tables, formats)
    notes = [
        (f"[{text('pack.note.word', language)} {number}]", text(f"pack.note.{number}", language)) for number in NOTES
    ]
    _table_sheet(workbook.add_worksheet(text("pack.sheet.notes", language)), _notes_table(notes, language), formats)
    _table_sheet(
        workbook.add_worksheet(text("pack.sheet.columns", language)), _columns_table(tables, language), formats
    )
    for table in tables:
        _table_sheet(workbook.add_worksheet(table.sheet), table, formats)
    workbook.close()


def _cover_sheet(sheet: Worksheet, cover: Sequence[tuple[str, str]], formats: Mapping) -> None:
    """Title in A1, then each heading with its text below it, all in column A."""
    sheet.set_column(0, 0, 120, formats["wrap"])
    title, *lines = cover
    sheet.write_string(0, 0, neutralised(title[1]), formats["title"])
    for number, (heading, said) in enumerate(lines):
        sheet.write_string(2 + 2 * number, 0, neutralised(heading), formats["heading"])
        sheet.write_string(3 + 2 * number, 0, neutralised(said), formats["wrap"])


def _contents_sheet(sheet: Worksheet, language: str, tables: Sequence[ReaderTable], formats: Mapping) -> None:
    """One row per sheet: its name, linked to it, and its title and description."""
    sheet.write_string(0, 0, text("pack.sheet.contents", language), formats["title"])
    sheet.write_string(1, 0, text("pack.contents.about", language))
    headers = [text(f"pack.contents.{column}", language) for column in ("sheet", "title", "about_column")]
    linked = [
        (text("pack.sheet.notes", language), text("pack.sheet.notes", language), text("pack.notes.about", language)),
        (
            text("pack.sheet.columns", language),
            text("pack.sheet.columns", language),
            text("pack.columns.about", language),
        ),
        *[(table.sheet, table.heading, table.about) for table in tables],
    ]
    first = 3
    sheet.add_table(first, 0, first + len(linked), 2, {"name": "contents", "columns": [{"header": h} for h in headers]})
    for row, (name, heading, about) in enumerate(linked, start=first + 1):
        sheet.write_url(row, 0, f"internal:'{name}'!A1", string=name)
        sheet.write_string(row, 1, neutralised(heading))
        sheet.write_string(row, 2, neutralised(about))
    sheet.set_column(0, 0, 32)
    sheet.set_column(1, 1, 60)
    sheet.set_column(2, 2, 100)


def _notes_table(notes: Sequence[tuple[str, str]], language: str) -> ReaderTable:
    fields = (_plain("notes_number", language), _plain("notes_text", language))
    rows = [[number, said] for number, said in notes]
    sheet = text("pack.sheet.notes", language)
    return ReaderTable("notes", language, sheet, sheet, text("pack.notes.about", language), None, fields, rows, False)


def _columns_table(tables: Sequence[ReaderTable], language: str) -> ReaderTable:
    fields = tuple(_plain(code, language) for code in ("columns_sheet", "columns_name", "columns_about"))
    rows = [
        [table.sheet, column.label(language), column.explained(language)] for table in tables for column in table.fields
    ]
    sheet = text("pack.sheet.columns", language)
    return ReaderTable(
        "columns", language, sheet, sheet, text("pack.columns.about", language), None, fields, rows, False
    )


def _plain(code: str, language: str) -> Field:
    """A column of the workbook's own sheets (notes, columns), named by the text `pack.column.<code>`."""
    name = text(f"pack.column.{code}", language)
    return Field(code, "string", (name, name), (name, name))


def _table_sheet(sheet: Worksheet, table: ReaderTable, formats: Mapping) -> None:
    """Title, description, notes and citation in column A, then the table: one header row, a named Excel table."""
    sheet.write_string(0, 0, neutralised(table.heading), formats["title"])
    sheet.write_string(1, 0, neutralised(table.about))
    sheet.write_string(2, 0, _notes_line(table))
    if table.citation:
        sheet.write_string(3, 0, neutralised(table.citation))
    if not table.rows:
        sheet.write_string(HEADER_ROW, 0, text("pack.sheet.empty", table.language))
        return
    headers = _unique([column.label(table.language) for column in table.fields])
    sheet.add_table(
        HEADER_ROW,
        0,
        HEADER_ROW + len(table.rows),
        len(headers) - 1,
        {"name": table.name, "columns": [{"header": header} for header in headers], "style": "Table Style Light 1"},
    )
    for row_number, row in enumerate(table.rows, start=HEADER_ROW + 1):
        for column, value in enumerate(row):
            _write(sheet, row_number, column, value)
    for column, kind in enumerate(column.type for column in table.fields):
        sheet.set_column(column, column, 14 if kind != "string" else 28)
    sheet.freeze_panes(HEADER_ROW + 1, 0)


def _notes_line(table: ReaderTable) -> str:
    """Which notes the table refers to, or that it has none (the guidance asks a table to say either)."""
    if not table.has_figures:
        return text("pack.sheet.no_notes", table.language)
    word = text("pack.note.word", table.language)
    return text("pack.sheet.notes_line", table.language, notes=", ".join(f"[{word} {number}]" for number in NOTES))


def _unique(headers: list[str]) -> list[str]:
    """Excel table headers must differ: a repeated one gets its position added."""
    seen: dict[str, int] = {}
    unique = []
    for header in headers:
        seen[header] = seen.get(header, 0) + 1
        unique.append(header if seen[header] == 1 else f"{header} ({seen[header]})")
    return unique


def _write(sheet: Worksheet, row: int, column: int, value: object) -> None:
    if value is None:
        sheet.write_string(row, column, NOT_APPLICABLE)
    elif isinstance(value, bool):
        sheet.write_boolean(row, column, value)
    elif isinstance(value, int | float):
        sheet.write_number(row, column, value)
    else:
        sheet.write_string(row, column, neutralised(str(value)))
