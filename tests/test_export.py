"""The rapporteur's export pack from the session's published marts: contents, citation, determinism, safety.

`pack` (conftest) is the pack for 2010–2024, built once per test run."""

import ast
import csv
import io
import json
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import duckdb
import polars as pl
import pytest
from frictionless import validate
from pack_workbook import table_rows, workbook_of

from export import ExportError, build_pack, pack_as_zip
from export.changes import REVISIONS
from export.columns import described
from export.dark_figure import ESTIMATE_TABLE, MODELS_TABLE
from export.tables import DEFINITIONS, SOURCES, TABLES
from pipelines.sources.unodc_glotip.parse import read_rows
from reporting.texts import text

REPO = Path(__file__).resolve().parent.parent


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_workbook_has_a_sheet_per_table_with_one_header_row_in_each_language(pack):
    for language in ("nb", "en"):
        workbook = workbook_of(pack, language)
        for table in TABLES:
            sheet = workbook[text(f"pack.sheet.{table.name}", language)]
            assert sheet["A1"].value == table.heading(language)
            rows = table_rows(workbook, table.name, language)
            labels = [column.label(language) for column in table.fields if column.name in ("source", "year", "value")]
            assert set(labels) <= set(rows[0]) if rows else True, (table.name, language)


def test_every_row_of_the_column_table_is_a_column_of_some_table():
    """A column's words live in `columns.csv` only; a row no table uses is dead."""
    tables = [*TABLES, DEFINITIONS, SOURCES, REVISIONS, ESTIMATE_TABLE, MODELS_TABLE]
    used = {(table.name, column.name) for table in tables for column in table.fields}
    used_names = {name for _, name in used} | {"value_words", "source_citation", "list", "count"}
    used_names |= {name.removesuffix("location") + "citation" for name in used_names if name.endswith("_location")}
    for table, column in described():
        assert column in used_names, f"columns.csv describes {column!r}, which no table has"
        assert table in ("", *(t.name for t in tables), "dark_figure_data"), table


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
    stated = float(in_file["value_text"][0].replace(",", ""))
    rows = table_rows(workbook_of(pack), "victims_norway")
    row = next(r for r in rows if r["Definisjon (kode)"] == "unodc_glotip.victims_detected" and r["År"] == 2016)
    assert row["Tall"] == stated, "stored as a number"
    cited = row["Kildehenvisning"]
    assert cited.startswith("UNODC: Global Report on Trafficking in Persons (GLOTIP), utgave "), "the edition named"
    assert ", sheet data_glotip_1, row " in cited and "ukjent" not in cited
    in_csv = next(
        r for r in read_csv(pack / "csv" / "victims_norway.csv")
        if r["definition_id"] == "unodc_glotip.victims_detected" and r["year"] == "2016"
    )  # fmt: skip
    assert in_csv["source_location"].startswith("data_glotip.xlsx, sheet ")
    sources = {r["provenance_id"]: r for r in read_csv(pack / "csv" / "sources.csv")}
    assert sources[in_csv["provenance_id"]]["url"] in row["Kildehenvisning"]
    assert len(sources[in_csv["provenance_id"]]["sha256"]) == 64


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
    assert descriptor["licenses"][0]["name"]
    victims = next(resource for resource in descriptor["resources"] if resource["name"] == "victims_norway")
    (unodc_url,) = published.execute("SELECT url FROM provenance WHERE source_id = 'unodc_glotip'").fetchall()[0]
    assert unodc_url in {source["path"] for source in victims["sources"]}


def test_charts_are_images_in_both_languages(pack):
    for language in ("nb", "en"):
        charts = sorted((pack / "charts" / language).glob("*.svg"))
        assert {chart.stem for chart in charts} >= {"victims_norway", "justice_chain_norway"}
        assert all(chart.read_text()[:200].lstrip().startswith('<svg class="main-svg"') for chart in charts)
        assert all('width="1200" height="700"' in chart.read_text()[:300] for chart in charts), "the export size"


def test_two_exports_of_the_same_inputs_give_identical_csv(refreshed, pack, tmp_path):
    again = build_pack(refreshed.published, 2010, 2024, tmp_path)
    assert again.name == pack.name, "the pack is dated by the publication, not the clock"
    for path in sorted((pack / "csv").glob("*.csv")):
        assert path.read_bytes() == (again / "csv" / path.name).read_bytes(), path.name
    assert pack_as_zip(again) == pack_as_zip(pack), "workbook, charts and data package are identical too"


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
    rows = table_rows(workbook_of(pack), "justice_chain_norway")
    small = [row for row in rows if row["Tallet i ord"] == "<5"]
    assert small and all(row["Tall"] == "[c]" for row in small), "a small count is never written 0"


ATTACK = '=HYPERLINK("http://example.invalid","click")'


def tiny_marts(path: Path, published: Path) -> Path:
    """A small DuckDB file with the published tables' schemas, the real definitions and provenance, and a
    few rows for Norway in 2016 made to test formula neutralising and small cells."""
    with duckdb.connect(str(path)) as connection:
        connection.execute(f"ATTACH '{published}' AS pub (READ_ONLY)")
        tables = connection.execute("SELECT table_name FROM duckdb_tables() WHERE database_name = 'pub'").fetchall()
        for (name,) in tables:
            connection.execute(f'CREATE TABLE main."{name}" AS SELECT * FROM pub."{name}" LIMIT 0')
        for name in ("definitions", "provenance", "publication", "canonical_vocabulary"):
            connection.execute(f"INSERT INTO main.{name} SELECT * FROM pub.{name}")
        connection.execute("DETACH pub")
        connection.execute("UPDATE definitions SET name_en = '@SUM(1)' WHERE definition_id = 'kom.police_reports'")
        provenance = dict(connection.execute("SELECT source_id, provenance_id FROM provenance").fetchall())
        series = pl.DataFrame(
            [
                ("unodc_glotip", "victims_detected", 12.0, 12.0, 12.0, "", ATTACK),
                ("unodc_glotip", "persons_convicted", None, 1.0, 4.0, "suppressed", "@SUM(1)"),
                ("kom", "police_reports", -3.0, -3.0, -3.0, "", "-2+3"),
                ("kom", "victims_assisted", None, 1.0, 4.0, None, "kom_figures.csv, line 1"),
                ("iom_ctdc", "victims_registered", 3.0, 3.0, 3.0, "synthetic", "ctdc file"),
            ],
            schema=["source", "measure", "value", "value_low", "value_high", "flags", "source_location"],
            orient="row",
        ).with_columns(
            geo=pl.lit("NOR"),
            year=pl.lit(2016, pl.Int32),
            period=pl.lit("2016"),
            unit=pl.lit("persons"),
            definition_id=pl.col("source") + "." + pl.col("measure"),
            provenance_id=pl.col("source").replace_strict(provenance),
        )
        breakdown = series.head(1).with_columns(
            breakdown=pl.lit("sex"),
            category=pl.lit("female"),
            value=pl.lit(None, pl.Float64),
            value_low=pl.lit(1.0),
            value_high=pl.lit(4.0),
            flags=pl.lit("suppressed"),
            source_location=pl.lit("+47 cmd"),
        )
        reconciliation = pl.DataFrame(
            {
                "geo": ["NOR"],
                "year": [2016],
                "kom_victims_assisted": [7.0],
                "unodc_victims_detected_low": [1.0],
                "unodc_victims_detected_high": [4.0],
                "unodc_victims_detected_flags": ["suppressed"],
            }
        )
        for table, frame in (
            ("series_totals", series),
            ("breakdowns", breakdown),
            ("reconciliation_norway", reconciliation),
        ):
            connection.register("new_rows", frame.to_arrow())
            connection.execute(f"INSERT INTO {table} BY NAME SELECT * FROM new_rows")
            connection.unregister("new_rows")
    return path


@pytest.fixture(scope="module")
def tiny_pack(refreshed, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("tiny")
    return build_pack(tiny_marts(folder / "marts.duckdb", refreshed.published), 2016, 2016, folder / "out")


def by_measure(pack: Path, table: str) -> dict[str, dict[str, str]]:
    return {row["measure"]: row for row in read_csv(pack / "csv" / f"{table}.csv")}


def test_a_text_cell_that_looks_like_a_formula_is_neutralised_in_csv(tiny_pack):
    victims, justice = by_measure(tiny_pack, "victims_norway"), by_measure(tiny_pack, "justice_chain_norway")
    assert victims["victims_detected"]["source_location"] == "'" + ATTACK
    assert justice["persons_convicted"]["source_location"] == "'@SUM(1)"
    assert justice["police_reports"]["name_en"] == "'@SUM(1)"
    assert justice["police_reports"]["source_location"] == "'-2+3"
    assert read_csv(tiny_pack / "csv" / "victims_norway_by_group.csv")[0]["source_location"] == "'+47 cmd"
    police = justice["police_reports"]
    assert (police["value"], police["value_low"]) == ("-3", "-3"), "a negative number stays a number"


def test_a_text_cell_that_looks_like_a_formula_is_neutralised_in_the_workbook(tiny_pack):
    workbook = workbook_of(tiny_pack)
    cells = [cell for sheet in workbook for row in sheet.iter_rows() for cell in row if cell.value is not None]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    texts = {cell.value for cell in cells if cell.data_type == "s"}
    assert "'@SUM(1)" in texts, "the definition's English name"
    assert not [text for text in texts if text.startswith(("=", "+", "@")) or (text.startswith("-") and text != "-3")]
    sheet = workbook[text("pack.sheet.justice_chain_norway", "nb")]
    header = [cell.value for cell in sheet[5]]
    police = next(row for row in sheet.iter_rows(min_row=6) if row[header.index("Mål")].value == "police_reports")
    low = police[header.index("Nedre grense")]
    assert (low.value, low.data_type) == (-3, "n"), "a negative bound is written as a number"


def test_small_cells_from_person_level_or_suppressed_data_are_written_less_than_five(tiny_pack):
    victims, justice = by_measure(tiny_pack, "victims_norway"), by_measure(tiny_pack, "justice_chain_norway")
    for row in (victims["victims_registered"], victims["victims_assisted"], justice["persons_convicted"]):
        assert (row["value"], row["value_low"], row["value_high"]) == ("<5", "", ""), row["measure"]
    assert read_csv(tiny_pack / "csv" / "victims_norway_by_group.csv")[0]["value"] == "<5"
    (reconciliation,) = read_csv(tiny_pack / "csv" / "reconciliation_norway.csv")
    assert (reconciliation["unodc_victims_detected"], reconciliation["kom_victims_assisted"]) == ("<5", "7")
    workbook = workbook_of(tiny_pack)
    for name, count in (("victims_norway", 2), ("justice_chain_norway", 1), ("victims_norway_by_group", 1)):
        rows = table_rows(workbook, name)
        assert [row["Tallet i ord"] for row in rows].count("<5") == count, name
        assert [row["Tall"] for row in rows].count("[c]") == count and 0 not in [row["Tall"] for row in rows], name
        assert None not in [value for row in rows for value in row.values()], "a symbol, never an empty cell"


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


def test_charts_that_cannot_be_drawn_fail_the_command_with_a_sentence_and_leave_nothing(refreshed, tmp_path):
    """A browser that will not start (`BROWSER_PATH`, choreographer's own setting): exit 1, one sentence, no
    traceback, and neither the pack, its staging folder nor the folders it made are left."""
    out = tmp_path / "new" / "folder"
    result = subprocess.run(
        [sys.executable, "-m", "export", "--from", "2015", "--to", "2020", "--out", str(out)],
        cwd=REPO,
        env={"TRAFFICKING_DATA_DIR": str(refreshed.root), "PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin",
             "BROWSER_PATH": "/bin/false"},
        capture_output=True,
        text=True,
        timeout=120,  # a command that said it failed and then hung (choreographer's threads) fails here, not CI
    )  # fmt: skip
    assert result.returncode == 1
    assert "export FAILED: the charts could not be drawn" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert list(tmp_path.iterdir()) == []


def test_a_missing_published_file_says_so_and_writes_nothing(tmp_path):
    with pytest.raises(ExportError, match=r"no published marts at .*run `make refresh` first"):
        build_pack(tmp_path / "marts" / "trafficking.duckdb", 2015, 2024, tmp_path / "out")
    assert list(tmp_path.iterdir()) == []


def test_an_unreadable_published_file_says_so_and_writes_nothing(tmp_path):
    garbage = tmp_path / "garbage.duckdb"
    garbage.write_text("not a database")
    with pytest.raises(ExportError, match="cannot open the published marts"):
        build_pack(garbage, 2015, 2024, tmp_path / "out")
    other = tmp_path / "other.duckdb"
    duckdb.connect(str(other)).close()
    with pytest.raises(ExportError, match="lack what the pack needs"):
        build_pack(other, 2015, 2024, tmp_path / "out")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["garbage.duckdb", "other.duckdb"]


@pytest.mark.parametrize(
    ("data_dir", "years", "reason"),
    [("refreshed", ("2020", "2019"), "is empty"), ("empty", ("2015", "2024"), "no published marts")],
)
def test_command_line_exits_non_zero_with_the_reason(refreshed, tmp_path, data_dir, years, reason):
    root = refreshed.root if data_dir == "refreshed" else tmp_path / "no-data"
    out = tmp_path / "out"
    result = subprocess.run(
        [sys.executable, "-m", "export", "--from", years[0], "--to", years[1], "--out", str(out)],
        cwd=REPO,
        env={"TRAFFICKING_DATA_DIR": str(root), "PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert "export FAILED" in result.stderr and reason in result.stderr
    assert not out.exists()


def test_zip_of_the_pack_holds_every_file(pack):
    archive = zipfile.ZipFile(io.BytesIO(pack_as_zip(pack)))
    names = set(archive.namelist())
    files = {f"{pack.name}/{path.relative_to(pack).as_posix()}" for path in pack.rglob("*") if path.is_file()}
    assert names == files


def test_code_version_outside_a_git_checkout_says_unknown(tmp_path, monkeypatch):
    from export import pack as pack_module

    monkeypatch.setattr(pack_module, "REPO_ROOT", tmp_path)
    assert pack_module.code_version() == {"git_commit": "unknown (not a git checkout)", "dirty": None}


def test_marts_without_a_publication_record_say_so(refreshed, tmp_path):
    marts = tiny_marts(tmp_path / "marts.duckdb", refreshed.published)
    with duckdb.connect(str(marts)) as connection:
        connection.execute("DELETE FROM publication")
    with pytest.raises(ExportError, match="do not say when they were published"):
        build_pack(marts, 2016, 2016, tmp_path / "out")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["marts.duckdb"]


def test_packs_beyond_the_concurrent_limit_wait_their_turn(refreshed, tmp_path):
    from export import pack as pack_module

    held = [pack_module._BUILD_SLOTS.acquire(blocking=False) for _ in range(pack_module.MAX_CONCURRENT_BUILDS)]
    assert all(held) and not pack_module.build_slot_free()
    built = []
    waiting = threading.Thread(target=lambda: built.append(build_pack(refreshed.published, 2015, 2016, tmp_path)))
    waiting.start()
    try:
        time.sleep(0.5)
        assert waiting.is_alive() and not built, "a third pack waits while two are being built"
    finally:
        for _ in held:
            pack_module._BUILD_SLOTS.release()
    waiting.join(timeout=120)
    assert built and built[0].is_dir() and pack_module.build_slot_free()


def test_every_reason_an_export_refuses_is_said_to_officials_in_both_languages():
    """Each kind of refusal the pack raises has a sentence in the text catalogue (the page shows it, never the
    message with its paths), and the fallback for a refusal without a kind."""
    tree = ast.parse((REPO / "export" / "pack.py").read_text(encoding="utf-8"))
    raised = {
        node.exc.args[1].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)
        and getattr(node.exc.func, "id", "") == "ExportError"
        and len(node.exc.args) > 1 and isinstance(node.exc.args[1], ast.Constant)
    }  # fmt: skip
    assert raised >= {"no_marts", "no_figures", "kept_missing"}
    for kind in (*raised, "other"):
        for language in ("nb", "en"):
            said = text(f"export.error.{kind}", language, first=1990, last=2100)
            assert said and "/" not in said and "make" not in said
