"""Reading the World Bank's bulk CSV of total population (`API_SP.POP.TOTL_DS2_en_csv_v2.csv`).

What the file really looks like: a byte-order mark, four lines ("Data Source", "Last Updated
Date" and blanks) before the header, one column per year and a trailing comma on every row (an
empty last column); regions and income groups are mixed with the countries. The official
download is a zip holding this CSV and two metadata CSVs.
"""

from __future__ import annotations

import csv
import re
import zipfile
from pathlib import Path

import polars as pl

DATA_FILE_PREFIX = "API_SP.POP.TOTL"
HEADER = ("Country Name", "Country Code", "Indicator Name", "Indicator Code")


class WorldBankFormatError(ValueError):
    """The file is not laid out as the World Bank's bulk indicator CSV."""


def data_csv_text(path: Path) -> str:
    """The data CSV's text, from the CSV itself or from the zip the World Bank serves."""
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            members = [name for name in archive.namelist() if name.startswith(DATA_FILE_PREFIX)]
            if not members:
                raise WorldBankFormatError(f"{path.name}: no {DATA_FILE_PREFIX}*.csv in the zip ({archive.namelist()})")
            return _decoded(archive.read(members[0]))
    return _decoded(path.read_bytes())


def _decoded(raw: bytes) -> str:
    """UTF-8 as the World Bank writes it; a copy re-saved as Windows-1252 or Latin-1 is read as such."""
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1")


def last_updated(path: Path) -> str | None:
    """The file's own "Last Updated Date" (`2024-02-12`) from the lines above the header; None when it has none."""
    for cells in csv.reader(data_csv_text(path).splitlines()[:20]):
        if len(cells) > 1 and cells[0].strip() == "Last Updated Date" and re.match(r"^\d{4}-\d{2}-\d{2}$", cells[1]):
            return cells[1]
    return None


def read_population(path: Path) -> pl.DataFrame:
    """One row per place and year: code, name, year, population (null where the World Bank has none), line."""
    header, records = data_records(path)
    if not records:
        raise WorldBankFormatError(f"{path.name}: no data lines below the header")
    missing = [name for name in HEADER if name not in header]
    years = [name for name in header if name.isdigit()]
    if missing or not years:
        raise WorldBankFormatError(f"{path.name}: columns missing: {missing or 'year columns'}")
    wide = pl.DataFrame(
        [[*cells, line] for line, cells in records], schema=[*header, "line"], orient="row", infer_schema_length=None
    ).with_columns(pl.col(header).cast(pl.String), pl.col("line").cast(pl.Int64))
    long = wide.unpivot(
        index=["Country Code", "Country Name", "line"], on=years, variable_name="year", value_name="text"
    )
    typed = long.select(
        code="Country Code",
        name="Country Name",
        year=pl.col("year").cast(pl.Int32),
        population=pl.col("text").cast(pl.Float64, strict=False),
        text="text",
        line="line",
    )
    unreadable = typed.filter(pl.col("population").is_null() & (pl.col("text") != ""))
    if unreadable.height:
        row = unreadable.row(0, named=True)
        raise WorldBankFormatError(f"{path.name}, line {row['line']}, {row['year']}: not a number: {row['text']!r}")
    population = pl.col("population")
    impossible = typed.filter(~population.is_finite() | (population <= 0) | (population != population.round()))
    if impossible.height:
        row = impossible.row(0, named=True)
        raise WorldBankFormatError(
            f"{path.name}, line {row['line']}, {row['year']}: population {row['text']!r} is not positive and finite, "
            "or not a whole number of people"
        )
    _fail_on_repeated_places(wide, path.name)
    return typed.drop("text")


def _fail_on_repeated_places(wide: pl.DataFrame, file_name: str) -> None:
    """Each country or aggregate has one line: a second line with its code is a copy, refused naming both."""
    repeated = wide.filter(pl.col("Country Code").is_duplicated())
    if repeated.height:
        groups = repeated.group_by("Country Code", maintain_order=True).agg(pl.col("line").sort())
        code, lines = groups.row(0)
        raise WorldBankFormatError(f"{file_name}, lines {', '.join(map(str, lines))}: {code} is given more than once")


def data_records(path: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header and (file line, cells) of every data row, without the empty column of the trailing comma.

    Every line, the header too, ends in a comma: an empty last column that is dropped here. A row
    with fewer or more fields than the header (a file cut off mid-row) fails naming its line.
    """
    lines = data_csv_text(path).splitlines()
    header_index = next((i for i, line in enumerate(lines[:20]) if line.startswith('"Country Name"')), None)
    if header_index is None:
        raise WorldBankFormatError(f'{path.name}: no header line starting with "Country Name" in the first 20 lines')
    reader = csv.reader(lines[header_index:])
    header = next(reader)
    trailing_comma = header[-1] == ""
    records = []
    for cells in reader:
        if not cells:
            continue
        line = header_index + reader.line_num
        if len(cells) != len(header) or (trailing_comma and cells[-1] != ""):
            raise WorldBankFormatError(
                f"{path.name}, line {line}: {len(cells)} fields where the header has {len(header)}, "
                f"the last one empty for the trailing comma (a row cut off?)"
            )
        records.append((line, cells[:-1] if trailing_comma else cells))
    return header[:-1] if trailing_comma else header, records
