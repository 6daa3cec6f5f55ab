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
from browser_checks import developer_words
from built_once import built_once
from page_tables import reader_tables
from streamlit.testing.v1 import AppTest

from core.settings import DataPaths
from core.sources import of_kind
from dashboard.pages import PAGES as APP_PAGES
from pipelines.refresh import EXIT_DEGRADED, refresh
from reporting.catalogue import BREAKDOWN_DIMENSIONS, CTDC_AREAS, CTDC_PROFILES
from reporting.downloads import excel_csv
from reporting.figures import reader_style, with_shown
from reporting.texts import texts
from reporting.words import edition_text, reason_text

REPO = Path(__file__).resolve().parent.parent
APP = str(REPO / "dashboard" / "app.py")
PAGES = {script: title for script, title, _ in APP_PAGES}
"""Every page of the navigation (`dashboard/pages.py`): script -> its title's text key."""
WITHOUT_FIGURES = {"views/accessibility.py"}
"""Pages that read no published figures (shown even when there are none)."""


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


def test_the_as_published_on_switch_waits_for_an_earlier_publication(data_dir):
    """The session's refresh kept one publication, the current one: there is nothing earlier to switch to."""
    app = open_page("views/overview.py")
    label = texts()["publications.as_published_on"]["nb"]
    assert not [box for box in app.sidebar.selectbox if box.label == label]


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
    for page in set(PAGES) - WITHOUT_FIGURES:
        app = open_page(page)
        assert app.warning[0].value == texts()["data.missing"]["nb"], "a sentence, no path and no command"
        assert not app.exception


@pytest.mark.parametrize("language", ["nb", "en"])
def test_the_accessibility_statement_is_shown_without_figures_and_names_standard_and_authority(
    tmp_path, monkeypatch, language
):
    monkeypatch.setenv("TRAFFICKING_DATA_DIR", str(tmp_path))
    app = open_page("views/accessibility.py", language)
    assert not app.warning, "no figures are needed to read the statement"
    said = all_text(app)
    assert "WCAG 2.1" in said and " AA" in said and "axe-core" in said
    assert texts()["about.contact"][language] in said, "the contact the organisation fills in"
    assert "uutilsynet.no" in said and ("Tilsynet for universell utforming av ikt" in said or "Authority" in said)
    assert texts()["a11y.gaps_title"][language] in [heading.value for heading in app.subheader]


def test_about_page_says_what_each_source_counts_and_its_next_edition(data_dir):
    from datetime import datetime

    from core.sources import register
    from reporting.calendar import release_calendar
    from reporting.words import OSLO

    app = open_page("views/about.py")
    said = all_text(app)
    published = [entry for entry in register().values() if entry.kind != "reference"]
    for entry in published:
        assert f"**{entry.name('nb')}**: {entry.counts('nb')}" in said
    calendar = next(frame for frame in reader_tables(app) if texts()["calendar.state"]["nb"] in frame.columns)
    assert list(calendar[texts()["calendar.source"]["nb"]]) == [entry.name("nb") for entry in published]
    states = {entry.source.source_id: entry.state for entry in release_calendar(datetime.now(OSLO).date())}
    expected = [texts()[f"calendar.state_{states[entry.source_id]}"]["nb"] for entry in published]
    assert list(calendar[texts()["calendar.state"]["nb"]]) == expected
    shown = dict(
        zip(calendar[texts()["calendar.source"]["nb"]], calendar[texts()["calendar.shown"]["nb"]], strict=True)
    )
    assert shown[register()["unodc_glotip"].name("nb")].startswith("utgave "), "the edition, never the day fetched"
    assert texts()["about.contact"]["nb"] in said and texts()["about.responsible"]["nb"] in said


def test_damaged_marts_give_a_message_not_a_traceback(tmp_path, monkeypatch):
    marts = tmp_path / "marts"
    marts.mkdir()
    (marts / "trafficking.duckdb").write_bytes(b"not a database, half written")
    monkeypatch.setenv("TRAFFICKING_DATA_DIR", str(tmp_path))
    app = open_page("views/victims.py")
    assert app.warning[0].value == texts()["data.busy"]["nb"]


def test_chart_data_download_writes_less_than_five_never_zero_in_a_form_norwegian_excel_opens(published):
    frame = published.sql(
        "SELECT * FROM series_totals WHERE geo = 'NOR' AND definition_id = 'unodc_glotip.persons_convicted'"
    ).pl()
    suppressed_years = frame.filter(pl.col("flags").str.contains("suppressed"))["year"].to_list()
    assert suppressed_years
    written = excel_csv(with_shown(frame, reader_style("nb")), "nb")
    assert written.startswith(b"\xef\xbb\xbf"), "UTF-8 with a byte order mark, or Excel reads it as Latin-1"
    rows = pl.read_csv(written, separator=";", infer_schema=False)
    words = texts()
    assert rows.columns[:3] == [
        words["download.geo"]["nb"],
        words["download.year"]["nb"],
        words["download.period"]["nb"],
    ]
    shown = dict(zip(rows[words["download.year"]["nb"]], rows[words["download.shown"]["nb"]], strict=True))
    assert all(shown[str(year)] == "<5" for year in suppressed_years)
    assert "0" not in shown.values()
    exact = frame.filter(pl.col("value").is_not_null() & (pl.col("value") != pl.col("value").round()))
    values = rows[words["download.value"]["nb"]].drop_nulls().to_list()
    assert not any(value.endswith(".0") or "." in value for value in values), "no `349.0`; a decimal comma"
    assert exact.is_empty() or any("," in value for value in values)
    assert set(rows[words["download.source"]["nb"]]) == {words["source.unodc_glotip"]["nb"]}, "the source named"
    assert not any("_" in header for header in rows.columns), "headers in words, not column codes"


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


def test_justice_chart_names_only_what_it_draws_and_says_where_series_coincide(data_dir, published):
    """KOM's police reports equal UNODC's offences recorded in some years (the published series say which): the
    page names those years, nests the markers, and neither title nor footnotes name a source without figures."""
    equal = [
        str(year)
        for (year,) in published.execute(
            "SELECT k.year FROM series_totals k JOIN series_totals u ON k.year = u.year AND k.value = u.value "
            "WHERE k.definition_id = 'kom.police_reports' AND u.definition_id = 'unodc_glotip.offences_recorded' "
            "AND k.geo = 'NOR' AND u.geo = 'NOR' AND k.period = CAST(k.year AS VARCHAR) "
            "AND u.period = CAST(u.year AS VARCHAR) ORDER BY k.year"
        ).fetchall()
    ]
    assert len(equal) > 1, "the published series coincide in some years"
    has_ssb = published.execute("SELECT count(*) FROM series_totals WHERE source = 'ssb'").fetchall()[0][0]
    app = open_page("views/justice.py", "en")
    note = next(caption.value for caption in app.caption if caption.value.startswith("Where series have the same"))
    assert f"{', '.join(equal[:-1])} and {equal[-1]}" in note
    figure = json.loads(app.get("plotly_chart")[0].proto.spec)
    sizes = [trace["marker"]["size"] for trace in figure["data"] if trace.get("mode") == "lines+markers"]
    assert sizes == sorted(sizes, reverse=True) and len(set(sizes)) > 1, "each later series' markers sit inside"
    chain_title = app.subheader[0].value
    footnotes = " ".join(caption.value for caption in app.caption if caption.value.startswith("**"))
    assert ("(SSB)" in chain_title) == bool(has_ssb)
    assert ("(SSB)**" in footnotes) == bool(has_ssb)
    assert "sanctions" not in chain_title or has_ssb


@pytest.mark.parametrize("page", ["views/victims.py", "views/justice.py", "views/world.py", "views/changes.py"])
@pytest.mark.parametrize("language", ["nb", "en"])
def test_tables_for_readers_are_text_tables_without_files_codes_or_english(data_dir, page, language):
    """Every table a reader meets is an HTML table (no canvas grid, whose cells neither wrap nor reach a browser
    test), and no cell holds a file name, a code such as `0--8` or `Unknown`, or a double comma."""
    app = open_page(page, language)
    tables = reader_tables(app)
    assert tables, "the page has tables"
    assert not app.dataframe, "no canvas grids outside the analysts' parts of Definisjoner og kilder"
    cells = "\n".join(" | ".join(row) for table in tables for row in [table.columns, *table.rows()])
    found = developer_words(cells, language)
    assert not found, found
    assert not re.search(r"\d--\d|,\s*,", cells), "codes or a double comma"
    if language == "nb":
        assert not re.search(r"\bUnknown\b|\bOther\b", cells), "English codes on a Norwegian page"


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
@pytest.mark.parametrize("page", [page for page in PAGES if page not in WITHOUT_FIGURES])
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


def status_lines(app: AppTest, language: str) -> dict[str, str]:
    """{source: its status sentence} from the sources page's list of every source, one line each."""
    said = next(element.value for element in app.markdown if element.value.startswith("- **")).splitlines()
    assert len(said) == len(SOURCE_IDS), said
    lines = {}
    for source in SOURCE_IDS:
        publisher = texts()[f"publisher.{source}"][language]
        lines[source] = next(line for line in said if line.startswith(f"- **{publisher[:1].upper()}{publisher[1:]}**"))
    return lines


SOURCE_IDS = tuple(entry.source_id for entry in of_kind("curated", "download", "api"))
"""Every source a publisher releases, in the register's order."""


def test_the_sources_page_says_every_sources_status_in_one_voice(degraded, monkeypatch):
    monkeypatch.setenv("TRAFFICKING_DATA_DIR", str(degraded.root))
    app = open_page("views/sources.py", "en")
    lines = status_lines(app, "en")
    assert set(lines) == set(SOURCE_IDS)
    held = [source for source, line in lines.items() if "last good release" in line]
    assert held == ["iom_ctdc"], "only the stale source is said to be held at its last good release"
    assert "Taken anew at this publication" in lines["kom"]
    assert "no figures published yet" in lines["ssb"]


def test_every_source_is_named_with_its_edition_and_newest_year_never_the_day_fetched(data_dir, published):
    editions = dict(published.execute("SELECT source_id, max(edition) FROM provenance GROUP BY 1").fetchall())
    newest = dict(published.execute("SELECT source, max(year) FROM fact_indicator GROUP BY 1").fetchall())
    (newest["worldbank_population"],) = published.execute(
        "SELECT max(year) FROM population WHERE population IS NOT NULL"
    ).fetchone()
    app = open_page("views/sources.py")
    lines = status_lines(app, "nb")
    for source, line in lines.items():
        if source == "ssb":  # the mirror holds no SSB tables
            continue
        assert editions[source] is not None, f"{source}: its file gives its edition"
        assert f"{edition_text(editions[source], None, 'nb')}, nyeste tall fra {newest[source]}" in line, line
    shown = all_text(app)
    assert "ukjent utgave" not in shown and "utgaven hentet" not in shown


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
