"""A pack table as a reader of one language meets it in the workbook (`export.workbook`).

The CSV files keep the machine's columns (codes, `source_location`, `provenance_id`); the workbook gives the
reader the same rows with each figure as a number or a symbol and in words, flags in words, and a citation
ready to paste instead of the location and the file id (`export.citations`).
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass

import polars as pl

from core.sources import register
from export.citations import FILE_IN_BRACKETS, address_of, figure_citation, read_on
from export.columns import Field, field
from export.tables import Table
from export.workbook import CONFIDENTIAL, LOW_RELIABILITY, NOT_AVAILABLE, ReaderTable, sheet_name
from export.writers import cell
from reporting.figures import reader_style, shown
from reporting.texts import text
from reporting.words import moment_text, release_text

MACHINE_COLUMNS = frozenset({"provenance_id", "population_provenance_id", "fetched_from", "sha256", "table"})
"""Columns for the machine only: ids, local paths, checksums and table names stay in the CSV files."""
FIGURE_COLUMNS = frozenset({"value", "before", "after"})
SYNTHETIC = "synthetic"
NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
WIDE_BOUNDS = (
    (re.compile(r"^(-?[\d.]+)-(-?[\d.]+)$"), "{low}–{high}"),
    (re.compile(r"^>=(-?[\d.]+)$"), "value.at_least"),
    (re.compile(r"^<(-?[\d.]+)$"), "value.under"),
)


WORDS = {
    "retrieved_at": moment_text,
    "release": lambda release, language: release_text(release, None, language),
    "release_before": lambda release, language: release_text(release, None, language),
    "change": lambda change, language: text(f"changes.change_{change}", language),
    "source": lambda source, language: register()[source].publisher(language) if source in register() else source,
    "source_id": lambda source, language: register()[source].publisher(language) if source in register() else source,
}
"""Columns a reader gets in words: a time as Oslo's, a source's release by its date (never its checksum), a
change, a source by its publisher."""


@dataclass(frozen=True)
class Context:
    """What a reader's table needs besides its rows: the input files by id, the flags' words, the sources of
    the wide tables' columns, and the day the publication was made, in the reader's language."""

    files: Mapping[str, Mapping[str, str]]
    flag_words: Mapping[str, tuple[str, str]]
    wide_sources: Mapping[str, str]
    published_on: str
    citation: str | None


def reader_table(table: Table, frame: pl.DataFrame, language: str, context: Context) -> ReaderTable:
    """`table`'s rows as the workbook in `language` shows them."""
    frame = _without_project_files(table, frame)
    fields = _reader_fields(table)
    names = [column.name for column in table.fields]  # by position: a field's name may be neutralised (`'=cmd`)
    rows = [_reader_row(table, dict(zip(names, row, strict=True)), language, context) for row in frame.iter_rows()]
    return ReaderTable(
        table.name,
        language,
        sheet_name(table.name, language),
        table.heading(language),
        table.about(language),
        context.citation,
        fields,
        rows,
        has_figures=any(column.name in FIGURE_COLUMNS or column.name in context.wide_sources for column in fields),
    )


def _without_project_files(table: Table, frame: pl.DataFrame) -> pl.DataFrame:
    """The sources sheet lists the publishers' files, not the project's own reference tables."""
    if table.name == "sources":
        return frame.filter(pl.col("source_id") != "reference")
    return frame


def _reader_fields(table: Table) -> tuple[Field, ...]:
    fields: list[Field] = []
    for column in table.fields:
        if column.name in MACHINE_COLUMNS:
            continue
        if column.name == "source_location" or column.name.endswith("_location"):
            fields.append(field(table.name, column.name.removesuffix("location") + "citation"))
            continue
        fields.append(column)
        if column.name == "value":
            fields.append(field(table.name, "value_words"))
    return tuple(fields)


def _reader_row(table: Table, row: dict, language: str, context: Context) -> list[object]:
    small = str(row.get("value") or "").startswith(("<5", ">="))
    cells: list[object] = []
    for column in table.fields:
        name, value = column.name, row[column.name]
        if name in MACHINE_COLUMNS:
            continue
        if name == "source_location" or name.endswith("_location"):
            cells.append(_citation(table, row, name, language, context))
        elif name in FIGURE_COLUMNS or name in context.wide_sources:
            cells.append(_figure(value, wide=name in context.wide_sources, language=language))
            if name == "value":
                cells.append(_words(row, language))
        elif name.endswith("flags"):
            cells.append(_flag_words(value, language, context))
        elif name in ("value_low", "value_high") and small:
            cells.append(CONFIDENTIAL)
        elif name in WORDS:
            cells.append(WORDS[name](value, language) if value else None)
        elif name == "url" and table.name == "sources":
            cells.append(address_of(row["source_id"], value))
        elif name == "publication" and table.name == "sources":
            cells.append(FILE_IN_BRACKETS.sub("", value or ""))
        else:
            cells.append(cell(value, column.type))
    return cells


def _figure(value: str | None, *, wide: bool, language: str) -> object:
    """A figure cell: a number, `[c]` for a small or hidden count, `[x]` for none; a wide table's bounds in words."""
    if value is None or value == "":
        return NOT_AVAILABLE
    if NUMBER.match(value):
        return cell(float(value), "number")
    if value == "<5" or (value.startswith(">=") and not wide):
        return CONFIDENTIAL
    for pattern, template in WIDE_BOUNDS:
        if found := pattern.match(value):
            numbers = {"low": found.group(1), "high": found.groups()[-1]}
            said = template if "{" in template else text(template, language)
            return said.format(**numbers)
    return value


def _words(row: dict, language: str) -> str:
    """The figure as a reader says it: `om lag 290`, `120–160`, `minst 5`, `<5`, `mangler`."""
    value = row.get("value")
    if value == "<5":
        return "<5"
    if value and value.startswith(">="):
        return text("value.at_least", language, low=value.removeprefix(">="))
    figure = {
        "value": float(value) if value and NUMBER.match(value) else None,
        "value_low": row.get("value_low"),
        "value_high": row.get("value_high"),
        "flags": frozenset((row.get("flags") or "").split(";")) - {""},
        "source": row.get("source"),
    }
    return shown(figure, reader_style(language)) or ""


def _flag_words(flags: str | None, language: str, context: Context) -> str | None:
    """The flags in words, `[u]` after synthetic data (of low reliability)."""
    codes = [code for code in (flags or "").split(";") if code]
    if not codes:
        return None
    words = [context.flag_words.get(code, (code, code))[language != "nb"] for code in codes]
    return "; ".join(words) + (f" {LOW_RELIABILITY}" if SYNTHETIC in codes else "")


def _citation(table: Table, row: dict, column: str, language: str, context: Context) -> str | None:
    """The figure's citation in place of its location (a wide table's: the figure of that column)."""
    location = row[column]
    if location is None:
        return None
    if column == "source_location":
        source = row.get("source") or "unodc_glotip"
        source_file = context.files.get(row.get("provenance_id") or "")
        if table.name == "global_estimates":  # the edition's publication and address are columns of their own
            location, source_file = row["publication"], {"url": row["reference"]}
    else:
        source = context.wide_sources.get(column.removesuffix("_location"), "")
        source_file = None
    day = read_on((source_file or {}).get("retrieved_at"), context.published_on, language)
    return figure_citation(source, location, source_file, day, language)
