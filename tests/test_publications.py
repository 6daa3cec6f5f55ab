"""Kept publications end to end: two refreshes with three figures changed between them, on the real files.

Between the refreshes a Norway figure in the UNODC workbook is one higher, a Norway cell published as
`<5` becomes 6 (both chosen in the first publication and read back from the real workbook, never typed
here) and a KOM row is corrected (its count one higher). The revisions then list exactly those three
figures with their old and new values; the pack of the first publication built after the second
refresh equals, byte for byte, the pack built before it; an unchanged refresh adds no publication;
pruning keeps the current publication and the one an export was made from. The dashboard's Endringer
page, the "as published on" switch and the Eksport page's choice of publication are checked on the
same publications.
"""

import csv
import fcntl
import hashlib
import io
import json
import os
import pickle
import re
import shutil
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path
from types import SimpleNamespace

import duckdb
import fastexcel
import polars as pl
import pytest
from built_once import built_once
from frictionless import validate
from mirror_copies import mirror_with
from page_tables import reader_tables
from streamlit.testing.v1 import AppTest

from core.settings import CURATED_DIR, DataPaths
from export import build_pack
from pipelines.refresh import refresh
from publications import PublicationStore
from publications.store import publication_of
from reporting.texts import text, texts
from reporting.words import moment_text

pytestmark = pytest.mark.refresh

REPO = Path(__file__).resolve().parent.parent
APP = str(REPO / "dashboard" / "app.py")
WORKBOOK = Path("unodc") / "data_glotip.xlsx"
SHEET_XML = "xl/worksheets/sheet1.xml"
KOM = Path("kom") / "kom_figures.csv"
YEARS = (2010, 2024)
TOTALS = "sex = 'total' AND age_group = 'total' AND exploitation_form = 'total' AND counterpart_type = 'none'"


# --- making the second release from the real files -------------------------------------------------


def value_column(workbook: Path) -> str:
    """The column letter of `txtVALUE` in the workbook's sheet, found in its header row."""
    top = fastexcel.read_excel(workbook).load_sheet("data_glotip_1", header_row=None, n_rows=25, dtypes="string")
    for row in top.to_polars().iter_rows():
        if "txtVALUE" in row:
            index = row.index("txtVALUE")
            return chr(ord("A") + index)
    raise AssertionError("no txtVALUE header in the workbook")


def sheet_text(workbook: Path, sheet_row: int) -> str:
    """The text of `txtVALUE` in one row of the sheet (1-based), as the workbook has it."""
    rows = fastexcel.read_excel(workbook).load_sheet(
        "data_glotip_1", header_row=None, skip_rows=sheet_row - 1, n_rows=1, dtypes="string"
    )
    header = value_column(workbook)
    return rows.to_polars().row(0)[ord(header) - ord("A")]


def with_cells(workbook: Path, cells: dict[str, str]) -> bytes:
    """The workbook with each cell (`L27078`) holding the given text (an inline string); the rest byte for byte."""
    source, buffer = zipfile.ZipFile(workbook), io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == SHEET_XML:
                xml = data.decode("utf-8")
                for cell, text in cells.items():
                    pattern = re.compile(rf'<c r="{cell}"[^>]*?(?:/>|>.*?</c>)')
                    xml, count = pattern.subn(f'<c r="{cell}" t="inlineStr"><is><t>{text}</t></is></c>', xml, count=1)
                    assert count == 1, f"no cell {cell} in the sheet"
                data = xml.encode("utf-8")
            target.writestr(item, data)
    return buffer.getvalue()


def corrected_kom_line(path: Path, line: int, value: str) -> None:
    """Set the `value` of one line of the curated KOM file (header is line 1); every other line stays as it is."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    header = next(csv.reader([lines[0]]))
    row = next(csv.reader([lines[line - 1]]))
    row[header.index("value")] = value
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(row)
    lines[line - 1] = buffer.getvalue()
    path.write_text("".join(lines), encoding="utf-8")


def one_fact(published: Path, where: str) -> dict:
    """The first fact (by measure and period) of the published file matching `where`."""
    with duckdb.connect(str(published), read_only=True) as connection:
        frame = connection.sql(
            f"SELECT * FROM fact_indicator WHERE geo = 'NOR' AND year BETWEEN {YEARS[0]} AND {YEARS[1]} AND {where} "
            "ORDER BY measure, period, sex, age_group, exploitation_form LIMIT 1"
        ).pl()
    assert frame.height, f"no fact where {where}"
    return frame.row(0, named=True)


def location_number(fact: dict, pattern: str) -> int:
    found = re.search(pattern, fact["source_location"])
    assert found, fact["source_location"]
    return int(found.group(1))


def breakdown_of(fact: dict) -> str:
    parts = [f"{name}={fact[name]}" for name in ("sex", "age_group", "exploitation_form") if fact[name] != "total"]
    return "; ".join(parts) or "total"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def export_command(data: DataPaths, out: Path, publication: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "export", "--from", str(YEARS[0]), "--to", str(YEARS[1]), "--out", str(out),
         "--publication", publication],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO), "TRAFFICKING_DATA_DIR": str(data.root)},
        capture_output=True,
        text=True,
        timeout=600,
    )  # fmt: skip


def publications_command(data: DataPaths, *arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "publications", *arguments],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO), "TRAFFICKING_DATA_DIR": str(data.root)},
        capture_output=True,
        text=True,
        timeout=300,
    )


def make_history(root: Path, mirror: Path, refreshed: DataPaths, pack_before: Path) -> None:
    """From a copy of the session's refresh (the mirror and the curated files) and its pack: change three figures,
    refresh again, and export the first publication again; what the tests compare with is written beside it
    (`history.pickle`)."""
    data = DataPaths(root / "data")
    curated = root / "curated"
    shutil.copytree(CURATED_DIR, curated)
    shutil.copytree(refreshed.root, data.root, symlinks=True)
    first = publication_of(data.published)

    number = one_fact(data.published, f"source = 'unodc_glotip' AND {TOTALS} AND flags = '' AND value IS NOT NULL")
    small = one_fact(data.published, "source = 'unodc_glotip' AND flags = 'suppressed'")
    kom = one_fact(
        data.published,
        f"source = 'kom' AND measure = 'victims_assisted' AND {TOTALS} AND flags = '' AND value IS NOT NULL "
        "AND period = CAST(year AS VARCHAR)",
    )
    workbook = mirror / WORKBOOK
    column = value_column(workbook)
    number_row = location_number(number, r"row (\d+)$")
    small_row = location_number(small, r"row (\d+)$")
    assert sheet_text(workbook, number_row).replace(",", "") == f"{number['value']:.0f}"
    assert sheet_text(workbook, small_row) == "<5"
    edited = with_cells(workbook, {f"{column}{number_row}": f"{number['value'] + 1:.0f}", f"{column}{small_row}": "6"})
    site = mirror_with(mirror, root / "site", WORKBOOK, edited)
    kom_line = location_number(kom, r"^kom_figures\.csv, line (\d+):")
    corrected_kom_line(curated / KOM, kom_line, f"{kom['value'] + 1:.0f}")

    assert refresh(data.root, str(site), curated).published
    second = publication_of(data.published)
    exported = export_command(data, root / "after", first["publication_id"])
    assert exported.returncode == 0, exported.stderr[-3000:]
    made = {
        "root": root, "data": data, "curated": curated, "site": site, "mirror": mirror, "first": first,
        "second": second, "pack_before": pack_before, "pack_after": root / "after" / pack_before.name,
        "number": number, "small": small, "kom": kom,
    }  # fmt: skip
    (root / "history.pickle").write_bytes(pickle.dumps(made))


@pytest.fixture(scope="session")
def history(tmp_path_factory, mirror, refreshed, pack) -> SimpleNamespace:
    """The two publications of `make_history`, built once per test run and shared by the workers: tests read it,
    and a test that writes (a refresh, an export noted, damage) works on `kept_copy` or `history_copy`."""
    root = built_once(
        tmp_path_factory, "publications-history", lambda folder: make_history(folder, mirror, refreshed, pack)
    )
    return SimpleNamespace(**pickle.loads((root / "history.pickle").read_bytes()))


def history_copy(history: SimpleNamespace, tmp_path: Path) -> SimpleNamespace:
    """`history` with its data dir copied into `tmp_path`, for a test that writes into it."""
    shutil.copytree(history.data.root, tmp_path / "data", symlinks=True)
    return SimpleNamespace(**{**vars(history), "data": DataPaths(tmp_path / "data")})


def published_table(path: Path, name: str) -> pl.DataFrame:
    with duckdb.connect(str(path), read_only=True) as connection:
        return connection.sql(f"SELECT * FROM {name}").pl()


# --- revisions ------------------------------------------------------------------------------------


def test_the_revisions_list_exactly_the_three_changed_figures(history):
    revisions = published_table(history.data.published, "revisions")
    keyed = {
        (row["source"], row["measure"], row["period"], row["breakdown"]): row for row in revisions.iter_rows(named=True)
    }
    number, small, kom = history.number, history.small, history.kom
    expected = {(fact["source"], fact["measure"], fact["period"], breakdown_of(fact)) for fact in (number, small, kom)}
    assert set(keyed) == expected and revisions.height == 3, revisions.select(
        "source", "measure", "period", "breakdown"
    )
    assert set(revisions["change"]) == {"revised"} and set(revisions["geo"]) == {"NOR"}
    assert set(revisions["table"]) == {"fact_indicator"}
    assert set(revisions["previous_publication_id"]) == {history.first["publication_id"]}
    assert set(revisions["publication_id"]) == {history.second["publication_id"]}

    def sides(fact: dict) -> tuple:
        row = keyed[(fact["source"], fact["measure"], fact["period"], breakdown_of(fact))]
        before = (row["value_before"], row["value_low_before"], row["value_high_before"], row["flags_before"])
        return before, (row["value"], row["value_low"], row["value_high"], row["flags"]), row

    for fact in (number, kom):
        before, after, row = sides(fact)
        old = fact["value"]
        assert before == (old, old, old, "") and after == (old + 1, old + 1, old + 1, "")
        assert row["release_before"] != row["release"], "the new release brought it"
    before, after, _ = sides(small)
    assert before == (None, 1.0, 4.0, "suppressed") and after == (6.0, 6.0, 6.0, "")


def test_the_history_holds_both_values_of_the_changed_figures_and_one_of_every_other(history):
    figure_history = published_table(history.data.published, "figure_history")
    counts = figure_history.group_by("table", "source", "measure", "geo", "period", "breakdown").len()
    assert sorted(counts["len"].unique().to_list()) == [1, 2]
    assert counts.filter(pl.col("len") == 2).height == 3
    changes = figure_history.group_by("change").len().sort("change").rows()
    assert changes == [("first", counts.height), ("revised", 3)]


def test_the_catalogue_names_both_publications_with_their_sources_and_code(history):
    store = PublicationStore(history.data)
    first, second = history.first["publication_id"], history.second["publication_id"]
    entries = store.entries()
    assert [entry.publication_id for entry in entries] == [second, first]
    assert store.current_id() == second and entries[0].previous_publication_id == first
    assert entries[0].revisions == {"new": 0, "revised": 3, "withdrawn": 0}
    catalogue = json.loads(store.catalogue_file.read_text())
    assert catalogue["current"] == second and [entry["current"] for entry in catalogue["publications"]] == [True, False]
    sources = {source["source_id"]: source for source in entries[0].sources}
    workbook_file = next(file for file in sources["unodc_glotip"]["files"])
    assert workbook_file["sha256"] == sha256(history.site / WORKBOOK)
    assert sources["kom"]["files"][0]["sha256"] == sha256(history.curated / KOM)
    assert (
        sources["unodc_glotip"]["release"] != {s["source_id"]: s for s in entries[1].sources}["unodc_glotip"]["release"]
    )
    assert entries[0].code_version["git_commit"] == history.second["code_commit"]
    for publication in (first, second):
        database = store.database(publication)
        assert not os.access(database, os.W_OK) or os.geteuid() == 0
        assert oct(database.stat().st_mode)[-3:] == "444"
        assert publication_of(database)["publication_id"] == publication
    assert not os.path.samefile(store.database(second), history.data.published), "two files, never one inode"
    assert store.database(second).read_bytes() == history.data.published.read_bytes()


# --- exports ---------------------------------------------------------------------------------------


def test_the_pack_of_the_first_publication_is_byte_identical_after_the_second_refresh(history):
    before, after = history.pack_before, history.pack_after
    files = sorted(path.relative_to(before) for path in before.rglob("*") if path.is_file())
    assert files == sorted(path.relative_to(after) for path in after.rglob("*") if path.is_file())
    for name in files:
        assert (before / name).read_bytes() == (after / name).read_bytes(), f"{name} differs"
    front = (after / "LES-MEG.md").read_text()
    assert history.first["publication_id"] in front and "the first kept publication" in front
    exported = PublicationStore(history.data).exported_ids()
    assert history.first["publication_id"] in exported


def test_the_pack_of_the_second_publication_names_it_and_lists_its_revisions(history, tmp_path):
    pack = build_pack(history.data.published, *YEARS, tmp_path)
    second, first = history.second["publication_id"], history.first["publication_id"]
    front = (pack / "LES-MEG.md").read_text()
    assert f"{second} (forrige: {first}) / {second} (previous: {first})" in front
    assert "0 new, 3 revised, 0 withdrawn figures since" in front
    with (pack / "csv" / "revisions.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 3
    small = next(row for row in rows if row["period"] == history.small["period"] and row["measure"] == history.small[
        "measure"] and row["source"] == "unodc_glotip" and row["breakdown"] == breakdown_of(history.small))  # fmt: skip
    assert (small["before"], small["before_low"], small["after"]) == ("<5", "", "6")
    descriptor = json.loads((pack / "datapackage.json").read_text())
    assert descriptor["x_publication"]["publication_id"] == second
    assert descriptor["x_publication"]["previous_publication_id"] == first
    assert descriptor["x_revisions"] == {
        "since": first, "new": 0, "revised": 3, "withdrawn": 0, "in_years": 3, "resource": "revisions",
    }  # fmt: skip
    assert "revisions" in {resource["name"] for resource in descriptor["resources"]}


def test_an_unknown_publication_stops_the_export_saying_which_are_kept(history, tmp_path):
    result = export_command(history.data, tmp_path / "out", "no-such-publication")
    assert result.returncode == 1
    assert "no kept publication" in result.stderr and history.second["publication_id"] in result.stderr
    assert not (tmp_path / "out").exists()


# --- the command line -------------------------------------------------------------------------------


def test_list_show_and_diff_say_what_was_published_when_and_what_changed(history):
    first, second = history.first["publication_id"], history.second["publication_id"]
    listed = publications_command(history.data, "list")
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert [line.split()[0] for line in lines] == [second, first]
    assert "current" in lines[0] and "exported" in lines[1] and "~3" in lines[0]
    shown = publications_command(history.data, "show", history.first["published_at"])
    assert shown.returncode == 0 and shown.stdout.startswith(f"publication    {first}")
    diff = publications_command(history.data, "diff", first, second)
    assert diff.returncode == 0, diff.stderr
    assert diff.stdout.splitlines()[0] == f"from {first} to {second}: 0 new, 3 revised, 0 withdrawn"
    assert sum(line.startswith("  revised ") for line in diff.stdout.splitlines()) == 3
    assert "[1, 4] (suppressed) -> 6" in diff.stdout


# --- open data ---------------------------------------------------------------------------------------


def test_each_kept_publication_is_an_open_data_package_that_validates(history):
    store = PublicationStore(history.data)
    second = history.second["publication_id"]
    package = store.data_package(second)
    report = validate(str(package))
    assert report.valid, report.flatten(["title", "message"])[:5]
    descriptor = json.loads(package.read_text())
    tables = set(published_table(history.data.published, "publication")["tables"][0].split(","))
    names = {resource["name"] for resource in descriptor["resources"]}
    assert {*tables, "publication", "revisions", "figure_history"} <= names
    assert {f"{table}-parquet" for table in tables} <= names
    assert descriptor["x_publication"]["publication_id"] == second
    facts = published_table(store.database(second), "fact_indicator")
    assert pl.read_parquet(package.parent / "fact_indicator.parquet").equals(facts)
    with duckdb.connect() as connection:
        count = connection.execute(f"SELECT count(*) FROM read_csv('{package.parent / 'fact_indicator.csv'}')")
        assert count.fetchone()[0] == facts.height


# --- the dashboard -------------------------------------------------------------------------------------


def open_page(history, monkeypatch, page: str, language: str = "nb", publication: str | None = None) -> AppTest:
    monkeypatch.setenv("TRAFFICKING_DATA_DIR", str(history.data.root))
    app = AppTest.from_file(APP, default_timeout=90)
    app.session_state["language"] = language
    if publication:
        app.session_state["publication"] = publication
    app.run()
    app.switch_page(page).run()
    assert not app.exception, [error.value for error in app.exception]
    return app


@pytest.mark.parametrize("language", ["nb", "en"])
def test_the_changes_page_shows_what_the_last_publication_changed(history, monkeypatch, language):
    app = open_page(history, monkeypatch, "views/changes.py", language)
    assert app.title[0].value == texts()["page.changes"][language]
    metrics = [(metric.label, metric.value) for metric in app.metric]
    revised = texts()["changes.count_revised"][language]
    assert metrics[:3] == [(texts()[f"changes.count_{c}"][language], v) for c, v in (("new", "0"), ("revised", "3"),
                                                                                   ("withdrawn", "0"))]  # fmt: skip
    tables = reader_tables(app)
    groups = tables[0]
    assert (
        groups[revised].cast(pl.Int64).sum() == 3
        and groups[texts()["changes.norway"][language]].cast(pl.Int64).sum() == 3
    )
    assert (revised, "3") in metrics[3:], "the comparison of the two kept publications, newest against the one before"
    publications = tables[-1]
    assert publications[texts()["changes.published_at"][language]].to_list() == [
        moment_text(history.second["published_at"], language), moment_text(history.first["published_at"], language),
    ], "publications named by when they were published, newest first"  # fmt: skip


def test_an_earlier_publication_is_shown_with_a_note_and_a_revised_figure_is_marked(history, monkeypatch):
    first = history.first["publication_id"]
    kom, explanation = history.kom, texts()["victims.explanation"]["nb"]
    year = texts()["chart.year"]["nb"]
    first_time, second_time = (moment_text(row["published_at"], "nb") for row in (history.first, history.second))
    current = open_page(history, monkeypatch, "views/victims.py")
    label = texts()["publications.as_published_on"]["nb"]
    switch = next(box for box in current.sidebar.selectbox if box.label == label)
    assert len(switch.options) == 3, "the current publication and the two kept, to choose from"
    table = next(frame for frame in reader_tables(current) if explanation in frame.columns)
    cells = list(table.filter(pl.col(year) == kom["period"]).row(0))
    assert f"{kom['value'] + 1:.0f} (revidert (var {kom['value']:.0f}))" in cells, "the mark beside the value"
    assert not any(first_time in info.value for info in current.info)

    earlier = open_page(history, monkeypatch, "views/victims.py", publication=first)
    assert any(first_time in info.value and second_time in info.value for info in earlier.info), "the page says so"
    table = next(frame for frame in reader_tables(earlier) if explanation in frame.columns)
    assert not any("revidert" in (cell or "") for row in table.iter_rows() for cell in row), "nothing revised"
    assert f"{kom['value']:.0f}" in table.filter(pl.col(year) == kom["period"]).row(0)


def test_the_export_page_builds_the_pack_of_a_chosen_kept_publication(history, monkeypatch, tmp_path):
    history = history_copy(history, tmp_path)  # the export is noted in the data dir
    first = history.first["publication_id"]
    app = open_page(history, monkeypatch, "views/export.py", "en")
    choice = next(box for box in app.selectbox if box.label == texts()["export.publication"]["en"])
    assert choice.value == history.second["publication_id"], "the shown (current) publication first"
    choice.set_value(first).run()
    app.number_input[0].set_value(YEARS[0]).run()
    app.number_input[1].set_value(YEARS[1]).run()
    next(button for button in app.button if button.label == texts()["export.build"]["en"]).click().run()
    assert not app.exception, [error.value for error in app.exception]
    name, archive = app.session_state["export_pack"]
    assert name == history.pack_before.name
    with zipfile.ZipFile(io.BytesIO(archive)) as pack:
        assert (
            pack.read(f"{name}/csv/victims_norway.csv")
            == (history.pack_before / "csv" / "victims_norway.csv").read_bytes()
        )
    assert PublicationStore(history.data).exports()[-1]["publication_id"] == first


# --- an unchanged refresh, and pruning (each on its own copy of the data dir) ------------------------


@pytest.mark.refresh
def test_an_unchanged_refresh_adds_nothing_and_pruning_keeps_what_it_must(history, tmp_path):
    history = history_copy(history, tmp_path)
    data, store = history.data, PublicationStore(history.data)
    first, second = history.first["publication_id"], history.second["publication_id"]
    before = (data.published.stat().st_ino, data.published.read_bytes())
    assert refresh(data.root, str(history.site), history.curated).published
    assert [entry.publication_id for entry in store.entries()] == [second, first]
    assert (data.published.stat().st_ino, data.published.read_bytes()) == before, "the published file is untouched"

    assert refresh(data.root, str(history.mirror), history.curated).published  # the workbook as it was
    third = publication_of(data.published)["publication_id"]
    assert third not in (first, second)
    assert publications_command(data, "prune", "--keep", "1", "--dry-run").stdout.splitlines()[0] == (
        f"would remove {second}"
    )
    pruned = publications_command(data, "prune", "--keep", "1")
    assert pruned.returncode == 0, pruned.stderr
    assert pruned.stdout.splitlines() == [f"removed {second}", f"kept 2: {third}, {first}"]
    assert [entry.publication_id for entry in store.entries()] == [third, first]
    assert not store.folder(second).exists() and store.database(first).exists()
    assert store.current_id() == third


def kept_copy(history, tmp_path) -> PublicationStore:
    return PublicationStore(history_copy(history, tmp_path).data)


@pytest.mark.parametrize("damage", ["deleted", "truncated"])
def test_a_lost_or_damaged_catalogue_is_rebuilt_from_the_kept_folders(history, tmp_path, damage):
    store = kept_copy(history, tmp_path)
    ids = [entry.publication_id for entry in store.entries()]
    assert len(ids) >= 2
    if damage == "deleted":
        store.catalogue_file.unlink()
    else:
        store.catalogue_file.write_bytes(store.catalogue_file.read_bytes()[:40])
    assert [entry.publication_id for entry in store.entries()] == ids, "every kept publication, from its own folder"
    assert store.find(ids[-1]).content_hash == history.first["content_hash"]


def test_a_torn_line_in_the_export_log_loses_neither_the_others_nor_the_next(history, tmp_path):
    store = kept_copy(history, tmp_path)
    noted = store.exported_ids()
    assert noted, "the history made exports"
    with open(store.exports_file, "a", encoding="utf-8") as handle:
        handle.write('{"publication_id": "2026')  # a killed export, mid-line
    assert store.exported_ids() == noted
    newest = store.entries()[0].publication_id
    store.record_export(newest, "menneskehandel-norge-2015-2024-later")
    assert store.exported_ids() == noted | {newest}, "the next export is read, not glued to the torn line"


@pytest.mark.parametrize("damage", ["missing", "truncated"])
def test_a_kept_file_missing_or_truncated_is_named_never_a_traceback(history, tmp_path, monkeypatch, damage):
    """The older publication's kept file removed by hand, or cut short: the commands name the publication and
    the file and exit 1, the export does not tell the user to refresh, and Endringer says it in a sentence."""
    store = kept_copy(history, tmp_path)
    kept_ids = [entry.publication_id for entry in store.entries()]
    first, second = kept_ids[-1], kept_ids[0]
    kept = store.database(first)
    if damage == "missing":
        kept.unlink()
    else:
        kept.chmod(0o644)
        kept.write_bytes(kept.read_bytes()[: kept.stat().st_size // 3])
    for arguments in (("diff", first, second), ("path", first)):
        result = publications_command(store.paths, *arguments)
        assert result.returncode == 1, (arguments, result.stdout)
        assert "Traceback" not in result.stderr and f"publication {first}" in result.stderr, result.stderr
        assert str(kept) in result.stderr, "the file is named"
    listed = publications_command(store.paths, "list")
    assert listed.returncode == 0 and (("FILE-MISSING" in listed.stdout) == (damage == "missing")), listed.stdout
    if damage == "missing":
        exported = export_command(store.paths, tmp_path / "out", first)
        assert exported.returncode == 1 and "make refresh" not in exported.stderr, exported.stderr
        assert f"publication {first}" in exported.stderr and "missing" in exported.stderr
    monkeypatch.setenv("TRAFFICKING_DATA_DIR", str(store.paths.root))
    app = AppTest.from_file(APP, default_timeout=90)
    app.run()
    app.switch_page("views/changes.py").run()
    assert not app.exception, [error.value for error in app.exception]
    warned = " ".join(warning.value for warning in app.warning)
    first_entry = next(entry for entry in store.entries() if entry.publication_id == first)
    assert text("changes.kept_unreadable", "nb", when=moment_text(first_entry.published_at, "nb")) in warned


@pytest.mark.refresh
def test_the_newest_kept_file_removed_by_hand_neither_restarts_the_history_nor_loses_it(history, tmp_path):
    """The second publication's kept file deleted: the next refresh puts it back from the published file (the same
    file), compares with it, and carries the history on; before, it called itself "the first kept"."""
    store = kept_copy(history, tmp_path)
    second = store.entries()[0].publication_id
    before = published_table(store.paths.published, "figure_history")
    store.database(second).unlink()
    assert refresh(store.paths.root, str(history.mirror), CURATED_DIR).published  # the original figures again
    third = publication_of(store.paths.published)
    assert third["publication_id"] != second and third["previous_publication_id"] == second
    assert store.database(second).is_file(), "the kept file is back"
    revised = published_table(store.paths.published, "revisions").filter(pl.col("change") == "revised")
    assert revised.height >= 1, "compared with the second publication, not with nothing (every figure 'new')"
    assert published_table(store.paths.published, "revisions").filter(pl.col("change") == "new").height == 0
    after = published_table(store.paths.published, "figure_history")
    assert before.height and after.height >= before.height
    assert set(before["publication_id"]) <= set(after["publication_id"]), "no earlier value was dropped"
    assert third["publication_id"] in set(after["publication_id"]), "the values this publication changed are added"


def test_pruning_waits_for_no_pack_and_never_removes_a_publication_under_one(history, tmp_path):
    """While a pack is built from an old publication, prune refuses naming the reason; once the pack is noted,
    prune keeps that publication. Before, prune removed it mid-build and the pack could never be rebuilt."""
    store = kept_copy(history, tmp_path)
    store.exports_file.unlink()  # no pack noted yet: the oldest publication may be pruned
    oldest = store.entries()[-1].publication_id
    assert store.prune(keep=1, dry_run=True) == [oldest]
    built: dict = {}

    def build() -> None:
        built["pack"] = build_pack(store.database(oldest), *YEARS, tmp_path / "out", noted_in=(store, oldest))

    builder = threading.Thread(target=build)
    builder.start()
    lock_file = store.paths.root / "packs.lock"
    deadline = time.monotonic() + 30
    while not (lock_file.exists() and held_shared(lock_file)) and time.monotonic() < deadline:
        time.sleep(0.05)
    pruned = publications_command(store.paths, "prune", "--keep", "1")
    builder.join(300)
    assert pruned.returncode == 1 and "a pack is being built" in pruned.stderr, pruned.stderr
    assert store.database(oldest).is_file(), "the publication under the pack is still kept"
    assert built["pack"].is_dir() and oldest in store.exported_ids()
    assert publications_command(store.paths, "prune", "--keep", "1").returncode == 0
    assert store.database(oldest).is_file(), "a publication a pack was made from is never pruned"


def held_shared(lock_file: Path) -> bool:
    """Whether someone holds the lock (an exclusive try fails), tried without keeping it."""
    with open(lock_file, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
        return False
