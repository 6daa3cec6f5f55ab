"""A chart's figures as a reader downloads them: a table Excel opens as it is, in the reader's language.

Norwegian Excel reads a semicolon-separated file with a decimal comma, and takes it as UTF-8 only with a byte
order mark; English Excel reads commas and a decimal point. Headers are words (`download.<column>` in the text
catalogue), sources and places are named, numbers carry no `.0`, and no code, file name or line number is
written: the figure as shown (`<5`, `om lag 200`) stands beside the value.
"""

import polars as pl

from reporting.figures import plain_number
from reporting.texts import text
from reporting.words import place_names, publication_named

COLUMNS = (
    "series",
    "geo",
    "year",
    "period",
    "category",
    "shown",
    "value",
    "value_low",
    "value_high",
    "rate",
    "source",
    "source_location",
)
"""The columns given to readers, in this order (those a frame has)."""
NUMBERS = ("value", "value_low", "value_high", "rate")
BOM = "\ufeff"


def excel_csv(frame: pl.DataFrame, language: str) -> bytes:
    """A chart's data (`frame`, the marts' columns) as CSV for Excel in `language`: its reader columns, worded."""
    written = {
        text(f"download.{column}", language): [_cell(column, value, language) for value in frame[column].to_list()]
        for column in COLUMNS
        if column in frame.columns
    }
    return excel_table(pl.DataFrame(written, schema=dict.fromkeys(written, pl.String)), language)


def excel_table(table: pl.DataFrame, language: str) -> bytes:
    """A table already in the reader's words as CSV for Excel in `language`: UTF-8 with a byte order mark, `;` in
    Norwegian (whose decimal sign is the comma), `,` in English."""
    separator = ";" if language == "nb" else ","
    return (BOM + table.write_csv(separator=separator)).encode("utf-8")


def _cell(column: str, value: object, language: str) -> str:
    if value is None:
        return ""
    if column in NUMBERS:
        number = plain_number(float(value))
        return number.replace(".", ",") if language == "nb" else number
    if column == "source":
        return text(f"source.{value}", language)
    if column == "geo":
        return place_names(language).get(str(value), str(value))
    if column == "source_location":
        return publication_named(str(value))
    return str(value).replace("-", "–") if column == "period" else str(value)
