"""The rapporteur's export pack from the session's published marts: contents, citation, determinism, safety."""

import csv
import io
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import duckdb
import openpyxl
import polars as pl
import pytest
from frictionless import validate

from pipelines.export import ExportError, build_pack, pack_as_zip
from pipelines.export.tables import TABLES
from pipelines.sources.unodc.parse import read_rows

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def pack(refreshed, tmp_path_factory) -> Path:
    return build_pack(refreshed.published, 2010, 2024, tmp_path_factory.mktemp("export"))


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_workbook_has_a_sheet_per_table_with_headers(pack):
    workbook = openpyxl.load_workbook(next(pack.glob("*.xlsx")), read_only=True)
    expected = {table.name for table in TABLES} | {"definitions", "sources", "les_meg"}
    assert set(workbook.sheetnames) == expected
    for table in TABLES:
        header = next(workbook[table.name].iter_rows(min_row=4, max_row=4, values_only=True))
        assert list(header) == [field.name for field in table.fields]


def test_a_figure_from_the_source_file_reaches_the_workbook_with_its_citation(pack, mirror):
    in_file = read_rows(mirror / "unodc" / "data_glotip.xlsx").filter(
        (pl.col("iso3") == "NOR")
        & (pl.col("indicator") == "Detected trafficking victims")
        & (pl.col("dimension") == "Total")
        & (pl.col("sex") == "Total")
        & (pl.col("age") == "Total")
        & (pl.col("year") == "2016")
    )
    assert in_file.height == 1, "the workbook gives Norway's detected victims for 2016 once"
    stated = in_file["value_text"][0].replace(",", "")
    sheet = openpyxl.load_workbook(next(pack.glob("*.xlsx")), read_only=True)["victims_norway"]
    rows = list(sheet.iter_rows(min_row=4, values_only=True))
    header, data = rows[0], [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    assert header[0] == "source"
    row = next(r for r in data if r["definition_id"] == "unodc_glotip.victims_detected" and r["year"] == 2016)
    assert row["value"] == stated
    assert row["source_location"].startswith("data_glotip.xlsx, sheet ")
    sources = {r["provenance_id"]: r for r in read_csv(pack / "csv" / "sources.csv")}
    assert sources[row["provenance_id"]]["url"].startswith("https://")
    assert len(sources[row["provenance_id"]]["sha256"]) == 64


def test_definitions_sheet_is_in_both_languages(pack):
    definitions = {row["definition_id"]: row for row in read_csv(pack / "csv" / "definitions.csv")}
    detected = definitions["unodc_glotip.victims_detected"]
    assert detected["name_nb"] and detected["name_en"] and detected["name_nb"] != detected["name_en"]


def test_data_package_validates_and_records_code_and_inputs(pack, published):
    report = validate(pack / "datapackage.json")
    assert report.valid, report.flatten(["type", "note"])
    descriptor = json.loads((pack / "datapackage.json").read_text())
    assert {resource["name"] for resource in descriptor["resources"]} >= {table.name for table in TABLES}
    (content_hash,) = published.execute("SELECT content_hash FROM publication").fetchall()[0]
    assert descriptor["x_publication"]["content_hash"] == content_hash
    shas = {sha for (sha,) in published.execute("SELECT sha256 FROM provenance").fetchall()}
    assert {item["sha256"] for item in descriptor["x_inputs"]} == shas
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True).stdout.strip()
    assert descriptor["x_code_version"]["git_commit"] == head
    assert sorted(path for path in descriptor["x_files"] if path.endswith(".svg"))


def test_charts_are_images(pack):
    charts = sorted((pack / "charts").glob("*.svg"))
    assert {chart.stem for chart in charts} >= {"victims_norway", "justice_chain_norway"}
    assert all(chart.read_text()[:200].lstrip().startswith("<svg") for chart in charts)


def test_two_exports_of_the_same_inputs_give_identical_csv(refreshed, pack, tmp_path):
    again = build_pack(refreshed.published, 2010, 2024, tmp_path)
    for path in sorted((pack / "csv").glob("*.csv")):
        assert path.read_bytes() == (again / "csv" / path.name).read_bytes(), path.name


def test_small_cells_are_written_less_than_five_in_csv_and_workbook(pack, published):
    suppressed = published.execute(
        "SELECT year FROM series_totals WHERE geo = 'NOR' AND definition_id = 'unodc_glotip.persons_convicted' "
        "AND flags LIKE '%suppressed%' AND year BETWEEN 2010 AND 2024"
    ).fetchall()
    assert suppressed, "the published marts hold suppressed convictions for Norway"
    rows = read_csv(pack / "csv" / "justice_chain_norway.csv")
    written = {int(row["year"]): row for row in rows if row["definition_id"] == "unodc_glotip.persons_convicted"}
    for (year,) in suppressed:
        assert written[year]["value"] == "<5" and written[year]["value_low"] == ""
    ctdc = [row for row in read_csv(pack / "csv" / "victims_norway.csv") if row["source"] == "iom_ctdc"]
    assert all(row["value"] == "<5" or int(row["value"]) >= 5 for row in ctdc)
    sheet = openpyxl.load_workbook(next(pack.glob("*.xlsx")), read_only=True)["justice_chain_norway"]
    values = [row[7] for row in sheet.iter_rows(min_row=5, values_only=True)]
    assert "<5" in values and 0 not in values


def small_marts(path: Path, source: Path, label: str) -> Path:
    """A copy of the published marts with one definition's Norwegian name replaced by `label`."""
    shutil.copy(source, path)
    with duckdb.connect(str(path)) as connection:
        connection.execute(
            "UPDATE definitions SET name_nb = $label WHERE definition_id = 'unodc_glotip.victims_detected'",
            {"label": label},
        )
        connection.execute(
            "UPDATE series_totals SET value = -3 WHERE definition_id = 'unodc_glotip.victims_detected' "
            "AND geo = 'NOR' AND year = 2016"
        )
    return path


def test_a_cell_that_looks_like_a_formula_is_neutralised(refreshed, tmp_path):
    attack = '=HYPERLINK("http://example.invalid","click")'
    marts = small_marts(tmp_path / "marts.duckdb", refreshed.published, attack)
    pack = build_pack(marts, 2016, 2016, tmp_path / "out")
    rows = [row for row in read_csv(pack / "csv" / "victims_norway.csv") if row["source"] == "unodc_glotip"]
    assert rows[0]["name_nb"] == "'" + attack
    assert rows[0]["value"] == "-3", "a number stays a number, even a negative one"
    sheet = openpyxl.load_workbook(next(pack.glob("*.xlsx")))["victims_norway"]
    cells = [cell for row in sheet.iter_rows(min_row=5) for cell in row if cell.value == "'" + attack]
    assert cells and all(cell.data_type == "s" for cell in cells)
    assert not any(cell.data_type == "f" for row in sheet.iter_rows() for cell in row)


@pytest.mark.parametrize(
    ("years", "message"),
    [((2024, 2015), "is empty"), ((1991, 1995), "no figures for Norway in 1991–1995")],
)
def test_bad_year_requests_say_why_and_write_nothing(refreshed, tmp_path, years, message):
    with pytest.raises(ExportError, match=message):
        build_pack(refreshed.published, *years, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_an_output_folder_that_cannot_be_written_says_so_and_writes_nothing(refreshed, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(ExportError, match="cannot write the pack into"):
        build_pack(refreshed.published, 2015, 2020, blocker / "pack")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["a-file"]


def test_a_failure_while_writing_leaves_no_half_written_pack(refreshed, tmp_path, monkeypatch):
    from pipelines.export import pack as pack_module

    def broken(*_arguments, **_keywords):
        raise RuntimeError("no browser to draw with")

    monkeypatch.setattr(pack_module, "write_svgs", broken)
    with pytest.raises(ExportError, match="charts could not be drawn"):
        build_pack(refreshed.published, 2015, 2020, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_command_line_exits_non_zero_with_the_reason(refreshed, tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "pipelines.export", "--from", "2020", "--to", "2019", "--out", str(tmp_path)],
        cwd=REPO,
        env={"TRAFFICKING_DATA_DIR": str(refreshed.root), "PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert "export FAILED" in result.stderr and "is empty" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_zip_of_the_pack_holds_every_file(pack):
    archive = zipfile.ZipFile(io.BytesIO(pack_as_zip(pack)))
    names = set(archive.namelist())
    files = {f"{pack.name}/{path.relative_to(pack).as_posix()}" for path in pack.rglob("*") if path.is_file()}
    assert names == files
