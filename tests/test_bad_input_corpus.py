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
import hashlib
import io
import re
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path

import dagster as dg
import duckdb
import polars as pl
import pytest
from mirror_copies import mirror_with

from core.settings import CURATED_DIR, DataPaths
from pipelines.checks.facts import latest_year
from pipelines.refresh import EXIT_DEGRADED, failures, read_source_in, refresh
from pipelines.sources.kom import harmonise as kom_harmonise
from pipelines.sources.kom.parse import read_figures
from pipelines.sources.unodc_glotip.parse import read_rows

WORKBOOK = Path("unodc") / "data_glotip.xlsx"
CTDC = Path("iom") / "ctdc_global_synthetic_20210825.csv"
KOM = Path("kom") / "kom_figures.csv"
WORLDBANK = Path("worldbank") / "API_SP.POP.TOTL_DS2_en_csv_v2.csv"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- making bad files from the real ones -------------------------------------------------------


def edited_workbook(path: Path, member: str, edit: Callable[[str], str]) -> bytes:
    """The workbook with one XML part edited as text (the rest byte-for-byte)."""
    source, buffer = zipfile.ZipFile(path), io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == member:
                edited = edit(data.decode("utf-8"))
                assert edited != data.decode("utf-8"), f"the edit changed nothing in {member}"
                data = edited.encode("utf-8")
            target.writestr(item, data)
    return buffer.getvalue()


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
        ["API_SP.POP.TOTL_DS2_en_csv_v2.csv", "population '0' is not positive and finite"],
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
"""One case per downloaded or curated source with a file, through the real refresh and its degrade rule."""


@pytest.mark.refresh
@pytest.mark.parametrize("case", DEGRADE_CASES)
def test_bad_input_leaves_its_source_at_its_last_good_release_and_publishes_the_rest(case, case_dirs, mirror, tmp_path):
    data, curated = case_dirs
    source_id, site = bad_site(case, mirror, curated, tmp_path)
    _, _, step, words = FAILING[case]
    before = {source: published_rows(data.published, source) for source in SOURCE_OF_FILE.values()}

    outcome = refresh(data.root, str(site), curated_dir=curated)

    assert outcome.published and outcome.exit_code == EXIT_DEGRADED
    statuses = {source: (status, reason) for source, status, _, reason, _ in outcome.statuses()}
    status, reason = statuses.pop(source_id)
    assert status == "stale"
    assert step.startswith("raw__") or step in reason, f"expected the failure at {step}, got: {reason}"
    for word in words:
        assert word in reason, f"{word!r} not named in: {reason}"
    assert statuses.pop("ssb")[0] == "absent", "the mirror holds no SSB tables"
    assert {status for status, _ in statuses.values()} == {"current"}
    assert published_rows(data.published, source_id) == before[source_id], "the last good figures, exactly"


def test_every_source_with_a_file_has_a_degrade_case():
    assert {SOURCE_OF_FILE[FAILING[case][0]] for case in DEGRADE_CASES} == set(SOURCE_OF_FILE.values())


KOM_FIGURES = ("measure", "period", "sex", "age_group", "exploitation_form")
KOM_FIGURES += ("value", "value_low", "value_high", "flags")


def kom_facts(path: Path) -> pl.DataFrame:
    """KOM's canonical facts from the curated file at `path`, as its staging and facts assets make them."""
    return kom_harmonise.to_facts(read_figures(path), "kom:test", KOM.name)


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
