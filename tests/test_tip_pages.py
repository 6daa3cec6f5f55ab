"""The TIP report on the pages (Norge i verden, Straffesakskjeden) in both languages, against the session's
published marts: the tier by edition and its downgrade, the world comparison, years stated in words."""

import json
from urllib.parse import urlparse

import polars as pl
import pytest
from page_tables import reader_tables

from reporting.figures import reader_style, with_shown
from reporting.texts import texts
from reporting.words import year_runs
from tests.test_dashboard_pages import REPO, open_page


@pytest.fixture
def data_dir(refreshed, monkeypatch):
    monkeypatch.setenv("TRAFFICKING_DATA_DIR", str(refreshed.root))
    return refreshed


def published_tiers(published) -> dict[int, int]:
    rows = published.execute(
        "SELECT year, value FROM series_totals WHERE definition_id = 'tip.tier' AND geo = 'NOR'"
    ).fetchall()
    return {year: int(value) for year, value in rows}


@pytest.mark.parametrize("language", ["nb", "en"])
def test_world_page_shows_the_tier_by_edition_and_the_downgrade_with_its_reasons(data_dir, published, language):
    tiers = published_tiers(published)
    downgraded = min(year for year, tier in tiers.items() if tier > tiers.get(year - 1, tier))
    app = open_page("views/world.py", language)
    assert texts()["world.tip_tier_title"][language] in [subheader.value for subheader in app.subheader]
    sentence = texts()["tip.downgrade"][language].format(
        edition=downgraded, previous=tiers[downgraded - 1], tier=tiers[downgraded]
    )
    assert any(sentence in markdown.value for markdown in app.markdown)
    figure = next(chart for chart in app.get("plotly_chart") if "hv" in chart.proto.spec)
    low, high = json.loads(figure.proto.spec)["layout"]["yaxis"]["range"]
    assert low > high, "the tier axis runs downwards: Tier 1 at the top"


def test_world_page_sets_tip_beside_unodc_and_the_measure_switch_changes_it(data_dir):
    app = open_page("views/world.py", "en")
    radio = next(radio for radio in app.radio if radio.key == "tip_world_measure")
    before = [subheader.value for subheader in app.subheader]
    series = texts()["tip.world_series_unodc"]["en"]
    assert any(series in markdown.value for markdown in app.markdown)
    radio.set_value("tip.convictions").run()
    assert not app.exception
    assert before != [subheader.value for subheader in app.subheader]


@pytest.mark.parametrize("language", ["nb", "en"])
def test_the_world_comparison_says_where_one_country_reported_most_of_unodc_s_sum(data_dir, published, language):
    """The years in which one country's figure is more than half of the sum of prosecutions reported to UNODC,
    counted here from the published facts, are the years the note under the chart names, with the shares."""
    shares = published.execute(
        """SELECT year, round(100 * max(value) / sum(value)) FROM fact_indicator
           WHERE source = 'unodc_glotip' AND measure = 'persons_prosecuted' AND value IS NOT NULL
             AND regexp_matches(geo, '^[A-Z]{3}$') AND period = CAST(year AS VARCHAR) AND sex = 'total'
             AND age_group = 'total' AND exploitation_form = 'total' AND counterpart_type = 'none'
           GROUP BY year HAVING max(value) > 0.5 * sum(value) ORDER BY year"""
    ).fetchall()
    assert shares, "in the mirror's workbook one country reported most prosecutions in some early years"
    app = open_page("views/world.py", language)
    next(radio for radio in app.radio if radio.key == "tip_world_measure").set_value("tip.prosecutions").run()
    caption = " ".join(caption.value for caption in app.caption)
    *first, last = year_runs([year for year, _ in shares])
    listed = f"{', '.join(first)} {texts()['words.and'][language]} {last}" if first else last
    low, high = int(min(share for _, share in shares)), int(max(share for _, share in shares))
    assert texts()["world.one_country_share"][language].format(years=listed, shares=f"{low}–{high}") in caption


@pytest.mark.parametrize("language", ["nb", "en"])
def test_justice_page_shows_years_stated_in_words_as_words_never_as_zero(data_dir, published, language):
    facts = published.sql(
        "SELECT period, value, value_low, value_high, flags FROM series_totals "
        "WHERE source = 'tip' AND geo = 'NOR' AND measure IN ('prosecutions', 'convictions')"
    ).pl()
    expected = with_shown(facts, reader_style(language))
    in_words = expected.filter(pl.col("flags").str.contains("stated_in_words"))
    assert in_words.height and in_words["value"].is_null().all()
    app = open_page("views/justice.py", language)
    assert texts()["justice.tip_heading"][language] in [subheader.value for subheader in app.subheader]
    table = next(frame for frame in reader_tables(app) if texts()["justice.tip_measure"][language] in frame.columns)
    shown = table[texts()["chart.column_value"][language]].to_list()
    for row in in_words.iter_rows(named=True):
        assert row["shown"] in shown
    assert sorted(shown) == sorted(expected["shown"].to_list())


@pytest.mark.parametrize("language", ["nb", "en"])
def test_sources_page_sets_the_four_databases_of_2008_beside_the_newest_figures(data_dir, published, language):
    norad = pl.read_csv(REPO / "reporting" / "four_databases.csv", infer_schema=False).fill_null("")
    newest = published.sql(
        "SELECT * FROM series_totals WHERE definition_id = 'tip.victims_reported_identified' AND geo = 'WORLD' "
        "ORDER BY year DESC LIMIT 1"
    ).pl()
    tip_now = with_shown(newest, reader_style(language))["shown"][0]
    app = open_page("views/sources.py", language)
    assert texts()["four.title"][language] in [subheader.value for subheader in app.subheader]
    table = next(frame for frame in reader_tables(app) if texts()["four.db.tip"][language] in frame.columns)
    cells = table[texts()["four.db.tip"][language]].to_list()
    for said in norad.filter(pl.col("database") == "tip")[f"norad_{language}"].to_list():
        assert any(cell.startswith(said) for cell in cells), said
    assert any(tip_now in cell and str(newest["year"][0]) in cell for cell in cells)


def test_sources_page_lists_every_greta_event_on_record_with_its_address(data_dir):
    on_record = pl.read_csv(REPO / "reporting" / "greta_norway.csv", infer_schema=False).fill_null("")
    app = open_page("views/sources.py", "en")
    table = next(frame for frame in reader_tables(app) if texts()["greta.column_document"]["en"] in frame.columns)
    sites = [urlparse(address).netloc for address in on_record.sort("date")["address"].to_list()]
    assert table[texts()["greta.column_address"]["en"]].to_list() == sites, "each event links its address"
    documents = {document for document in table[texts()["greta.column_document"]["en"]].to_list() if document}
    assert documents == {document for document in on_record["document"].to_list() if document}
