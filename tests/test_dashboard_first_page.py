"""The first dashboard page through Streamlit's testing API, against the session's published marts."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parent.parent / "dashboard" / "app.py")


@pytest.fixture
def app(refreshed, monkeypatch):
    monkeypatch.setenv("TRAFFICKING_DATA_DIR", str(refreshed.root))
    return AppTest.from_file(APP, default_timeout=60)


def test_norwegian_by_default_with_definitions_and_source_link(app):
    app.run()
    assert not app.exception
    assert app.title[0].value.startswith("Menneskehandel i Norge")
    footnotes = " ".join(markdown.value for markdown in app.markdown)
    assert "Oppdagede ofre" in footnotes and "https://dataunodc.un.org" in footnotes


def test_language_switch_changes_the_title(app):
    app.run()
    app.sidebar.radio[0].set_value("en").run()
    assert not app.exception
    assert app.title[0].value.startswith("Human trafficking in Norway")
    assert "Detected victims" in " ".join(markdown.value for markdown in app.markdown)


def test_missing_marts_give_a_message_not_a_traceback(tmp_path, monkeypatch):
    monkeypatch.setenv("TRAFFICKING_DATA_DIR", str(tmp_path))
    app = AppTest.from_file(APP, default_timeout=60).run()
    assert not app.exception
    assert "make refresh" in app.warning[0].value
