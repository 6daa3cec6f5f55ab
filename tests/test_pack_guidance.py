"""Issue 34's done-when: the rapporteur's pack, opened as a reader does, point by point against the UK Government
Analysis Function's guidance for releasing statistics in spreadsheets, with citations ready to paste, KOM's
"om lag" carried, revisions limited to the pack, and charts whose texts do not overlap, in both languages.

The published state is the README's first path (offline, then the mirror), built once for the module.
"""

import csv
import html
import json
import re
import subprocess
from itertools import combinations
from pathlib import Path

import duckdb
import openpyxl
import pytest
from browser_checks import developer_words
from openpyxl.utils import range_boundaries
from pack_workbook import table_rows, workbook_of
from published_states import offline_then_mirror

from core.settings import CURATED_DIR
from core.sources import register
from export import build_pack
from export.citations import NOT_READERS
from export.columns import field
from export.tables import TABLES
from reporting.catalogue import catalogue, definition_ids
from reporting.figures import number
from reporting.texts import text

pytestmark = pytest.mark.refresh
LANGUAGES = ("nb", "en")
YEARS = (2015, 2024)
SYMBOLS = {"[x]", "[c]", "[z]", "[u]"}
IDS = re.compile(r"\b[a-z_]+:[0-9a-f]{12}\b|\b\d{8}T\d{6}Z\b|sha256:")
"""A file's provenance id, a publication id or a release hash: for the machine, never in a citation."""
BOXES_JS = """
const box = (el) => { const r = el.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
const found = {};
for (const [name, selector] of Object.entries({title: ".gtitle", legend: ".legend .traces",
    annotation: ".annotation", xtitle: ".xtitle", ytitle: ".ytitle", xtick: ".xtick text"})) {
  found[name] = [...document.querySelectorAll(selector)].filter((e) => e.getBoundingClientRect().width > 0)
    .map((e) => ({text: e.textContent, box: box(e)}));
}
document.body.setAttribute("data-boxes", JSON.stringify(found));
"""


@pytest.fixture(scope="module")
def state(tmp_path_factory, mirror):
    return offline_then_mirror(tmp_path_factory.mktemp("offline-then-mirror"), mirror)


@pytest.fixture(scope="module")
def pack(state, tmp_path_factory) -> Path:
    return build_pack(state.published, *YEARS, tmp_path_factory.mktemp("pack"))


@pytest.fixture(scope="module")
def workbooks(pack) -> dict[str, openpyxl.Workbook]:
    return {language: workbook_of(pack, language) for language in LANGUAGES}


def table_sheets(workbook: openpyxl.Workbook, language: str) -> list[str]:
    own = {text(f"pack.sheet.{name}", language) for name in ("cover", "contents")}
    return [name for name in workbook.sheetnames if name not in own]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_cover_has_title_publisher_contact_period_publication_next_update_and_citation(workbooks, language):
    column = [cell for (cell,) in workbooks[language][text("pack.sheet.cover", language)].iter_rows(values_only=True)]
    assert column[0] == text("pack.title", language, first=YEARS[0], last=YEARS[1])
    said = {column[row]: column[row + 1] for row in range(2, len(column) - 1, 2)}
    for key in ("publisher", "contact", "period", "published", "next_update", "cite"):
        assert said.get(text(f"pack.cover.{key}", language)), key
    assert said[text("pack.cover.period", language)] == f"{YEARS[0]}–{YEARS[1]}"
    for source in register().values():
        if source.next_expected:
            assert source.publisher(language) in said[text("pack.cover.next_update", language)], source.source_id


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_contents_sheet_links_every_sheet_with_a_line_each(workbooks, language):
    workbook = workbooks[language]
    contents = workbook[text("pack.sheet.contents", language)]
    first_column, first_row, _, last_row = range_boundaries(contents.tables["contents"].ref)
    links = {
        contents.cell(row, first_column).value: contents.cell(row, first_column).hyperlink
        for row in range(first_row + 1, last_row + 1)
    }
    assert set(links) == set(table_sheets(workbook, language))
    assert all(link.location == f"'{name}'!A1" for name, link in links.items())


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_table_refers_to_numbered_notes_on_the_notes_sheet(workbooks, language):
    workbook = workbooks[language]
    numbers = {row[text("pack.column.notes_number", language)] for row in table_rows(workbook, "notes", language)}
    assert numbers == {f"[{text('pack.note.word', language)} {n}]" for n in (1, 2, 3, 4)}
    for table in TABLES:
        line = workbook[text(f"pack.sheet.{table.name}", language)]["A3"].value
        assert set(re.findall(r"\[[^\]]+\]", line)) <= numbers and re.search(r"\[", line), table.name


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_sheet_is_one_named_excel_table_with_one_header_row(workbooks, language):
    workbook = workbooks[language]
    for name in table_sheets(workbook, language):
        sheet = workbook[name]
        if not sheet.tables:
            assert sheet["A5"].value == text("pack.sheet.empty", language), name
            continue
        (table,) = sheet.tables.values()
        first_column, first_row, last_column, _ = range_boundaries(table.ref)
        assert (first_column, first_row) == (1, 5), "title, description, notes and citation above, in column A"
        above = [sheet.cell(row, column).value for row in range(1, 5) for column in range(2, last_column + 1)]
        assert set(above) == {None}, f"{name}: nothing but column A above the table"
        headers = [sheet.cell(first_row, column).value for column in range(first_column, last_column + 1)]
        assert all(isinstance(header, str) for header in headers) and len(set(headers)) == len(headers), name
        second = [sheet.cell(first_row + 1, column).value for column in range(first_column, last_column + 1)]
        assert second != headers, f"{name}: one header row"


@pytest.mark.parametrize("language", LANGUAGES)
def test_numbers_are_numbers_and_no_cell_of_a_table_is_empty(workbooks, language):
    workbook = workbooks[language]
    for table in TABLES:
        numeric = {column.label(language) for column in table.fields if column.type in ("integer", "number")}
        numeric |= {field(table.name, "value").label(language)} if "value" in {c.name for c in table.fields} else set()
        for row in table_rows(workbook, table.name, language):
            assert None not in row.values() and "" not in row.values(), (table.name, row)
            for label in numeric & row.keys():
                assert isinstance(row[label], int | float) or row[label] in SYMBOLS, (table.name, label, row[label])


def test_kom_2015_is_about_290_as_the_publication_says(workbooks):
    with (CURATED_DIR / "kom" / "kom_figures.csv").open(encoding="utf-8", newline="") as handle:
        stated = next(
            row for row in csv.DictReader(handle)
            if row["period"] == "2015" and row["measure_nb"] == "antatte ofre fulgt opp" and row["sex_nb"] == "i alt"
            and row["age_nb"] == "i alt" and row["exploitation_nb"] == "i alt"
        )  # fmt: skip
    assert stated["qualifier"] == "ca.", "the file says about"
    for language in LANGUAGES:
        label = {name: field("victims_norway", name).label(language) for name in ("value", "value_words", "year")}
        citation = field("victims_norway", "source_citation").label(language)
        rows = table_rows(workbooks[language], "victims_norway", language)
        (row,) = [r for r in rows if r[label["year"]] == 2015 and "kom.victims_assisted" in r.values()]
        assert row[label["value"]] == float(stated["value"])
        words = text("value.approximate", language, value=number(float(stated["value"]), language))
        assert row[label["value_words"]] == words
        assert stated["publication"] in row[citation] and stated["reference"] in row[citation]
        assert (
            text("pack.cite.quoted", language, publisher="KOM", quoted_in="", address="", read="")[:12] in row[citation]
        ), "a secondary source says whom it quotes"


def citations(workbook: openpyxl.Workbook, language: str) -> list[str]:
    """Every citation a reader may paste: each table's (above it) and each figure's."""
    found = []
    for name in table_sheets(workbook, language):
        if workbook[name]["A4"].value:
            found.append(workbook[name]["A4"].value)
    for table in TABLES:
        names = [column.name.removesuffix("location") + "citation" for column in table.fields]
        labels = {field(table.name, name).label(language) for name in names if name.endswith("_citation")}
        for row in table_rows(workbook, table.name, language):
            found += [value for label, value in row.items() if label in labels and value not in SYMBOLS]
    return found


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_citation_names_publisher_and_address_and_nothing_of_the_machine(workbooks, language):
    said = citations(workbooks[language], language)
    assert len(said) > 100
    publishers = {source.publisher_nb for source in register().values()} | {
        source.publisher(language) for source in register().values()
    }
    for citation in said:
        without_addresses = re.sub(r"https?://\S+", "", citation)  # a publisher's address may name its own file
        assert not NOT_READERS.search(without_addresses) and not IDS.search(citation), citation
        assert re.search(r"https?://", citation), citation
        assert any(publisher in citation for publisher in publishers), citation


def test_the_revisions_sheet_holds_only_the_packs_figures_and_years(state, pack, workbooks):
    with duckdb.connect(str(state.published), read_only=True) as connection:
        everywhere = connection.execute("SELECT count(*) FROM revisions").fetchone()[0]
        nordic = {geo for (geo,) in connection.execute("SELECT geo FROM rates_per_100k WHERE is_nordic").fetchall()}
    with (pack / "csv" / "revisions.csv").open(encoding="utf-8", newline="") as handle:
        listed = list(csv.DictReader(handle))
    assert everywhere > 10 * len(listed) > 0, "the mirror's refresh revised the world; the pack lists its own"
    in_pack = {
        entry.definition_id for (view, _), block in catalogue().items() if view == "pack_tables" for entry in block
    }
    nordic_series = set(definition_ids("pack_tables", "nordic_rates"))
    for row in listed:
        assert YEARS[0] <= int(row["year"]) <= YEARS[1]
        assert (
            (row["geo"] == "NOR" and row["definition_id"] in in_pack)
            or (row["geo"] in nordic and (row["definition_id"] in nordic_series or row["table"] == "population"))
            or (row["source"] == "ilo" and row["definition_id"] in in_pack)
        ), row
    for language in LANGUAGES:
        assert len(table_rows(workbooks[language], "revisions", language)) == len(listed)


def text_boxes(svg: Path, folder: Path) -> dict[str, list[dict]]:
    """The boxes of the chart's title, legend entries, annotations, axis titles and year labels, as chromium lays
    the SVG out."""
    page = folder / f"{svg.parent.name}-{svg.stem}.html"
    page.write_text(f"<!doctype html><body style='margin:0'>{svg.read_text()}<script>{BOXES_JS}</script></body>")
    dom = subprocess.run(
        ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=120, check=True,
    ).stdout  # fmt: skip
    return json.loads(html.unescape(re.search(r'data-boxes="([^"]*)"', dom).group(1)))


def overlap(a: list[float], b: list[float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_chart_has_its_texts_apart_the_packs_years_and_a_legend_entry_per_series(pack, language, tmp_path):
    charts = sorted((pack / "charts" / language).glob("*.svg"))
    assert {chart.stem for chart in charts} >= {"victims_norway", "justice_chain_norway", "nordic_rates"}
    for chart in charts:
        boxes = text_boxes(chart, tmp_path)
        named = [
            (group, item) for group in ("title", "legend", "annotation", "xtitle", "ytitle") for item in boxes[group]
        ]
        named += [("xtick", item) for item in boxes["xtick"]]
        for (group_a, a), (group_b, b) in combinations(named, 2):
            assert not overlap(a["box"], b["box"]), (
                f"{chart.name}: {group_a} {a['text']!r} covers {group_b} {b['text']!r}"
            )
        if chart.stem != "global_estimates":
            years = [int(item["text"]) for item in boxes["xtick"]]
            assert (min(years), max(years)) == YEARS, f"{chart.name}: the pack's period on the axis"
        assert boxes["title"][0]["text"] == text(f"pack.{chart.stem}.title", language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_chart_credits_only_the_sources_it_draws(pack, state, language, tmp_path):
    with duckdb.connect(str(state.published), read_only=True) as connection:
        drawn = connection.execute(
            "SELECT DISTINCT s.source, d.name_nb, d.name_en FROM series_totals s "
            "JOIN definitions d USING (definition_id) WHERE geo = 'NOR' AND year BETWEEN ? AND ? "
            "AND list_contains(?, definition_id) "
            "AND NOT contains(coalesce(flags, ''), 'cumulative')",
            [*YEARS, list(definition_ids("pack_charts", "justice_chain_norway"))],
        ).fetchall()
    boxes = text_boxes(pack / "charts" / language / "justice_chain_norway.svg", tmp_path)
    (caption,) = [
        item["text"] for item in boxes["annotation"] if item["text"].startswith(text("chart.source", language))
    ]
    credited = set(caption.split(": ", 1)[1].split(", "))
    assert credited == {register()[source].publisher(language) for source, _, _ in drawn}
    legend = {item["text"] for item in boxes["legend"]}
    assert {names[language == "en"] for _, *names in drawn} <= legend, "every series drawn is in the legend"


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_cover_and_the_lines_above_each_table_are_plain_words(workbooks, language):
    """What a reader reads before the tables names no hash, file, path, table, raw error or timestamp."""
    workbook = workbooks[language]
    said = [cell for (cell,) in workbook[text("pack.sheet.cover", language)].iter_rows(values_only=True) if cell]
    for name in table_sheets(workbook, language):
        said += [workbook[name][f"A{row}"].value for row in range(1, 5) if workbook[name][f"A{row}"].value]
    found = developer_words("\n".join(re.sub(r"https?://\S+", "", line) for line in said), language)
    assert found == {}, found
