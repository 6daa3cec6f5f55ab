"""Each source's status in one voice (`reporting.status`): the edition and its date, the newest figure's year, the
day fetched as such, warnings as warnings, "held at its last good release" only where that happened.

The frames have the published tables' shapes (`source_status`, `provenance`, `fact_indicator`,
`asset_check_results`), written out for the case each test names.
"""

import polars as pl
import pytest

from reporting.status import SourceState, check_source, provenance_files, release_names, source_states, status_sentence
from reporting.words import dated_text, edition_text

FETCHED = "2026-12-06T03:53:50+00:00"


def state(**changes: object) -> SourceState:
    base = {
        "source_id": "unodc_glotip",
        "status": "current",
        "release": "sha256:b0d5fcedaef8",
        "retrieved_at": FETCHED,
        "reason": None,
        "edition": "2023-05-30",
        "newest_year": 2021,
        "warnings": (),
    }
    return SourceState(**(base | changes))


def test_a_current_source_is_named_with_its_edition_newest_year_and_the_day_fetched():
    said = status_sentence(state(), "nb")
    assert said == (
        "**UNODC**: utgave 30. mai 2023, nyeste tall fra 2021, hentet 6. desember 2026 kl. 04.53. "
        "Oppdatert ved denne publiseringen."
    )


def test_the_day_fetched_is_never_the_edition():
    said = status_sentence(state(edition=None), "nb")
    assert "udatert utgave, nyeste tall fra 2021, hentet 6. desember 2026" in said
    assert "utgaven hentet" not in said and "ukjent utgave" not in said


def test_a_warning_is_said_as_a_warning_and_the_source_stays_current():
    said = status_sentence(state(warnings=("source_freshness", "a_check_without_words")), "nb")
    assert "Oppdatert ved denne publiseringen. Advarsel (tallene er publisert): " in said
    assert "eldre enn ventet" in said and "en kontroll ga en advarsel" in said
    assert "forrige gode" not in said


def test_only_a_stale_source_is_said_to_be_held_at_its_last_good_release():
    said = status_sentence(state(status="stale", reason="data.unodc.org: Connection refused"), "en")
    assert said.endswith("Held at its last good release. Could not reach UNODC.")
    assert "last good release" not in status_sentence(state(), "en")


def test_an_absent_source_says_it_has_no_figures_and_why_never_a_last_good_release():
    said = status_sentence(
        state(source_id="ssb", status="absent", release=None, edition=None, newest_year=None, retrieved_at=None,
              reason="the mirror has no SSB tables (ssb/<table id>/metadata.json)"),
        "nb",
    )  # fmt: skip
    assert said == "**SSB**: ingen tall publisert ennå. Den lokale kopien av kildene manglet SSBs filer."


def test_a_publisher_named_in_lower_case_starts_its_line_with_a_capital():
    assert status_sentence(state(source_id="worldbank_population"), "en").startswith("**The World Bank**: ")


@pytest.mark.parametrize(
    ("value", "said"),
    [
        ("2023-05-30", "30. mai 2023"),
        ("20210825", "25. august 2021"),
        ("2025-11", "november 2025"),
        ("2023", "2023"),
        ("v2024", "2024"),
        ("2025-03-12T06:00:00Z", "12. mars 2025"),
        ("sha256:b0d5fcedaef8", None),
        ("20219999", None),
        (None, None),
    ],
)
def test_a_publishers_date_is_read_in_each_form_it_comes_in(value, said):
    assert dated_text(value, "nb") == said


def test_the_edition_comes_before_the_release_and_neither_is_the_day_fetched():
    assert edition_text("2023-05-30", "2025-11", "nb") == "utgave 30. mai 2023"
    assert edition_text(None, "2025-11", "nb") == "utgave november 2025"
    assert edition_text(None, "sha256:b0d5fcedaef8", "en") == "an undated release"


@pytest.mark.parametrize(
    ("asset_key", "source"),
    [
        ("harmonised/facts_unodc_glotip", "unodc_glotip"),
        ("harmonised/iom_ctdc_cells", "iom_ctdc"),
        ("staging/ssb", "ssb"),
        ("harmonised/worldbank_population", "worldbank_population"),
        ("marts/series_totals", None),
    ],
)
def test_a_check_belongs_to_its_source(asset_key, source):
    sources = ["ilo", "iom_ctdc", "kom", "ssb", "unodc_glotip", "worldbank_population"]
    assert check_source(asset_key, sources) == source


def test_source_states_join_status_edition_newest_year_and_warnings():
    tables = {
        "source_status": pl.DataFrame(
            {
                "source_id": ["ssb", "unodc_glotip"],
                "status": ["absent", "current"],
                "release": [None, "sha256:b0d5fcedaef8"],
                "retrieved_at": [None, FETCHED],
                "reason": ["no SSB tables", None],
            }
        ),
        "provenance": pl.DataFrame({"source_id": ["unodc_glotip", "reference"], "edition": ["2023-05-30", None]}),
        "fact_indicator": pl.DataFrame({"source": ["unodc_glotip", "unodc_glotip"], "year": [2020, 2021]}),
        "asset_check_results": pl.DataFrame(
            {
                "asset_key": ["harmonised/facts_unodc_glotip", "harmonised/facts_unodc_glotip", "harmonised/facts_ssb"],
                "check_name": ["source_freshness", "schema", "source_freshness"],
                "passed": [False, False, False],
                "severity": ["WARN", "ERROR", "WARN"],
            }
        ),
    }
    unodc, ssb = source_states(tables)  # the register's order: UNODC before SSB
    assert (unodc.edition, unodc.newest_year, unodc.warnings) == ("2023-05-30", 2021, ("source_freshness",))
    assert (ssb.status, ssb.edition, ssb.newest_year, ssb.warnings) == ("absent", None, None, ())


def test_a_publication_from_before_statuses_has_no_states():
    assert source_states({"provenance": pl.DataFrame({"source_id": ["kom"]})}) == []


def test_a_release_is_named_by_the_edition_its_files_give():
    provenance = pl.DataFrame(
        {
            "source_id": ["unodc_glotip", "kom", "reference"],
            "release": ["sha256:b0d5fcedaef8", "sha256:254c0c2ca73d", "sha256:0123456789ab"],
            "edition": ["2023-05-30", "2023", None],
        }
    )
    names = release_names(provenance_files(provenance), "nb")
    assert names == {
        ("unodc_glotip", "sha256:b0d5fcedaef8"): "utgave 30. mai 2023",
        ("kom", "sha256:254c0c2ca73d"): "utgave 2023",
    }, "a file without an edition names none"
    assert provenance_files(provenance.drop("edition")) == [], "a publication from before editions were read"
