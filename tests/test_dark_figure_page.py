"""The Mørketall page and the Eksport page's dark-figure option, through Streamlit's testing API.

The page renders in both languages with the published examples beside our estimates; an upload of
a good table gives the estimate, its interval, the ratio, the range, the model table and the
downloads; a bad table gives the estimator's one sentence and nothing else; without the examples'
folder the page says so and still offers the upload; an estimate made on the page can be added to
the pack on the Eksport page.
"""

import io
import os
import zipfile
from pathlib import Path

import pytest
from page_tables import reader_tables
from streamlit.testing.v1 import AppTest

from dashboard.ui import ESTIMATE_STATE_KEY
from reporting.dark_figure import DEFAULT_EXAMPLES_DIR, EXAMPLES_ENV, estimate_upload
from reporting.dark_figure.upload import summary
from reporting.texts import texts

APP = str(Path(__file__).resolve().parent.parent / "dashboard" / "app.py")
PAGE = "views/dark_figure.py"
GOOD = b"A,B,C,n\n1,0,0,30\n0,1,0,25\n0,0,1,20\n1,1,0,10\n1,0,1,8\n0,1,1,6\n1,1,1,3\n"
BAD = b"A,B,n\n1,0,5\n0,2,3\n"


@pytest.fixture
def data_dir(refreshed, monkeypatch):
    monkeypatch.setenv("TRAFFICKING_DATA_DIR", str(refreshed.root))
    return refreshed


@pytest.fixture
def with_examples():
    if not (DEFAULT_EXAMPLES_DIR / "UKdat.csv").exists():
        message = f"the published MSE tables {DEFAULT_EXAMPLES_DIR} are missing: clone the project beside ../shared"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return DEFAULT_EXAMPLES_DIR


def open_page(page: str = PAGE, language: str = "nb", state: dict | None = None) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=120)
    app.session_state["language"] = language
    for key, value in (state or {}).items():
        app.session_state[key] = value
    app.run()
    app.switch_page(page).run()
    assert not app.exception, [error.value for error in app.exception]
    return app


def upload(app: AppTest, name: str, data: bytes) -> AppTest:
    app.file_uploader[0].set_value((name, data, "text/csv")).run()
    assert not app.exception, [error.value for error in app.exception]
    return app


@pytest.mark.parametrize("language", ["nb", "en"])
def test_the_page_shows_the_published_examples_beside_ours(data_dir, with_examples, language):
    app = open_page(language=language)
    assert app.title[0].value == texts()["page.dark_figure"][language]
    headings = [subheader.value for subheader in app.subheader]
    for key in ("dark.caveats_title", "dark.examples_title", "dark.upload_title", "dark.kom_title"):
        assert texts()[key][language] in headings
    table = reader_tables(app)[0]
    published, ours = texts()["dark.col_published"][language], texts()["dark.col_ours"][language]
    first = table.row(0, named=True)
    thousands = "\u00a0" if language == "nb" else ","
    assert first[published] == f"10{thousands}000–13{thousands}000"
    assert first[ours] == f"11{thousands}418"
    assert len(app.get("plotly_chart")) == 1, "the examples chart"
    markdown = "\n".join(element.value for element in app.markdown)
    assert "UDI" in markdown and texts()["dark.kom_text"][language][:40] in markdown
    assert not app.error and len(app.file_uploader) == 1


def test_a_good_upload_gives_the_estimate_interval_ratio_range_and_model_table(data_dir):
    app = upload(open_page(language="en"), "lists.csv", GOOD)
    expected = estimate_upload(GOOD, "lists.csv").result
    metrics = {metric.label: metric.value for metric in app.metric}
    assert metrics["Registered (on at least one list)"] == "102"
    assert metrics["Estimated in all"] == f"{expected.estimate:,.0f}"
    assert metrics["95% confidence interval"] == f"{expected.ci_low:,.0f}–{expected.ci_high:,.0f}"
    assert metrics["Estimated / registered"] == f"{expected.ratio:.1f}"
    low, high = expected.estimate_range()
    assert metrics["Range over 8 admissible models"] == f"{low:,.0f}–{high:,.0f}"
    models = reader_tables(app)[-1]
    assert len(models) == 8 and models["Chosen"].to_list().count("✔") == 1
    assert len(app.get("download_button")) == 2
    assert app.session_state[ESTIMATE_STATE_KEY].file_name == "lists.csv"
    assert not app.error


def test_the_bootstrap_option_shows_both_intervals_and_the_pack_carries_them(data_dir):
    """With 99 replicates asked for, the page says the percentile and BCa intervals (the same seed as the command's
    default, so the command gives the same), and the pack's estimate row carries them."""
    app = open_page(language="en")
    app.selectbox(key="dark_bootstrap").set_value(99).run()
    app = upload(app, "lists.csv", GOOD)
    expected = estimate_upload(GOOD, "lists.csv", bootstrap=99).result.bootstrap
    said = "\n".join(element.value for element in app.markdown)
    assert f"({expected.replicates} replicates, seed {expected.seed})" in said
    assert f"percentile interval {expected.percentile[0]:,.0f}–{expected.percentile[1]:,.0f}" in said
    row = summary(app.session_state[ESTIMATE_STATE_KEY])
    assert row["bootstrap_replicates"] == 99 and row["bootstrap_bca_low"] == expected.bca[0]
    assert row["ci_method"] == "multinomial"


@pytest.mark.parametrize(
    ("language", "said"),
    [
        ("nb", "Tabellen kan ikke brukes: Rad 2 (linje 3) har «2» i listekolonnen «B», der bare 0 eller 1 er tillatt."),
        ("en", "The table cannot be used: Row 2 (line 3) has '2' in list column 'B', where only 0 or 1 is allowed."),
    ],
)
def test_a_bad_upload_gives_the_one_sentence_in_the_page_s_language_and_nothing_else(data_dir, language, said):
    app = open_page(language=language)
    before = len(reader_tables(app))
    upload(app, "bad.csv", BAD)
    assert [error.value for error in app.error] == [said]
    assert not app.metric and len(reader_tables(app)) == before and not app.get("download_button")
    assert ESTIMATE_STATE_KEY not in app.session_state


def test_a_table_with_no_admissible_model_says_why_without_an_estimate(data_dir):
    app = upload(open_page(language="en"), "disjoint.csv", b"A,B,n\n1,0,5\n0,1,6\n")
    assert any(warning.value.startswith("No model passed the checks") for warning in app.warning)
    assert {metric.label: metric.value for metric in app.metric}["Estimated in all"] == "–"


def test_without_the_examples_folder_the_page_says_so_and_still_offers_the_upload(data_dir, tmp_path, monkeypatch):
    monkeypatch.setenv(EXAMPLES_ENV, str(tmp_path / "nowhere"))
    app = open_page(language="en")
    assert texts()["dark.examples_missing"]["en"] in [info.value for info in app.info], "a sentence, no path"
    table = reader_tables(app)[0]
    assert table["Published"][0] == "10,000–13,000" and set(table["Our estimate"]) == {""}
    assert not app.get("plotly_chart")
    upload(app, "lists.csv", GOOD)
    assert app.metric


def test_one_example_in_detail(data_dir, with_examples):
    app = open_page(language="en")
    app.selectbox(key="dark_example").set_value("western").run()
    assert not app.exception
    metrics = {metric.label: metric.value for metric in app.metric}
    assert metrics["Estimated in all"] == "2,483"
    assert len(app.get("plotly_chart")) == 2


def test_the_export_page_adds_the_sessions_estimate_to_the_pack(data_dir):
    estimate = estimate_upload(GOOD, "lists.csv")
    app = open_page("views/export.py", "en", state={ESTIMATE_STATE_KEY: estimate})
    include = app.checkbox(key="export_include_estimate")
    assert "lists.csv" in include.label
    include.check()
    app.number_input[0].set_value(2016)
    app.number_input[1].set_value(2020)
    app.button[0].click().run()
    assert not app.exception and not app.error
    name, archive = app.session_state["export_pack"]
    files = zipfile.ZipFile(io.BytesIO(archive)).namelist()
    for table in ("dark_figure_estimate", "dark_figure_models", "dark_figure_data"):
        assert f"{name}/csv/{table}.csv" in files


def test_the_export_page_without_an_estimate_says_where_to_make_one(data_dir):
    app = open_page("views/export.py", "en")
    assert not app.checkbox
    assert texts()["export.no_estimate"]["en"] in [caption.value for caption in app.caption]
