"""Every dashboard page through Streamlit's testing API, against the session's published marts.

Each page renders without an exception in both languages with its expected headings; each page's
main filter changes what is shown; the figures shown are the published ones (suppressed as `<5`).
"""

import itertools
import json
import re
import shutil
from pathlib import Path

import duckdb
import polars as pl
import pytest
from built_once import built_once
from streamlit.testing.v1 import AppTest

from core.settings import DataPaths
from dashboard.ui import download_columns
from pipelines.refresh import EXIT_DEGRADED, refresh
from reporting.catalogue import BREAKDOWN_DIMENSIONS, CTDC_AREAS, CTDC_PROFILES
from reporting.figures import reader_style, with_shown
from reporting.texts import texts
from reporting.words import reason_text

REPO = Path(__file__).resolve().parent.parent
APP = str(REPO / "dashboard" / "app.py")
PAGES = {
    "views/overview.py": "page.overview",
    "views/victims.py": "page.victims",
    "views/justice.py": "page.justice",
    "views/world.py": "page.world",
    "views/dark_figure.py": "page.dark_figure",
    "views/sources.py": "page.sources",
    "views/changes.py": "page.changes",
    "views/export.py": "page.export",
}


@pytest.fixture
def data_dir(refreshed, monkeypatch):
    monkeypatch.setenv("TRAFFICKING_DATA_DIR", str(refreshed.root))
    return refreshed


def open_page(page: str, language: str = "nb") -> AppTest:
    app = AppTest.from_file(APP, default_timeout=90)
    app.session_state["language"] = language
    app.run()
    app.switch_page(page).run()
    assert not app.exception, [error.value for error in app.exception]
    return app


def all_text(app: AppTest) -> str:
    parts = [element.value for kind in ("title", "subheader", "markdown", "caption", "warning", "info")
             for element in getattr(app, kind)]  # fmt: skip
    return "\n".join(str(part) for part in parts)


@pytest.mark.parametrize("language", ["nb", "en"])
@pytest.mark.parametrize("page", list(PAGES))
def test_page_renders_with_its_heading_in_both_languages(data_dir, page, language):
    app = open_page(page, language)
    assert app.title[0].value == texts()[PAGES[page]][language]
    other = "en" if language == "nb" else "nb"
    assert app.title[0].value != texts()[PAGES[page]][other]


def test_every_text_key_used_exists_in_both_languages():
    modules = [*(REPO / "dashboard").rglob("*.py"), *(REPO / "reporting").rglob("*.py")]
    sources = "\n".join(path.read_text() for path in modules)
    used = set(re.findall(r'\b(?:t|text)\("([a-z_]+\.[a-z_0-9]+)"', sources)) | {key for key in PAGES.values()}
    missing = sorted(key for key in used if key not in texts())
    assert not missing
    empty = sorted(key for key, text in texts().items() if not text["nb"].strip() or not text["en"].strip())
    assert not empty


def test_every_text_key_built_from_published_codes_exists(published):
    """Keys put together from codes (`dimension.<code>`, `area.<geo>`, `world.unit_<unit>`, `source.<source>`)
    for what the pages offer and the marts hold."""
    units = [unit for (unit,) in published.execute("SELECT DISTINCT unit FROM ilo_estimates").fetchall()]
    areas = [geo for (geo,) in published.execute("SELECT DISTINCT geo FROM ctdc_profiles").fetchall()]
    sources = [source for (source,) in published.execute("SELECT DISTINCT source FROM definitions").fetchall()]
    assert set(CTDC_AREAS) <= set(areas), "every area the page offers has profiles"
    keys = [f"dimension.{code}" for code in (*BREAKDOWN_DIMENSIONS, *CTDC_PROFILES)]
    keys += [f"area.{geo}" for geo in CTDC_AREAS] + [f"world.unit_{unit}" for unit in units]
    keys += [f"source.{source}" for source in sources]
    assert sorted(key for key in keys if key not in texts()) == []


def test_overview_shows_the_latest_published_figure(data_dir, published):
    latest_year, value = published.execute(
        "SELECT year, value FROM series_totals WHERE definition_id = 'unodc_glotip.victims_detected' AND geo = 'NOR' "
        "AND period = CAST(year AS VARCHAR) ORDER BY year DESC LIMIT 1"
    ).fetchone()
    app = open_page("views/overview.py")
    metrics = {metric.label: metric.value for metric in app.metric}
    label = next(label for label in metrics if label.startswith("Oppdagede ofre") and str(latest_year) in label)
    assert metrics[label] == f"{value:,.0f}".replace(",", "\u00a0")


def test_latest_suppressed_figure_shows_as_less_than_five(data_dir, published):
    year, value, flags = published.execute(
        "SELECT year, value, flags FROM series_totals WHERE definition_id = 'unodc_glotip.persons_convicted' "
        "AND geo = 'NOR' AND period = CAST(year AS VARCHAR) ORDER BY year DESC LIMIT 1"
    ).fetchone()
    assert value is None and "suppressed" in flags, "the mirror's latest UNODC convictions for Norway are <5"
    app = open_page("views/overview.py")
    metric = next(metric for metric in app.metric if metric.label.startswith("Personer domfelt"))
    assert metric.label.endswith(str(year))
    assert metric.value == "<5"


def test_victims_source_selector_changes_the_breakdown(data_dir):
    app = open_page("views/victims.py")
    before = [subheader.value for subheader in app.subheader]
    source = next(radio for radio in app.radio if radio.label == texts()["victims.source"]["nb"])
    source.set_value("kom.victims_assisted").run()
    assert not app.exception
    after = [subheader.value for subheader in app.subheader]
    assert before != after
    assert any("Antatte ofre fulgt opp" in heading for heading in after)


def test_victims_series_filter_removes_a_series(data_dir):
    app = open_page("views/victims.py")
    chosen = app.multiselect[0]
    chosen.set_value(["unodc_glotip.victims_detected"]).run()
    assert not app.exception
    chart = json.loads(app.get("plotly_chart")[0].proto.spec)
    assert {trace["name"] for trace in chart["data"]} == {"Oppdagede ofre (UNODC)"}


def test_justice_year_filter_narrows_the_chart_data(data_dir):
    app = open_page("views/justice.py")
    app.slider[0].set_value((2016, 2020)).run()
    assert not app.exception
    chart = app.get("plotly_chart")[0]
    figure = json.loads(chart.proto.spec)
    years = [x for trace in figure["data"] for x in (trace.get("x") or []) if isinstance(x, int | float)]
    assert years and min(years) >= 2016 and max(years) <= 2020


def test_world_page_carries_the_synthetic_caveat_and_area_switch(data_dir):
    app = open_page("views/world.py", "en")
    assert any("synthetic" in warning.value for warning in app.warning)
    area = next(radio for radio in app.radio if radio.label == texts()["world.area"]["en"])
    before = [subheader.value for subheader in app.subheader]
    area.set_value("WORLD").run()
    assert not app.exception
    assert before != [subheader.value for subheader in app.subheader]


def test_sources_page_lists_every_fetched_file_with_its_checksum(data_dir, published):
    checksums = {sha for (sha,) in published.execute("SELECT sha256 FROM provenance").fetchall()}
    app = open_page("views/sources.py")
    files = next(frame.value for frame in app.dataframe if "sha256" in frame.value.columns)
    shown = set(files["sha256"].to_list())
    assert shown == checksums


def test_sources_page_filters_the_definitions_by_source_name(data_dir):
    app = open_page("views/sources.py", "en")
    offered = app.multiselect[0].options
    assert texts()["source.unodc_glotip"]["en"] in offered
    assert not [option for option in offered if option in {"ilo", "iom_ctdc", "kom", "unodc_glotip"}]


def test_missing_marts_give_a_message_not_a_traceback(tmp_path, monkeypatch):
    monkeypatch.setenv("TRAFFICKING_DATA_DIR", str(tmp_path))
    for page in PAGES:
        app = open_page(page)
        assert app.warning[0].value == texts()["data.missing"]["nb"], "a sentence, no path and no command"
        assert not app.exception


def test_damaged_marts_give_a_message_not_a_traceback(tmp_path, monkeypatch):
    marts = tmp_path / "marts"
    marts.mkdir()
    (marts / "trafficking.duckdb").write_bytes(b"not a database, half written")
    monkeypatch.setenv("TRAFFICKING_DATA_DIR", str(tmp_path))
    app = open_page("views/victims.py")
    assert app.warning[0].value == texts()["data.busy"]["nb"]


def test_chart_data_download_writes_less_than_five_never_zero(published):
    frame = published.sql(
        "SELECT * FROM series_totals WHERE geo = 'NOR' AND definition_id = 'unodc_glotip.persons_convicted'"
    ).pl()
    suppressed_years = frame.filter(pl.col("flags").str.contains("suppressed"))["year"].to_list()
    assert suppressed_years
    rows = pl.read_csv(download_columns(with_shown(frame, reader_style("nb"))).write_csv().encode(), infer_schema=False)
    shown = dict(zip(rows["year"].to_list(), rows["shown"].to_list(), strict=True))
    assert all(shown[str(year)] == "<5" for year in suppressed_years)
    assert "0" not in shown.values()


def test_export_button_builds_the_pack_for_download(data_dir):
    app = open_page("views/export.py")
    app.number_input[0].set_value(2016)
    app.number_input[1].set_value(2020)
    app.button[0].click().run()
    assert not app.exception
    assert app.success and "menneskehandel-norge-2016-2020-" in app.success[0].value
    assert not app.error


def test_export_button_with_an_empty_range_says_why(data_dir):
    app = open_page("views/export.py", "en")
    app.number_input[0].set_value(2020)
    app.number_input[1].set_value(2016)
    app.button[0].click().run()
    assert not app.exception
    assert app.error and texts()["export.error.empty_range"]["en"] in app.error[0].value
    assert not app.success


def test_justice_chart_marks_the_2015_penal_code_change(data_dir, published):
    (first_day,) = published.execute(
        "SELECT max(first_day) FROM legal_bases WHERE geo = 'NOR' AND kind = 'provision'"
    ).fetchall()[0]
    app = open_page("views/justice.py", "en")
    figure = json.loads(app.get("plotly_chart")[0].proto.spec)
    lines = [shape for shape in figure["layout"]["shapes"] if shape.get("type") == "line"]
    year = int(first_day[:4])
    assert any(year - 0.5 < shape["x0"] < year + 0.5 for shape in lines)
    notes = " ".join(annotation["text"] for annotation in figure["layout"]["annotations"])
    assert "257–258" in notes and "1 October 2015" in notes


def test_no_line_is_drawn_across_a_year_without_a_figure(data_dir, published):
    years = [
        year
        for (year,) in published.execute(
            "SELECT year FROM series_totals WHERE definition_id = 'unodc_glotip.victims_detected' AND geo = 'NOR' "
            "AND period = CAST(year AS VARCHAR) AND value IS NOT NULL ORDER BY year"
        ).fetchall()
    ]
    gaps = [(before, after) for before, after in itertools.pairwise(years) if after != before + 1]
    assert gaps, "the published UNODC series for Norway has a year without a figure"
    app = open_page("views/victims.py")
    figure = json.loads(app.get("plotly_chart")[0].proto.spec)
    line = next(
        trace for trace in figure["data"] if trace["name"] == "Oppdagede ofre (UNODC)" and "lines" in trace["mode"]
    )
    for before, after in gaps:
        position = line["x"].index(before)
        assert line["x"][position + 1] is None and line["x"][position + 2] == after


@pytest.fixture(scope="module")
def degraded(refreshed, mirror, tmp_path_factory):
    """A copy of the session's data dir refreshed again from a mirror without the CTDC file: CTDC stale (built once
    per test run)."""

    def build(folder: Path) -> None:
        shutil.copytree(refreshed.root, folder / "data", symlinks=True)
        for path in mirror.rglob("*"):
            if path.is_file() and path.parent.name != "iom":
                (folder / "site" / path.relative_to(mirror)).parent.mkdir(parents=True, exist_ok=True)
                (folder / "site" / path.relative_to(mirror)).symlink_to(path)
        assert refresh(folder / "data", str(folder / "site")).exit_code == EXIT_DEGRADED

    return DataPaths(built_once(tmp_path_factory, "degraded", build) / "data")


@pytest.mark.parametrize("language", ["nb", "en"])
@pytest.mark.parametrize("page", list(PAGES))
def test_every_page_says_which_source_is_stale_since_when_and_why(degraded, monkeypatch, page, language):
    monkeypatch.setenv("TRAFFICKING_DATA_DIR", str(degraded.root))
    app = open_page(page, language)
    name = texts()["publisher.iom_ctdc"][language]
    banners = [
        element.value for element in app.warning if element.value.startswith(texts()["status.banner"][language][:12])
    ]
    assert len(banners) == 1 and name in banners[0], [element.value for element in app.warning]
    assert texts()["publisher.unodc_glotip"][language] not in banners[0], "only the sources not current"
    reasons = [block for block in app.expander if block.label == texts()["status.reasons"][language]]
    said = reasons[0].markdown[0].value
    assert f"**{name}**" in said and re.search(r"\d{4} (kl\. \d\d\.\d\d|, \d\d:\d\d)|\d{4}, \d\d:\d\d", said), said
    with duckdb.connect(str(degraded.published), read_only=True) as connection:
        (reason,) = connection.execute("SELECT reason FROM source_status WHERE source_id = 'iom_ctdc'").fetchone()
    assert reason_text(reason, "iom_ctdc", language)[1:] in said, "why, in a sentence"
    assert "ctdc_global_synthetic_20210825.csv" not in said, "no file names for officials"


def test_the_only_banner_is_for_the_source_the_mirror_lacks(data_dir):
    """Every source of the mirror is current; SSB, which the mirror does not hold, is the one banner."""
    app = open_page("views/overview.py")
    banners = [element.value for element in app.warning]
    assert len(banners) == 1 and texts()["publisher.ssb"]["nb"] in banners[0], banners
    assert texts()["publisher.unodc_glotip"]["nb"] not in banners[0]


def test_the_sources_page_lists_every_source_with_its_status(degraded, monkeypatch):
    monkeypatch.setenv("TRAFFICKING_DATA_DIR", str(degraded.root))
    app = open_page("views/sources.py", "en")
    table = next(frame.value for frame in app.dataframe if "Status" in frame.value.columns)
    statuses = dict(zip(table["Source"], table["Status"], strict=True))
    assert statuses[texts()["source.iom_ctdc"]["en"]] == "stale"
    assert statuses[texts()["source.kom"]["en"]] == "current"
    assert statuses[texts()["source.ssb"]["en"]] == "absent"
    assert len(statuses) == 6


@pytest.mark.parametrize("page", ["views/victims.py", "views/world.py", "views/justice.py"])
def test_a_publication_without_some_tables_says_so_and_shows_the_rest(refreshed, tmp_path, monkeypatch, page):
    partial = DataPaths(tmp_path / "data")
    partial.marts_dir.mkdir(parents=True)
    shutil.copy(refreshed.published, partial.published)
    with duckdb.connect(str(partial.published)) as connection:
        for table in ("reconciliation_norway", "ctdc_profiles", "reconciliation_justice_norway"):
            connection.execute(f"DROP TABLE IF EXISTS {table}")
    monkeypatch.setenv("TRAFFICKING_DATA_DIR", str(partial.root))
    app = open_page(page, "en")
    said = [
        element.value
        for element in app.info
        if element.value
        in {texts()["data.table_missing"]["en"], texts()["chart.no_figures"]["en"], texts()["world.no_ctdc"]["en"]}
    ]
    assert said, "the page says a part is missing"
    assert app.subheader or app.markdown, "and shows the rest"


def test_a_series_without_norwegian_breakdowns_says_so(refreshed, tmp_path, monkeypatch):
    partial = DataPaths(tmp_path / "data")
    partial.marts_dir.mkdir(parents=True)
    shutil.copy(refreshed.published, partial.published)
    with duckdb.connect(str(partial.published)) as connection:
        connection.execute("DELETE FROM breakdowns WHERE geo = 'NOR'")
    monkeypatch.setenv("TRAFFICKING_DATA_DIR", str(partial.root))
    app = open_page("views/victims.py", "en")
    assert any("has no figures for Norway by sex, age or form" in element.value for element in app.info)
