"""The bad-input corpus, from a copy of a good published state.

Every bad case is read as a refresh reads its source (that source's raw, staging and harmonised
assets and checks, `read_source_in`) and must fail at the asset or check that met it, with a message
naming the file and the row or label, publishing nothing. One case per source then goes through the
real refresh: it publishes with that source stale, its figures exactly those of its last good
release, the reason in `source_status`, every other source current. A case that is
legitimately parseable (semicolons with decimal commas and a byte-order mark; Latin-1 text) is
parsed into the same facts as the original file (by the source's functions, without a run). The HTML
error page instead of the workbook is in `test_refresh_garbled_download.py` (served over HTTP on 127.0.0.1).
"""

import csv
import fcntl
import gzip
import hashlib
import http.server
import io
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import ClassVar

import dagster as dg
import duckdb
import polars as pl
import pytest
from mirror_copies import mirror_with
from ssb_fake import FakeSsb, serve
from streamlit.testing.v1 import AppTest

from core.settings import CURATED_DIR, REPO_ROOT, DataPaths
from core.urls import masked_in
from export import pack as pack_module
from export.pack import remove_abandoned
from pipelines.checks.facts import check_finite_counts, latest_year
from pipelines.checks.shrink import definition_changes
from pipelines.download import (
    DownloadError,
    Limits,
    fetch,
    http_session,
    linked_file,
    newest_release,
    release_order,
)
from pipelines.ops.notify import send
from pipelines.probe import EXIT_NOT_ALL
from pipelines.probe import main as probe_main
from pipelines.raw import raw_frame
from pipelines.refresh import (
    EXIT_DEGRADED,
    EXIT_FAILED,
    failures,
    read_source_in,
    refresh,
    run_refresh_in,
    source_statuses,
)
from pipelines.sources.iom_ctdc.assets import CTDC_SYNTHETIC
from pipelines.sources.kom import harmonise as kom_harmonise
from pipelines.sources.kom.parse import read_figures
from pipelines.sources.ssb.api import Client, Pace
from pipelines.sources.ssb.harmonise import offence_definitions, to_facts
from pipelines.sources.ssb.parse import SsbFormatError, read_tables
from pipelines.sources.unodc_glotip.assets import GLOTIP
from pipelines.sources.unodc_glotip.parse import read_rows
from pipelines.sources.worldbank_population.assets import POPULATION
from publications import ChangedFile, PublicationStore
from publications.__main__ import main as publications_main
from publications.prepare import ClockBehind, publication_time
from reporting import published as reporting_published
from reporting.texts import texts

WORKBOOK = Path("unodc") / "data_glotip.xlsx"
CTDC = Path("iom") / "ctdc_global_synthetic_20210825.csv"
KOM = Path("kom") / "kom_figures.csv"
WORLDBANK = Path("worldbank") / "API_SP.POP.TOTL_DS2_en_csv_v2.csv"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- making bad files from the real ones -------------------------------------------------------


def edited_workbook(
    path: Path,
    member: str | dict[str, Callable[[str], str]],
    edit: Callable[[str], str] | None = None,
    extra: dict[str, str] | None = None,
) -> bytes:
    """The workbook with XML parts edited as text (one `member` and its `edit`, or a dict of them) and `extra`
    parts added (the rest byte-for-byte)."""
    edits = member if isinstance(member, dict) else {member: edit}
    source, buffer = zipfile.ZipFile(path), io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename in edits:
                edited = edits[item.filename](data.decode("utf-8"))
                assert edited != data.decode("utf-8"), f"the edit changed nothing in {item.filename}"
                data = edited.encode("utf-8")
            target.writestr(item, data)
        for name, text in (extra or {}).items():
            target.writestr(name, text)
    return buffer.getvalue()


def with_hidden_copy(path: Path, visible_name: str, row: int, value: str, state: str = "hidden") -> bytes:
    """The workbook with a sheet named `data_glotip_1` (hidden, or as `state` says) before the real one (renamed
    `visible_name`): the header rows and a copy of sheet row `row` whose value cell says `value` (a stale copy)."""
    sheet = zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml").decode("utf-8")
    head = re.sub(r"<sheetViews>.*?</sheetViews>", "", sheet[: sheet.index("<sheetData>")])
    rows = [re.search(rf'<row r="{number}"[^>]*>.*?</row>', sheet).group(0) for number in (1, 2, 3, row)]
    hidden = cell_text(f"L{row}", value)(f"{head}<sheetData>{''.join(rows)}</sheetData></worksheet>")
    part = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"
    kind = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
    edits = {
        "xl/workbook.xml": lambda xml: xml.replace(
            '<sheet name="data_glotip_1" sheetId="1" r:id="rId1"/>',
            f'<sheet name="data_glotip_1" sheetId="2" state="{state}" r:id="rId9"/>'
            f'<sheet name="{visible_name}" sheetId="1" r:id="rId1"/>',
        ),
        "xl/_rels/workbook.xml.rels": lambda xml: xml.replace(
            "</Relationships>",
            f'<Relationship Id="rId9" Type="{part}" Target="worksheets/sheet2.xml"/></Relationships>',
        ),
        "[Content_Types].xml": lambda xml: xml.replace(
            "</Types>", f'<Override PartName="/xl/worksheets/sheet2.xml" ContentType="{kind}"/></Types>'
        ),
    }
    return edited_workbook(path, edits, extra={"xl/worksheets/sheet2.xml": hidden})


def shared_string(old: str, new: str) -> Callable[[str], str]:
    return lambda xml: xml.replace(f"<t>{old}</t>", f"<t>{new}</t>", 1)


def cell_text(cell: str, text: str) -> Callable[[str], str]:
    """Replace the worksheet cell `cell` (e.g. `J4`) by an inline string."""
    pattern = re.compile(rf'<c r="{cell}"[^>]*?(?:/>|>.*?</c>)')
    return lambda xml: pattern.sub(f'<c r="{cell}" t="inlineStr"><is><t>{text}</t></is></c>', xml, count=1)


def norway_total_row(mirror: Path, year: str = "2020") -> int:
    """The sheet row of Norway's detected victims (no breakdown) in `year`, found in the real workbook."""
    rows = read_rows(mirror / WORKBOOK)
    everyone = pl.all_horizontal(pl.col(column) == "Total" for column in ("dimension", "category", "sex", "age"))
    norway = rows.filter(
        (pl.col("iso3") == "NOR") & (pl.col("indicator") == "Detected trafficking victims") & everyone,
        pl.col("year") == year,
    )
    assert norway.height == 1
    return norway["sheet_row"][0]


def norway_rows(mirror: Path, year: str | None = None) -> list[int]:
    """The sheet rows of every Norway figure (of one year, if given) in the real workbook."""
    rows = read_rows(mirror / WORKBOOK).filter(pl.col("iso3") == "NOR")
    if year is not None:
        rows = rows.filter(pl.col("year") == year)
    assert rows.height
    return rows["sheet_row"].to_list()


def rows_removed(numbers: list[int]) -> Callable[[str], str]:
    """The sheet without the rows `numbers` (the others keep their row numbers)."""
    wanted = set(numbers)
    return lambda xml: re.sub(
        r'<row r="(\d+)"[^>]*>.*?</row>', lambda match: "" if int(match[1]) in wanted else match[0], xml
    )


def first_half_of_lines(path: Path) -> bytes:
    """The file cut at a line end half way through (as a mirror or an early-closed download leaves it)."""
    lines = path.read_bytes().splitlines(keepends=True)
    return b"".join(lines[: len(lines) // 2])


def row_copied_at_end(row: int) -> Callable[[str], str]:
    """The sheet with a copy of row `row` added after the last row (the declared size left as it was)."""

    def edit(xml: str) -> str:
        original = re.search(rf'<row r="{row}"[^>]*>.*?</row>', xml).group(0)
        last = max(int(number) for number in re.findall(r'<row r="(\d+)"', xml))
        copy = original.replace(f'r="{row}"', f'r="{last + 1}"')
        copy = re.sub(rf'r="([A-Z]+){row}"', lambda match: f'r="{match.group(1)}{last + 1}"', copy)
        return xml.replace("</sheetData>", copy + "</sheetData>")

    return edit


def worldbank_with_norway(mirror: Path, edit: Callable[[str], str]) -> bytes:
    """The World Bank file with Norway's line changed by `edit` (the line as text in, lines out)."""
    lines = (mirror / WORLDBANK).read_text(encoding="utf-8-sig").splitlines(keepends=True)
    index = next(number for number, line in enumerate(lines) if line.startswith('"Norway","NOR"'))
    lines[index] = edit(lines[index])
    return "".join(lines).encode("utf-8")


def _edited_years(line: str, edit: Callable[[str], str]) -> str:
    """A World Bank line with `edit` applied to every year's cell (the four label cells and the trailing
    empty field kept)."""
    cells = next(csv.reader([line]))
    years = [edit(cell) if cell else cell for cell in cells[4:-1]]
    buffer = io.StringIO()
    csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\r\n").writerow([*cells[:4], *years])
    return buffer.getvalue().replace("\r\n", ",\r\n")


def population_times(factor: int) -> Callable[[str], str]:
    """Every year's population on a World Bank line multiplied by `factor` (a unit or a digit gone wrong)."""
    return lambda line: _edited_years(line, lambda cell: str(int(float(cell) * factor)))


def population_emptied(line: str) -> str:
    """A World Bank line with every year's value left empty, as an answer of missing values gives it."""
    return _edited_years(line, lambda cell: "")


def kom_rows() -> tuple[list[str], list[dict[str, str]]]:
    with (CURATED_DIR / KOM).open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def kom_text(rows: list[dict[str, str]], delimiter: str = ",", decimal_comma: bool = False) -> str:
    columns, _ = kom_rows()
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, delimiter=delimiter, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        if decimal_comma:
            row = {
                key: value.replace(".", ",") if key in ("value", "value_to") else value for key, value in row.items()
            }
        writer.writerow(row)
    return buffer.getvalue()


def with_kom_row(line: int, **changes: str) -> bytes:
    """The KOM file with the row on file line `line` (header is line 1) changed."""
    _, rows = kom_rows()
    rows[line - 2] = {**rows[line - 2], **changes}
    return kom_text(rows).encode("utf-8")


def kom_with_duplicate(line: int) -> bytes:
    _, rows = kom_rows()
    return kom_text([*rows[: line - 1], rows[line - 2], *rows[line - 1 :]]).encode("utf-8")


# --- the corpus ---------------------------------------------------------------------------------
# Each failing case: (replaced file in the mirror or the curated folder, how to make it, the failing
# step, words the message must hold).

MirrorEdit = Callable[[Path], bytes]
FAILING = {
    "truncated workbook": (
        WORKBOOK,
        lambda mirror: (mirror / WORKBOOK).read_bytes()[: (mirror / WORKBOOK).stat().st_size // 2],
        "raw__unodc_glotip",
        ["data_glotip.xlsx", "truncated or damaged xlsx"],
    ),
    "empty file": (CTDC, lambda mirror: b"", "raw__iom_ctdc", ["ctdc_global_synthetic_20210825.csv", "empty"]),
    "renamed header": (
        WORKBOOK,
        lambda mirror: edited_workbook(mirror / WORKBOOK, "xl/sharedStrings.xml", shared_string("txtVALUE", "Value")),
        "staging__unodc_glotip",
        ["data_glotip.xlsx", "row 3, lacks ['txtVALUE']"],
    ),
    "missing column": (
        CTDC,
        lambda mirror: drop_csv_column(mirror / CTDC, "isForcedLabour"),
        "staging__iom_ctdc",
        ["ctdc_global_synthetic_20210825.csv", "isForcedLabour"],
    ),
    "unknown category": (
        WORKBOOK,
        lambda mirror: edited_workbook(
            mirror / WORKBOOK,
            "xl/sharedStrings.xml",
            shared_string("Sexual exploitation", "Sexual exploitation online"),
        ),
        "staging/unodc_glotip:labels_known",
        ["data_glotip.xlsx, sheet data_glotip_1", "['Sexual exploitation online'] (rows 10, 12,"],
    ),
    "unknown sex label in the case file": (
        CTDC,
        lambda mirror: ctdc_with_cell(mirror / CTDC, line=100, column="gender", value="Nonbinary"),
        "staging/iom_ctdc:labels_known",
        ["ctdc_global_synthetic_20210825.csv", "gender: ['Nonbinary'] (line 100)"],
    ),
    "a CTDC country code in lower case": (
        CTDC,
        lambda mirror: ctdc_with_cell(mirror / CTDC, line=100, column="CountryOfExploitation", value="nor"),
        "staging__iom_ctdc",
        ["ctdc_global_synthetic_20210825.csv", "no country's ISO3 code: ['nor']", "line 100"],
    ),
    "a workbook with one cell at XFD1048576 (the reader would allocate 512 GiB)": (
        WORKBOOK,
        lambda mirror: edited_workbook(mirror / WORKBOOK, "xl/worksheets/sheet1.xml", far_cell),
        "staging__unodc_glotip",
        ["data_glotip.xlsx: the reader stopped before it finished", "SIGABRT"],
    ),
    "a CTDC profile column renamed": (
        CTDC,
        lambda mirror: renamed_csv_column(mirror / CTDC, "meansOfControlDebtBondage", "meansOfControlDebt_Bondage"),
        "staging__iom_ctdc",
        [
            "ctdc_global_synthetic_20210825.csv",
            "profile columns the project does not know",
            "meansOfControlDebt_Bondage",
        ],
    ),
    "a CTDC line with 10 of its 37 fields": (
        CTDC,
        lambda mirror: ctdc_line_cut(mirror / CTDC, line=100, fields=10),
        "staging__iom_ctdc",
        ["ctdc_global_synthetic_20210825.csv, line 100: 10 fields where the header has 37"],
    ),
    "negative count in the workbook": (
        WORKBOOK,
        lambda mirror: edited_workbook(mirror / WORKBOOK, "xl/worksheets/sheet1.xml", cell_text("L4", "-12")),
        "staging__unodc_glotip",
        ["data_glotip.xlsx", "value is negative", "row 4 ('-12')"],
    ),
    "year written 2019* in the workbook": (
        WORKBOOK,
        lambda mirror: edited_workbook(mirror / WORKBOOK, "xl/worksheets/sheet1.xml", cell_text("J4", "2019*")),
        "staging__unodc_glotip",
        ["data_glotip.xlsx", "row 4", "2019*"],
    ),
    "a year in the future in the workbook": (
        WORKBOOK,
        lambda mirror: edited_workbook(
            mirror / WORKBOOK, "xl/worksheets/sheet1.xml", cell_text("J4", str(latest_year() + 3))
        ),
        "harmonised/facts_unodc_glotip:year_coverage",
        ["years outside 2003-", str(latest_year() + 3), "data_glotip.xlsx"],
    ),
    "an empty value cell for Norway's 2020 detected victims": (
        WORKBOOK,
        lambda mirror: edited_workbook(
            mirror / WORKBOOK, "xl/worksheets/sheet1.xml", cell_text(f"L{norway_total_row(mirror)}", "")
        ),
        "staging__unodc_glotip",
        ["data_glotip.xlsx", "value cell is empty"],
    ),
    "an exact copy of Norway's 2020 total row": (
        WORKBOOK,
        lambda mirror: edited_workbook(
            mirror / WORKBOOK, "xl/worksheets/sheet1.xml", row_copied_at_end(norway_total_row(mirror))
        ),
        "staging__unodc_glotip",
        [
            "data_glotip.xlsx",
            "a total (no breakdown) given more than once",
            "(Norway, Detected trafficking victims, 2020)",
        ],
    ),
    "Norway's code written in lower case in one row": (
        WORKBOOK,
        lambda mirror: edited_workbook(
            mirror / WORKBOOK, "xl/worksheets/sheet1.xml", cell_text(f"A{norway_total_row(mirror)}", "nor")
        ),
        "staging/unodc_glotip:labels_known",
        ["data_glotip.xlsx", "iso3 (not an upper-case ISO3 code): ['nor'] (row "],
    ),
    "a rate where a count belongs": (
        WORKBOOK,
        lambda mirror: edited_workbook(
            mirror / WORKBOOK,
            "xl/worksheets/sheet1.xml",
            cell_text(f"K{norway_total_row(mirror)}", "Rate per 100,000 population"),
        ),
        "staging/unodc_glotip:labels_known",
        ["data_glotip.xlsx", "unit: ['Rate per 100,000 population']"],
    ),
    "a count written 2,5,4": (
        WORKBOOK,
        lambda mirror: edited_workbook(
            mirror / WORKBOOK, "xl/worksheets/sheet1.xml", cell_text(f"L{norway_total_row(mirror)}", "2,5,4")
        ),
        "staging__unodc_glotip",
        ["data_glotip.xlsx", "neither a count", "('2,5,4')"],
    ),
    "a count of 10^12": (
        WORKBOOK,
        lambda mirror: edited_workbook(
            mirror / WORKBOOK,
            "xl/worksheets/sheet1.xml",
            cell_text(f"L{norway_total_row(mirror)}", "1,000,000,000,000"),
        ),
        "staging__unodc_glotip",
        ["data_glotip.xlsx", "count above 10,000,000", "('1,000,000,000,000')"],
    ),
    "a hidden sheet of the same name before the data sheet (Norway 2020 = 999 in it)": (
        WORKBOOK,
        lambda mirror: with_hidden_copy(mirror / WORKBOOK, "data_glotip_1", norway_total_row(mirror), "999"),
        "staging__unodc_glotip",
        ["data_glotip.xlsx: hidden data sheet(s) ['data_glotip_1']"],
    ),
    "a hidden old copy named data_glotip_1 beside the data sheet renamed": (
        WORKBOOK,
        lambda mirror: with_hidden_copy(mirror / WORKBOOK, "data_glotip_2", norway_total_row(mirror), "999"),
        "staging__unodc_glotip",
        ["data_glotip.xlsx: hidden data sheet(s) ['data_glotip_1']", "'data_glotip_2'"],
    ),
    "two visible sheets named data_glotip_1": (
        WORKBOOK,
        lambda mirror: with_hidden_copy(mirror / WORKBOOK, "data_glotip_1", norway_total_row(mirror), "999", "visible"),
        "staging__unodc_glotip",
        ["data_glotip.xlsx: 2 sheets are named 'data_glotip_1'"],
    ),
    "Norway's World Bank line given twice": (
        WORLDBANK,
        lambda mirror: worldbank_with_norway(mirror, lambda line: line + line),
        "staging__worldbank_population",
        ["API_SP.POP.TOTL_DS2_en_csv_v2.csv", "NOR is given more than once"],
    ),
    "a population of 0": (
        WORLDBANK,
        lambda mirror: worldbank_with_norway(
            mirror, lambda line: re.sub(r'"\d+(\.\d+)?",$', '"0",', line.rstrip("\n")) + "\n"
        ),
        "staging__worldbank_population",
        ["API_SP.POP.TOTL_DS2_en_csv_v2.csv", "population '0' is not positive and finite, or not a whole number"],
    ),
    "a workbook without Norway": (
        WORKBOOK,
        lambda mirror: edited_workbook(
            mirror / WORKBOOK, "xl/worksheets/sheet1.xml", rows_removed(norway_rows(mirror))
        ),
        "harmonised/facts_unodc_glotip:no_unexplained_loss",
        ["place(s) gone: ['NOR']", "figure(s) for Norway gone", "--accept-shrink unodc_glotip"],
    ),
    "a workbook without Norway's 2020 rows": (
        WORKBOOK,
        lambda mirror: edited_workbook(
            mirror / WORKBOOK, "xl/worksheets/sheet1.xml", rows_removed(norway_rows(mirror, "2020"))
        ),
        "harmonised/facts_unodc_glotip:no_unexplained_loss",
        ["figure(s) for Norway gone", "'period': '2020'"],
    ),
    "a CTDC file cut at a line end half way": (
        CTDC,
        lambda mirror: first_half_of_lines(mirror / CTDC),
        "harmonised/facts_iom_ctdc:no_unexplained_loss",
        ["total of victims_registered fell from"],
    ),
    "a World Bank file without Norway": (
        WORLDBANK,
        lambda mirror: worldbank_with_norway(mirror, lambda line: ""),
        "harmonised/worldbank_population:no_unexplained_loss",
        ["place(s) gone: ['NOR']"],
    ),
    "Norway's population ten times larger": (
        WORLDBANK,
        lambda mirror: worldbank_with_norway(mirror, population_times(10)),
        "harmonised/worldbank_population:no_unexplained_loss",
        ["revised by more than 10%", "'geo': 'NOR'"],
    ),
    "Norway's population emptied (every year '..')": (
        WORLDBANK,
        lambda mirror: worldbank_with_norway(mirror, population_emptied),
        "harmonised/worldbank_population:no_unexplained_loss",
        ["figure(s) became empty", "'geo': 'NOR'"],
    ),
    "negative count in the curated file": (
        KOM,
        lambda mirror: with_kom_row(12, value="-20"),
        "staging__kom",
        ["kom_figures.csv", "line 12", "'-20' is negative"],
    ),
    "a KOM count with a decimal comma": (
        KOM,
        lambda mirror: with_kom_row(12, value="26,2"),
        "staging__kom",
        ["kom_figures.csv", "line 12", "'26,2' is not a whole count"],
    ),
    "duplicated curated row": (
        KOM,
        lambda mirror: kom_with_duplicate(20),
        "staging__kom",
        ["kom_figures.csv", "line 20", "line 21"],
    ),
    "year written 2019* in the curated file": (
        KOM,
        lambda mirror: with_kom_row(41, period="2019*"),
        "staging__kom",
        ["kom_figures.csv", "line 41", "2019*"],
    ),
}


def drop_csv_column(path: Path, column: str) -> bytes:
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    header = lines[0].split(",")
    index = header.index(column)
    kept = [
        ",".join(cell for position, cell in enumerate(next(csv.reader([line]))) if position != index) for line in lines
    ]
    return ("\n".join(kept) + "\n").encode("utf-8")


def far_cell(xml: str) -> str:
    """The sheet with one more cell, in the last row and column a workbook may have."""
    far = '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
    return xml.replace("</sheetData>", far + "</sheetData>", 1)


def renamed_csv_column(path: Path, old: str, new: str) -> bytes:
    """The file with one column renamed in its header, every record as it was."""
    text = path.read_text(encoding="utf-8-sig")
    header, _, rest = text.partition("\n")
    assert old in header.split(",")
    return (",".join(new if name == old else name for name in header.split(",")) + "\n" + rest).encode("utf-8")


def ctdc_line_cut(path: Path, line: int, fields: int) -> bytes:
    """The case file with file line `line` (header is line 1) cut after its first `fields` fields."""
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    lines[line - 1] = ",".join(lines[line - 1].split(",")[:fields])
    return ("\n".join(lines) + "\n").encode("utf-8")


def ctdc_with_cell(path: Path, line: int, column: str, value: str) -> bytes:
    """The case file with one cell of file line `line` (header is line 1) changed."""
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    header = next(csv.reader([lines[0]]))
    row = next(csv.reader([lines[line - 1]]))
    row[header.index(column)] = value
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="").writerow(row)
    lines[line - 1] = buffer.getvalue()
    return ("\n".join(lines) + "\n").encode("utf-8")


@pytest.fixture
def case_dirs(tmp_path: Path, refreshed: DataPaths) -> tuple[DataPaths, Path]:
    """A copy of the session's good data dir (downloads, warehouse, published marts) and of `data/raw/`."""
    data = DataPaths(tmp_path / "data")
    shutil.copytree(refreshed.root, data.root, symlinks=True)
    curated = tmp_path / "curated"
    shutil.copytree(CURATED_DIR, curated)
    return data, curated


SOURCE_OF_FILE = {WORKBOOK: "unodc_glotip", CTDC: "iom_ctdc", KOM: "kom", WORLDBANK: "worldbank_population"}


def published_rows(path: Path, source_id: str) -> list[tuple]:
    """Every published figure of one source (its facts, or World Bank's population), every column."""
    query = "SELECT * FROM fact_indicator WHERE source = ? ORDER BY ALL"
    if source_id == "worldbank_population":
        query = "SELECT * FROM population WHERE split_part(provenance_id, ':', 1) = ? ORDER BY ALL"
    with duckdb.connect(str(path), read_only=True) as connection:
        return connection.execute(query, [source_id]).fetchall()


def bad_site(case: str, mirror: Path, curated: Path, tmp_path: Path) -> tuple[str, Path]:
    """The case's source id, and the mirror to read from (its bad file in place, or in `curated` for KOM)."""
    replaced, make, _, _ = FAILING[case]
    content = make(mirror)
    if replaced == KOM:
        (curated / KOM).write_bytes(content)
        return SOURCE_OF_FILE[replaced], mirror
    return SOURCE_OF_FILE[replaced], mirror_with(mirror, tmp_path / "site", replaced, content)


@pytest.mark.parametrize("case", list(FAILING))
def test_bad_input_is_refused_where_it_is_met_naming_it(case, case_dirs, mirror, tmp_path):
    """Only the case's source is read (its raw, staging and harmonised assets and checks), as a refresh would."""
    data, curated = case_dirs
    _, _, step, words = FAILING[case]
    source_id, site = bad_site(case, mirror, curated, tmp_path)
    published_before = sha256(data.published)

    result = read_source_in(data.root, str(site), source_id, curated_dir=curated)

    if step.startswith("raw__"):  # refused by the download's own checks: this run takes the last good release
        raw = result.asset_value(dg.AssetKey(["raw", source_id]))
        assert set(raw["status"]) == {"stale"}, f"{case}: the source's file was taken"
        lines = [f"{step}: {reason}" for reason in raw["status_reason"]]
    else:
        assert not result.success, f"{case}: the source's file was taken"
        lines = failures(result)
    at_step = [line for line in lines if step in line]
    assert at_step, f"expected the failure at {step}, got: {lines}"
    for word in words:
        assert any(word in line for line in at_step), f"{word!r} not named in: {at_step}"
    assert sha256(data.published) == published_before, "nothing is published by reading one source"


DEGRADE_CASES = ["truncated workbook", "missing column", "duplicated curated row", "a World Bank file without Norway"]
"""One case per downloaded or curated source with a file, all in one real refresh and its degrade rule."""


def with_bad_files(cases: list[str], mirror: Path, curated: Path, site: Path) -> Path:
    """The mirror to read from with every case's bad file in place of the real one (KOM's in `curated`)."""
    files = {FAILING[case][0]: FAILING[case][1](mirror) for case in cases}
    (curated / KOM).write_bytes(files.pop(KOM, (CURATED_DIR / KOM).read_bytes()))
    for number, (replaced, content) in enumerate(files.items()):
        if number == 0:
            mirror_with(mirror, site, replaced, content)
        else:
            (site / replaced).unlink()
            (site / replaced).write_bytes(content)
    return site if files else mirror


@pytest.mark.refresh
def test_bad_input_leaves_each_source_at_its_last_good_release_and_publishes_the_rest(case_dirs, mirror, tmp_path):
    """Every source with a file meets its bad case in the same refresh: the refresh publishes, each of them stale
    with the reason naming where it failed and its figures exactly those of its last good release, every other
    source current and unchanged (one source's bad file neither stops nor alters another's)."""
    data, curated = case_dirs
    site = with_bad_files(DEGRADE_CASES, mirror, curated, tmp_path / "site")
    sources = sorted(source_ids(data.published))
    before = {source: published_rows(data.published, source) for source in sources}

    outcome = refresh(data.root, str(site), curated_dir=curated)

    assert outcome.published and outcome.exit_code == EXIT_DEGRADED
    statuses = {source: (status, reason) for source, status, _, reason, _ in outcome.statuses()}
    for case in DEGRADE_CASES:
        replaced, _, step, words = FAILING[case]
        status, reason = statuses.pop(SOURCE_OF_FILE[replaced])
        assert status == "stale", case
        assert step.startswith("raw__") or step in reason, f"{case}: expected the failure at {step}, got: {reason}"
        for word in words:
            assert word in reason, f"{case}: {word!r} not named in: {reason}"
    assert statuses.pop("ssb")[0] == "absent", "the mirror holds no SSB tables"
    assert {status for status, _ in statuses.values()} == {"current"}, statuses
    for source in sources:
        assert published_rows(data.published, source) == before[source], f"{source}: its figures changed"


def source_ids(path: Path) -> set[str]:
    """The sources with published figures: those with facts, and the World Bank's population."""
    with duckdb.connect(str(path), read_only=True) as connection:
        facts = {source for (source,) in connection.execute("SELECT DISTINCT source FROM fact_indicator").fetchall()}
    return facts | {"worldbank_population"}


def test_every_source_with_a_file_has_a_degrade_case():
    assert {SOURCE_OF_FILE[FAILING[case][0]] for case in DEGRADE_CASES} == set(SOURCE_OF_FILE.values())


KOM_FIGURES = ("measure", "period", "sex", "age_group", "exploitation_form")
KOM_FIGURES += ("value", "value_low", "value_high", "flags")


def kom_facts(path: Path) -> pl.DataFrame:
    """KOM's canonical facts from the curated file at `path`, as its staging and facts assets make them."""
    return kom_harmonise.to_facts(read_figures(path).with_columns(provenance_id=pl.lit("kom:test")), KOM.name)


@pytest.mark.parametrize(
    ("case", "content"),
    [
        (
            "semicolons, decimal commas and a byte-order mark",
            lambda: ("\ufeff" + kom_text(kom_rows()[1], ";", True)).encode("utf-8"),
        ),
        ("Latin-1 Norwegian text", lambda: kom_text(kom_rows()[1]).encode("latin-1")),
    ],
)
def test_a_parseable_variant_of_the_curated_file_is_read_like_the_original(case, content, tmp_path):
    """The variant's facts equal the original's, every figure and its place in the file (that the original's
    facts are published unchanged is `test_kom.py`'s `test_every_curated_row_reaches_the_published_facts_unchanged`)."""
    variant = tmp_path / KOM.name
    variant.write_bytes(content())

    read, original = kom_facts(variant), kom_facts(CURATED_DIR / KOM)

    assert read.select(KOM_FIGURES).equals(original.select(KOM_FIGURES))
    locations = read["source_location"].to_list()
    assert locations == original["source_location"].to_list()
    assert any("Østforum" in location for location in locations), "Norwegian letters survive"


@pytest.mark.refresh
def test_an_operator_accepts_a_shrink_for_one_refresh(case_dirs, mirror, tmp_path):
    data, _ = case_dirs
    site = mirror_with(mirror, tmp_path / "site", CTDC, first_half_of_lines(mirror / CTDC))
    before = len(published_rows(data.published, "iom_ctdc"))

    outcome = refresh(data.root, str(site), accept_shrink=frozenset({"iom_ctdc"}))

    assert outcome.published and len(outcome.attempts) == 1, [failures(attempt) for attempt in outcome.attempts]
    assert {source: status for source, status, *_ in outcome.statuses()}["iom_ctdc"] == "current"
    assert len(published_rows(data.published, "iom_ctdc")) < before
    with duckdb.connect(str(data.published), read_only=True) as connection:
        (said,) = connection.execute(
            "SELECT description FROM asset_check_results WHERE check_name = 'no_unexplained_loss' "
            "AND asset_key = 'harmonised/facts_iom_ctdc'"
        ).fetchone()
    assert said.startswith("shrink accepted by the operator for this refresh")


# --- numbers and definitions from SSB (the stand-in on 127.0.0.1, `ssb_fake`; its figures are invented) ------------


@pytest.fixture
def ssb():
    fake = FakeSsb()
    server, fake.base = serve(fake)
    yield fake
    server.shutdown()
    server.server_close()


def ssb_staging(fake: FakeSsb, folder: Path) -> pl.DataFrame:
    """SSB's tables as the raw and staging assets read them from the stand-in."""
    session = http_session(3, 0.05, ("GET", "HEAD", "POST"))
    fetched = Client(fake.base, "", session, Pace(100, 60), timeout=10).fetch(folder)
    return read_tables(raw_frame(fetched.records, "current", None))


@pytest.mark.parametrize("value", [float("nan"), float("inf")], ids=["NaN", "Infinity"])
def test_a_value_ssb_sends_as_nan_or_infinity_is_refused_naming_table_cell_and_labels(ssb, tmp_path, value):
    ssb.tables["08484"].cells[("1BM100", "AnmeldteLovbrudd", "2016")] = (value, None)

    with pytest.raises(SsbFormatError) as refused:
        ssb_staging(ssb, tmp_path / "ssb")

    said = str(refused.value)
    for words in ("SSB table 08484, ssb/08484/data.json", "not a finite number", "Menneskehandel", "2016"):
        assert words in said, f"{words!r} not in: {said}"


def test_a_count_of_31_point_4_offences_is_held_by_a_blocking_check_naming_the_cell(ssb, tmp_path):
    ssb.tables["08484"].cells[("1BM100", "AnmeldteLovbrudd", "2017")] = (31.4, None)
    facts = to_facts(ssb_staging(ssb, tmp_path / "ssb"))
    assert 31.4 in facts["value"].to_list(), "the harmonised facts carry the served figure to the check"

    passed, said, _ = check_finite_counts(facts)

    assert not passed
    assert "not finite, or a count that is not whole" in said and "SSB table 08484" in said and "=2017" in said
    assert check_finite_counts(facts.filter(pl.col("value") != 31.4))[0], "the other figures pass"


def test_a_data_answer_that_calls_the_offence_s_code_another_offence_is_not_read_as_trafficking(ssb, tmp_path):
    """The metadata moves 'Menneskehandel' to code 1BM200; the data answer still calls it 'Frihetsberøvelse'."""
    table = ssb.tables["08484"]
    served = table.metadata

    def moved() -> dict:
        document = served()
        labels = document["dimension"]["LovbruddKrim"]["category"]["label"]
        labels["1BM100"], labels["1BM200"] = "¬¬ Voldtekt", "¬¬ Menneskehandel"
        return document

    table.metadata = moved

    with pytest.raises(SsbFormatError) as refused:
        ssb_staging(ssb, tmp_path / "ssb")

    said = str(refused.value)
    assert "SSB table 08484" in said and "not read as trafficking" in said
    assert "code '1BM200' '¬¬ Menneskehandel', the data answer '¬¬ Frihetsberøvelse'" in said, "in SSB's own words"


def test_an_offence_code_that_changes_between_releases_is_held_until_accepted(ssb, tmp_path):
    before = to_facts(ssb_staging(ssb, tmp_path / "before"))
    table = ssb.tables["08484"]
    table.dimensions[0] = ("LovbruddKrim", "lovbruddstype", [("1AAAAA-9ZZZZZ", "Alle lovbruddsgrupper"),
                           ("1BM100", "¬¬ Frihetsberøvelse"), ("1BM200", "¬¬ Menneskehandel")])  # fmt: skip
    after = to_facts(ssb_staging(ssb, tmp_path / "after"))

    held = definition_changes(before, after, offence_definitions)

    assert held == [
        "definition changed since the last good release: table 08484: offence code(s) 1BM100 -> offence code(s) 1BM200"
    ]
    assert definition_changes(before, before, offence_definitions) == [], "the same release holds nothing"


# --- the published file, the kept publications and the clock -------------------------------------------------------


def test_the_published_file_and_its_kept_publication_are_two_files_of_the_same_bytes(refreshed):
    store = PublicationStore(refreshed)
    kept = store.database(store.current_id())

    assert not os.path.samefile(kept, refreshed.published), "a read-write open of one must not change the other"
    assert sha256(kept) == sha256(refreshed.published) == store.newest().file_sha256


def published_kom(path: Path) -> list[tuple]:
    """KOM's published facts in the file at `path` (value in the sixth place)."""
    with duckdb.connect(str(path), read_only=True) as connection:
        return connection.execute(
            "SELECT measure, period, sex, age_group, exploitation_form, value, value_low, value_high, flags "
            "FROM fact_indicator WHERE source = 'kom' ORDER BY ALL"
        ).fetchall()


def edited_in_place(path: Path) -> None:
    """A read-write open of a published DuckDB file that changes one source's figures in place."""
    os.chmod(path, 0o644)
    with duckdb.connect(str(path)) as connection:
        connection.execute(
            "UPDATE fact_indicator SET value = 999, value_low = 999, value_high = 999 WHERE source = 'kom'"
        )


@pytest.mark.refresh
def test_a_published_file_changed_in_place_is_said_on_reading_and_put_back_by_the_next_refresh(
    case_dirs, mirror, monkeypatch
):
    data, _ = case_dirs
    store = PublicationStore(data)
    entry = store.newest()
    edited_in_place(data.published)
    monkeypatch.setenv("TRAFFICKING_DATA_DIR", str(data.root))

    assert 999 in [row[5] for row in published_kom(data.published)]
    assert sha256(store.database(entry.publication_id)) == entry.file_sha256, "the kept publication is untouched"
    with pytest.raises(ChangedFile, match=r"has been changed since publication \S+ was published"):
        reporting_published.read_tables(data.published, ["fact_indicator"])  # what the dashboard reads through
    with pytest.raises(ChangedFile):
        store.export_source(None)  # what `python -m export` builds from
    page = AppTest.from_file(str(REPO_ROOT / "dashboard" / "app.py"), default_timeout=90)
    page.run()
    page.switch_page("views/victims.py").run()
    assert not page.exception and [warning.value for warning in page.warning] == [texts()["data.changed"]["nb"]]

    result = run_refresh_in(data.root, str(mirror))

    assert result.success, "\n".join(failures(result))
    assert sha256(data.published) == entry.file_sha256, "the published file is the publication again"
    assert 999 not in [row[5] for row in published_kom(data.published)], "the edited figures are gone"
    assert [other.publication_id for other in store.entries()] == [entry.publication_id], "no new publication"


def test_a_kept_publication_changed_in_place_is_refused_with_a_sentence(case_dirs, monkeypatch, capsys):
    data, _ = case_dirs
    store = PublicationStore(data)
    kept = store.database(store.current_id())
    edited_in_place(kept)
    monkeypatch.setenv("TRAFFICKING_DATA_DIR", str(data.root))

    assert publications_main(["path", "current"]) == 1
    said = capsys.readouterr().err
    assert "its kept file has been changed since it was published" in said and "Traceback" not in said


def test_a_clock_behind_the_last_publication_publishes_nothing_and_says_so(refreshed):
    last = PublicationStore(refreshed).newest()
    behind = datetime.fromisoformat(last.published_at) - timedelta(hours=1)

    with pytest.raises(ClockBehind, match=f"before the last publication {last.publication_id}"):
        publication_time(last, now=behind)
    assert publication_time(last, now=behind + timedelta(hours=2)) > last.published_at


@pytest.mark.parametrize(
    "target",
    ["the published file", "a kept publication's folder", "/proc/version", "a missing folder", "a folder"],
)
def test_diff_csv_never_writes_over_the_data_dir_and_says_why_it_cannot_write(
    case_dirs, tmp_path, monkeypatch, capsys, target
):
    data, _ = case_dirs
    store = PublicationStore(data)
    current = store.current_id()
    paths = {
        "the published file": data.published,
        "a kept publication's folder": store.folder(current) / "revisions.csv",
        "/proc/version": Path("/proc/version"),
        "a missing folder": tmp_path / "no such folder" / "revisions.csv",
        "a folder": tmp_path,
    }
    before = {path: sha256(path) for path in (data.published, store.database(current))}
    monkeypatch.setenv("TRAFFICKING_DATA_DIR", str(data.root))

    assert publications_main(["diff", current, "current", "--csv", str(paths[target])]) == 1

    said = capsys.readouterr().err
    assert said.startswith("publications: --csv ") and "Traceback" not in said, said
    assert {path: sha256(path) for path in before} == before, "nothing of the data dir was written"
    assert not (store.folder(current) / "revisions.csv").exists()
    assert publications_main(["diff", current, "current", "--csv", str(tmp_path / "revisions.csv")]) == 0
    assert "change" in (tmp_path / "revisions.csv").read_text().splitlines()[0].split(","), "a good path is written"


# --- downloads as HTTP says, releases by date ------------------------------------------------------------------------


class _GzipHandler(http.server.BaseHTTPRequestHandler):
    """Answers every file of `root` gzip-compressed with `Content-Encoding: gzip` (RFC 9110 §8.4), as a server does
    for a client that sends `Accept-Encoding: gzip` (requests always does); Content-Length is the compressed size."""

    root = Path()

    def do_GET(self) -> None:
        body = gzip.compress((self.root / self.path.lstrip("/")).read_bytes())
        self.send_response(200)
        self.send_header("Content-Type", "text/csv")
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def test_a_download_sent_with_content_encoding_gzip_is_decoded_as_http_says(mirror, tmp_path):
    handler = type("Handler", (_GzipHandler,), {"root": mirror})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        fetched = fetch(POPULATION, tmp_path / "downloads", f"http://127.0.0.1:{server.server_address[1]}")
    finally:
        server.shutdown()
        server.server_close()

    assert fetched.kind == "csv"
    assert fetched.path.read_bytes() == (mirror / POPULATION.mirror_path).read_bytes(), "the file, not its gzip"


def test_ctdc_releases_named_by_date_are_compared_as_dates():
    page = "".join(f'<a href="/files/CTDC_synthetic_{day}.csv">x</a>' for day in ("20210825", "20250301", "20240115"))
    matches = list(re.finditer(CTDC_SYNTHETIC.announcement.link, page))

    assert newest_release(matches, "the CTDC page").group("release") == "20250301", "not 'dated in the future'"
    assert release_order("20250301") > release_order("20240115") > release_order("20210825")
    future = list(re.finditer(CTDC_SYNTHETIC.announcement.link, '<a href="/files/CTDC_synthetic_20991231.csv">'))
    with pytest.raises(DownloadError, match=r"dated in the future: \['20991231'\]"):
        newest_release(future, "the CTDC page")


# --- crashes become sentences ----------------------------------------------------------------------------------------


@pytest.fixture
def read_only_data(case_dirs, tmp_path):
    """The copy of the good data dir, seen through a read-only bind mount (root can mount; elsewhere skipped)."""
    data, _ = case_dirs
    view = tmp_path / "read-only"
    view.mkdir()
    mounted = subprocess.run(["mount", "--bind", str(data.root), str(view)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot bind-mount here: {mounted.stderr.decode().strip()}")
    subprocess.run(["mount", "-o", "remount,ro,bind", str(view)], check=True)
    yield DataPaths(view)
    subprocess.run(["umount", str(view)], check=True)


class _Webhook(http.server.BaseHTTPRequestHandler):
    """A webhook on 127.0.0.1 that keeps every report posted to it."""

    reports: ClassVar[list[dict]] = []

    def do_POST(self) -> None:
        self.reports.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def command(module: str, *arguments: str, **environment: str) -> subprocess.CompletedProcess:
    """`python -m module arguments` as an operator runs it, with `environment` added."""
    return subprocess.run(
        [sys.executable, "-m", module, *arguments],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT), **environment},
        cwd=REPO_ROOT,
    )


def test_a_refresh_on_a_read_only_data_dir_says_so_in_a_sentence_and_reports_to_the_webhook(read_only_data, mirror):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Webhook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    hook = f"http://127.0.0.1:{server.server_address[1]}/hook"
    try:
        done = command(
            "pipelines.refresh",
            TRAFFICKING_DATA_DIR=str(read_only_data.root),
            TRAFFICKING_MIRROR=str(mirror),
            TRAFFICKING_NOTIFY_URL=hook,
        )
    finally:
        server.shutdown()
        server.server_close()

    said = done.stdout + done.stderr
    assert done.returncode == EXIT_FAILED and "Traceback" not in said, said
    assert f"the data dir {read_only_data.root} cannot be written (Read-only file system)" in said
    assert "full log: not written" in said
    (report,) = _Webhook.reports
    assert report["outcome"] == "failed" and any("cannot be written" in line for line in report["failures"])


def test_prune_and_export_on_a_read_only_data_dir_say_so_in_a_sentence(read_only_data, tmp_path):
    environment = {"TRAFFICKING_DATA_DIR": str(read_only_data.root)}
    pruned = command("publications", "prune", "--keep", "1", **environment)
    exported = command("export", "--from", "2015", "--to", "2024", "--out", str(tmp_path / "packs"), **environment)

    for done in (pruned, exported):
        assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
        assert "cannot be written (Read-only file system): nothing was changed" in done.stderr
    assert not (tmp_path / "packs").exists()


def test_an_export_killed_mid_way_leaves_no_hidden_pack_for_good(case_dirs, tmp_path):
    data, _ = case_dirs
    out = tmp_path / "packs"
    export = subprocess.Popen(
        [sys.executable, "-m", "export", "--from", "2015", "--to", "2024", "--out", str(out)],
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT), "TRAFFICKING_DATA_DIR": str(data.root)},
        cwd=REPO_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while not list(out.glob(".menneskehandel-norge-*.tmp")) and export.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    # SIGKILL to the command and the chromium it may be starting for the charts (a child caught between fork and
    # exec still holds the export's lock on OUT), as a service manager kills a job: no clean-up runs.
    os.killpg(export.pid, signal.SIGKILL)
    export.wait()
    (half_made,) = out.glob(".menneskehandel-norge-*.tmp")

    with pack_module._locked(out, fcntl.LOCK_SH):  # while another export is under way, nothing is removed
        assert remove_abandoned(out) == [] and half_made.exists()
    assert remove_abandoned(out) == [half_made], "the next export removes what the killed one left"
    assert not list(out.iterdir())


def test_make_export_passes_an_out_folder_with_spaces_and_norwegian_letters_whole(tmp_path):
    out = tmp_path / "Eksport for NIM" / "Øst"
    planned = subprocess.run(
        ["make", "-n", "export", f"OUT={out}", "PUBLICATION=2026-11-30 12:00"],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        check=True,
    )
    (line,) = [line for line in planned.stdout.splitlines() if " -m export " in line]
    arguments = shlex.split(line)
    assert arguments[arguments.index("--out") + 1] == str(out)
    assert arguments[arguments.index("--publication") + 1] == "2026-11-30 12:00"


def test_a_pace_that_is_not_a_number_is_a_problem_of_ssb_in_the_probe_not_a_traceback(mirror, monkeypatch, capsys):
    monkeypatch.setenv("TRAFFICKING_SSB_REQUESTS_PER_MINUTE", "abc")
    monkeypatch.setenv("TRAFFICKING_MIRROR", str(mirror))

    assert probe_main([]) == EXIT_NOT_ALL

    said = capsys.readouterr().out
    assert "ssb: would keep its last good release (a setting is wrong)" in said
    assert "TRAFFICKING_SSB_REQUESTS_PER_MINUTE='abc' is not a whole number of requests a minute" in said


# --- what the commands say ------------------------------------------------------------------------------------------


def test_the_probe_does_not_say_it_would_read_a_file_of_another_kind(mirror, monkeypatch, capsys):
    monkeypatch.setenv("TRAFFICKING_SOURCE_UNODC_GLOTIP", "/etc/passwd")
    monkeypatch.setenv("TRAFFICKING_MIRROR", str(mirror))

    assert probe_main([]) == EXIT_NOT_ALL

    said = capsys.readouterr().out
    unodc = said.split("\niom_ctdc:")[0]
    assert "unodc_glotip: would keep its last good release" in unodc, unodc
    assert "/etc/passwd: the download is not a valid xlsx file" in unodc


def test_the_summary_counts_each_source_s_published_rows_by_its_source(refreshed, tmp_path):
    """SSB's provenance ids are `ssb/<table>/data:…`: its rows were counted as 0 under `ssb`."""
    published = tmp_path / "trafficking.duckdb"
    shutil.copyfile(refreshed.published, published)
    with duckdb.connect(str(published)) as connection:
        kom = connection.execute("SELECT count(*) FROM fact_indicator WHERE source = 'kom'").fetchone()[0]
        connection.execute(
            "UPDATE fact_indicator SET source = 'ssb', provenance_id = 'ssb/08484/data:' || provenance_id "
            "WHERE source = 'kom'"
        )

    rows = {source: count for source, _, _, _, count in source_statuses(published)}

    assert rows["ssb"] == kom > 0 and rows["kom"] == 0


def test_a_page_linking_the_file_on_another_host_or_port_is_not_followed(tmp_path):
    page = "http://127.0.0.1:8101/data-portal"
    body = tmp_path / "page.html"
    limits, session = Limits(), http_session(0, 0)
    for elsewhere in ("http://127.0.0.1:8102", "https://files.example.org", "http://localhost:8101"):
        body.write_text(f'<a href="{elsewhere}/sites/x/files/2025-11/data_glotip.xlsx">Data</a>')
        with pytest.raises(DownloadError, match=r"links the file on another host or port .*; not followed"):
            linked_file(GLOTIP, page, body, session, limits)
    body.write_text('<a href="/sites/x/files/2025-11/data_glotip.xlsx">Data</a>')
    assert linked_file(GLOTIP, page, body, session, limits) == (
        "http://127.0.0.1:8101/sites/x/files/2025-11/data_glotip.xlsx",
        "2025-11",
    )


# --- secrets in addresses ---------------------------------------------------------------------------------------------

SECRETS = ("analyst", "pa55word", "t0k3n")


def credentialed(base: str, path: str = "") -> str:
    """`base` (`http://127.0.0.1:port`) with a user, a password and a token, as an operator may configure it."""
    return base.replace("://", "://analyst:pa55word@") + path + "?token=t0k3n"


class _Refusing(http.server.BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.send_response(403)
        self.end_headers()

    do_GET = do_HEAD = do_POST

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def refusing_server():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Refusing)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_the_webhook_s_address_is_said_without_its_user_password_path_or_token(refusing_server):
    said = send({"outcome": "failed"}, credentialed(refusing_server, "/hooks/services/T0/B0/s3cretpath"))

    assert said.startswith(f"the refresh report was refused by http://***@{refusing_server.split('//')[1]}/***?***")
    assert not any(secret in said for secret in (*SECRETS, "s3cretpath")), said


def test_the_probe_prints_a_source_setting_s_address_without_its_secrets(refusing_server, mirror, monkeypatch, capsys):
    monkeypatch.setenv("TRAFFICKING_SOURCE_UNODC_GLOTIP", credentialed(refusing_server, "/data_glotip.xlsx"))
    monkeypatch.setenv("TRAFFICKING_MIRROR", str(mirror))

    assert probe_main([]) == EXIT_NOT_ALL
    assert probe_main(["--json"]) == EXIT_NOT_ALL

    said = capsys.readouterr().out
    assert f"http://***@{refusing_server.split('//')[1]}/data_glotip.xlsx?token=***" in said
    assert not any(secret in said for secret in SECRETS), said


def test_a_download_records_where_it_came_from_without_its_secrets(mirror, tmp_path):
    handler = type("Handler", (_GzipHandler,), {"root": mirror})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        fetched = fetch(POPULATION, tmp_path / "downloads", base.replace("://", "://analyst:pa55word@"))
    finally:
        server.shutdown()
        server.server_close()

    recorded = fetched.as_record()["fetched_from"]
    assert recorded == f"http://***@{base.split('//')[1]}/{POPULATION.mirror_path}"
    assert (
        masked_in(f"cannot reach {credentialed(base)}: refused")
        == f"cannot reach http://***@{base[7:]}?token=***: refused"
    )
