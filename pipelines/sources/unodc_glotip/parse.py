"""Reading UNODC's GLOTIP workbook (`data_glotip.xlsx`) into a tidy staging frame.

What the file really looks like: two title rows above the header in some releases (found here by
the header's names), every value as text (`1,116`, `<5`), and a key that is not unique: some
categories ("Other forms of exploitation") come as several rows that are parts of one figure.
"""

from __future__ import annotations

import re
from pathlib import Path

import fastexcel
import polars as pl

SHEET = "data_glotip_1"
HEADER_SEARCH_ROWS = 25
SUPPRESSED_LABEL = "<5"
SUPPRESSED_BOUNDS = (1.0, 4.0)
COUNT_FORMAT = r"^(\d{1,3}(,\d{3})+|\d+)$"
"""A count as the workbook writes it: digits, with commas between thousands only (`1,116`; never `2,5,4`)."""
LARGEST_COUNT = 10_000_000
"""No country records ten million victims, suspects or offences in a year: a larger count is a broken cell."""
TOTAL = "Total"

COLUMNS = {
    "Iso3_code": "iso3",
    "Country": "country",
    "Region": "region",
    "Subregion": "subregion",
    "Indicator": "indicator",
    "Dimension": "dimension",
    "Category": "category",
    "Sex": "sex",
    "Age": "age",
    "Year": "year",
    "Unit of measurement": "unit",
    "txtVALUE": "value_text",
    "Source": "source_name",
}
"""Source columns and their staging names; all must be present."""

KEY = ("iso3", "country", "indicator", "dimension", "category", "sex", "age", "year")
"""The source's key, which the file does not keep unique."""


class GlotipFormatError(ValueError):
    """The workbook is not laid out as GLOTIP releases are, or a cell cannot be read."""


def read_rows(path: Path) -> pl.DataFrame:
    """The data rows as text, with their 1-based row number in the sheet (`sheet_row`); blank rows are skipped.

    The sheet is read once, without trusting a declared size or a header position: the header is
    the first row (among the top rows) that holds every column name.
    """
    workbook = _open(path)
    table = workbook.load_sheet(_data_sheet(workbook, path), header_row=None, dtypes="string").to_polars()
    header_index = _find_header(table.head(HEADER_SEARCH_ROWS), path)
    header = [None if cell is None else str(cell).strip() for cell in table.row(header_index)]
    position = {name: header.index(name) for name in COLUMNS}
    rows = table.slice(header_index + 1)
    if rows.is_empty():
        raise GlotipFormatError(f"{path.name}, sheet {SHEET}: no data rows below the header (row {header_index + 1})")
    named = rows.select(
        pl.col(rows.columns[position[source]]).alias(target) for source, target in COLUMNS.items()
    ).with_columns(sheet_row=pl.int_range(header_index + 2, header_index + 2 + pl.len(), dtype=pl.Int64))
    return named.filter(~pl.all_horizontal(pl.col(target).is_null() for target in COLUMNS.values()))


def _open(path: Path) -> fastexcel.ExcelReader:
    try:
        return fastexcel.read_excel(path)
    except Exception as error:  # fastexcel raises its own error types per failure
        raise GlotipFormatError(f"{path.name}: not a readable Excel workbook ({error})") from error


RELEASE_DAY = r"^(\d{2})/(\d{2})/(\d{4})$"
"""The release date UNODC writes in a cell above the header (`30/05/2023` in the release of May 2023)."""


def release_day(path: Path) -> str | None:
    """The workbook's own release date (`2023-05-30`), from the first cell above the header that holds one; None
    when it has none. The top rows only, and only that sheet."""
    top = _open(path).load_sheet(SHEET, header_row=None, n_rows=HEADER_SEARCH_ROWS, dtypes="string").to_polars()
    for row in top.iter_rows():
        if set(COLUMNS) <= {str(cell).strip() for cell in row if cell is not None}:
            return None
        for cell in row:
            if found := re.match(RELEASE_DAY, str(cell or "").strip()):
                day, month, year = found.groups()
                return f"{year}-{month}-{day}"
    return None


def _data_sheet(workbook: fastexcel.ExcelReader, path: Path) -> int:
    """The position of the one visible sheet named `SHEET`.

    A workbook with a hidden data sheet (a name starting with `SHEET`'s stem) or two sheets named `SHEET` is
    refused naming them: a hidden old copy would otherwise be read in place of the sheet a reader sees.
    """
    names = workbook.sheet_names
    if SHEET not in names:
        raise GlotipFormatError(f"{path.name}: no sheet {SHEET!r} (sheets: {names})")
    stem = SHEET.rstrip("0123456789")
    data_sheets = [index for index, name in enumerate(names) if name.startswith(stem)]
    hidden = [names[index] for index in data_sheets if workbook.load_sheet(index, n_rows=0).visible != "visible"]
    if hidden:
        raise GlotipFormatError(
            f"{path.name}: hidden data sheet(s) {hidden}; a hidden copy is not read in place of the sheet readers "
            f"see (sheets: {names})"
        )
    if names.count(SHEET) > 1:
        raise GlotipFormatError(f"{path.name}: {names.count(SHEET)} sheets are named {SHEET!r} (sheets: {names})")
    return names.index(SHEET)


def _find_header(top: pl.DataFrame, path: Path) -> int:
    """The 0-based index of the row holding every column name, among the sheet's top rows."""
    wanted = set(COLUMNS)
    best_index, best_missing = 0, sorted(wanted)
    for index, row in enumerate(top.iter_rows()):
        missing = sorted(wanted - {str(cell).strip() for cell in row if cell is not None})
        if not missing:
            return index
        if len(missing) < len(best_missing):
            best_index, best_missing = index, missing
    raise GlotipFormatError(
        f"{path.name}, sheet {SHEET}: no header row with all the columns in the first {HEADER_SEARCH_ROWS} rows; "
        f"the closest, row {best_index + 1}, lacks {best_missing}"
    )


def parse_values(rows: pl.DataFrame, file_name: str) -> pl.DataFrame:
    """Typed year and values: `1,116` is 1116; `<5` is a null value with bounds [1, 4].

    A year that is not four digits, an empty value cell, or a value that is neither a non-negative
    whole number (commas between thousands only) nor `<5`, or a count above `LARGEST_COUNT`, raises
    `GlotipFormatError` naming the file and the sheet row.
    """
    text = pl.col("value_text").str.strip_chars()
    digits = text.str.replace_all(",", "", literal=True)
    parsed = rows.with_columns(
        year=pl.col("year").str.strip_chars().str.replace(r"\.0$", ""),
        suppressed=(text == SUPPRESSED_LABEL).fill_null(False),
        value=pl.when(text.str.contains(COUNT_FORMAT)).then(digits.cast(pl.Float64, strict=False)),
    )
    _fail_on(parsed, ~pl.col("year").str.contains(r"^(19|20)\d\d$"), "year", "year is not a four-digit year", file_name)
    _fail_on(
        parsed,
        text.fill_null("") == "",
        "value_text",
        "value cell is empty (no figure, or a formula without a value)",
        file_name,
    )
    negative = digits.str.contains(r"^[-\u2212]\d+$")
    _fail_on(parsed, negative, "value_text", "value is negative: a count cannot be below 0", file_name)
    _fail_on(
        parsed,
        pl.col("value").is_null() & ~pl.col("suppressed"),
        "value_text",
        "value is neither a count (digits, commas between thousands) nor <5",
        file_name,
    )
    _fail_on(parsed, pl.col("value") > LARGEST_COUNT, "value_text", f"count above {LARGEST_COUNT:,}", file_name)
    _fail_on_repeated_totals(parsed, file_name)
    low, high = SUPPRESSED_BOUNDS
    return parsed.with_columns(
        year=pl.col("year").cast(pl.Int32),
        value_low=pl.when(pl.col("suppressed")).then(pl.lit(low)).otherwise(pl.col("value")),
        value_high=pl.when(pl.col("suppressed")).then(pl.lit(high)).otherwise(pl.col("value")),
    )


def _fail_on(frame: pl.DataFrame, bad: pl.Expr, column: str, problem: str, file_name: str) -> None:
    offenders = frame.filter(bad)
    if offenders.height:
        shown = ", ".join(
            f"row {row} ({value!r})" for row, value in offenders.select("sheet_row", column).head(5).iter_rows()
        )
        more = f" and {offenders.height - 5} more" if offenders.height > 5 else ""
        raise GlotipFormatError(f"{file_name}, sheet {SHEET}: {problem}: {shown}{more}")


def _fail_on_repeated_totals(parsed: pl.DataFrame, file_name: str) -> None:
    """A row that counts everyone (no breakdown) has no parts: a second row with its key is a copy, refused.

    Breakdown rows may repeat a key (several "Other" sexes, several forms within "Other forms of
    exploitation"): those are parts and are summed (`sum_parts`).
    """
    everyone = pl.all_horizontal(pl.col(column) == TOTAL for column in ("dimension", "category", "sex", "age"))
    repeated = parsed.filter(everyone & pl.struct(list(KEY)).is_duplicated())
    if repeated.height:
        groups = repeated.group_by(KEY, maintain_order=True).agg(pl.col("sheet_row").sort())
        shown = "; ".join(
            f"rows {', '.join(map(str, row['sheet_row']))} ({row['country']}, {row['indicator']}, {row['year']})"
            for row in groups.head(5).iter_rows(named=True)
        )
        more = f" and {groups.height - 5} more" if groups.height > 5 else ""
        raise GlotipFormatError(
            f"{file_name}, sheet {SHEET}: a total (no breakdown) given more than once, so not a sum of parts: "
            f"{shown}{more}"
        )


def sum_parts(parsed: pl.DataFrame) -> pl.DataFrame:
    """One row per source key: parts are summed, values and bounds alike.

    The value is known only if every part is known; the bounds always add up. `parts` counts
    the rows summed and `sheet_rows` names them.
    """
    return (
        parsed.group_by(KEY, maintain_order=True)
        .agg(
            pl.col("region", "subregion", "unit").first(),
            value=pl.when(pl.col("value").null_count() == 0).then(pl.col("value").sum()),
            value_low=pl.col("value_low").sum(),
            value_high=pl.col("value_high").sum(),
            suppressed=pl.col("suppressed").any(),
            parts=pl.len().cast(pl.Int32),
            sheet_rows=pl.col("sheet_row").cast(pl.String).str.join(","),
        )
        .sort("iso3", "indicator", "dimension", "category", "sex", "age", "year", nulls_last=True)
    )


def read_glotip(path: Path) -> pl.DataFrame:
    """The GLOTIP workbook as a staging frame: one row per source key, typed, parts summed."""
    return sum_parts(parse_values(read_rows(path), path.name))
