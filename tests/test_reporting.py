"""The reporting layer: the one rule for writing a figure, flags as sets, the catalogue against the published marts."""

import csv
from collections import Counter

import polars as pl
import pytest

from export.tables import DEFINITIONS, SOURCES, TABLES
from reporting.catalogue import CATALOGUE_FILE, catalogue, definition_ids, series
from reporting.charts import series_figure
from reporting.downloads import excel_csv
from reporting.figures import (
    PACK_CELL,
    PACK_VALUE,
    percent_style,
    plain_number,
    rate_style,
    reader_style,
    shown,
    with_shown,
)
from reporting.flags import figure_rows, flag_set, has_flag
from reporting.justice import justice_chain
from reporting.texts import texts
from reporting.words import category_text, year_runs


def figure(value=None, low=None, high=None, flags="", source="unodc_glotip") -> dict:
    row = {"value": value, "value_low": low, "value_high": high, "flags": flags, "source": source}
    return figure_rows(pl.DataFrame([row], schema_overrides={"value": pl.Float64}))[0]


CASES = [
    # (row, Norwegian reader, English reader, pack value column, pack wide cell)
    (figure(1116.0), "1\u00a0116", "1,116", "1116", "1116"),
    (figure(None, 1, 4, "suppressed"), "<5", "<5", "<5", "<5"),
    (figure(None, 1, 4, ""), "<5", "<5", "<5", "<5"),
    (figure(3.0, source="iom_ctdc"), "<5", "<5", "<5", "<5"),
    (figure(200.0, flags="approximate"), "om lag 200", "about 200", "200", "200"),
    (figure(None, 5, None, "complementary_hidden;synthetic"), "minst 5", "at least 5", ">=5", ">=5"),
    (figure(None, 120, 160, "annual_in_period;range"), "120–160", "120–160", None, "120-160"),
    (figure(None, 51, None, "cumulative;lower_bound"), "minst 51", "at least 51", None, ">=51"),
    (figure(None, None, 100, "upper_bound"), "under 100", "under 100", None, "<100"),
    (figure(), "mangler", "missing", None, None),
]


@pytest.mark.parametrize(("row", "nb", "en", "pack_value", "pack_cell"), CASES)
def test_one_rule_writes_a_figure_for_readers_and_for_the_pack(row, nb, en, pack_value, pack_cell):
    assert shown(row, reader_style("nb")) == nb
    assert shown(row, reader_style("en")) == en
    assert shown(row, PACK_VALUE) == pack_value
    assert shown(row, PACK_CELL) == pack_cell


def test_decimals_and_rates():
    assert shown(figure(2.5), reader_style("nb", 1)) == "2,5"
    assert shown(figure(None, 0.0123, 0.049, "suppressed"), rate_style("nb")) == "<5 (0,01–0,05)"
    assert shown(figure(0.4567), rate_style("en")) == "0.46"
    assert [plain_number(number) for number in (-3.0, 150.2, 1 / 3, 2.0000001)] == ["-3", "150.2", "0.333333", "2"]


def test_a_figure_must_come_with_parsed_flags():
    with pytest.raises(TypeError, match="figure_rows"):
        shown({"value": 1.0, "value_low": None, "value_high": None, "flags": "suppressed"}, PACK_VALUE)


def test_flags_are_codes_not_substrings():
    assert flag_set("cumulative;suppressed") == {"cumulative", "suppressed"}
    assert flag_set(None) == flag_set("") == frozenset()
    frame = pl.DataFrame({"flags": ["suppressed", "suppressed_by_source", None, "cumulative;suppressed"]})
    assert frame.select(has_flag("suppressed"))["flags"].to_list() == [True, False, False, True]
    assert with_shown(frame.with_columns(value=pl.lit(7.0)), PACK_VALUE)["shown"].to_list() == ["<5", "7", "7", "<5"]


def test_every_catalogued_series_is_a_published_definition(published):
    rows = published.execute("SELECT definition_id, source, measure FROM definitions").fetchall()
    registry = {definition_id: (source, measure) for definition_id, source, measure in rows}
    wrong = [
        (view, block, entry.definition_id)
        for (view, block), entries in catalogue().items()
        for entry in entries
        if registry.get(entry.definition_id) != (entry.source, entry.measure)
    ]
    assert not wrong, "unknown definitions, or a source or measure that is not the registry's"


def test_catalogue_positions_are_unique_within_a_block():
    with CATALOGUE_FILE.open(encoding="utf-8", newline="") as handle:
        keys = Counter((row["view"], row["block"], row["position"]) for row in csv.DictReader(handle))
    assert [key for key, count in keys.items() if count > 1] == []


def test_every_pack_table_and_chart_has_its_block_and_texts(published):
    for table in TABLES:
        assert series("pack_tables", table.name), table.name
    assert DEFINITIONS.name not in {block for view, block in catalogue() if view == "pack_tables"}
    assert SOURCES.name not in {block for view, block in catalogue() if view == "pack_tables"}
    for view, block in catalogue():
        if view == "pack_charts":
            assert f"pack.{block}.title" in texts(), block
    columns = {name for (name, *_rest) in published.execute("DESCRIBE reconciliation_norway").fetchall()}
    for view, block in (("victims", "reconciliation"), ("pack_tables", "reconciliation_norway")):
        for entry in series(view, block):
            assert {entry.table_column, f"{entry.table_column}_flags"} <= columns, entry


def test_the_justice_chain_carries_the_penal_provision_and_the_pack_holds_the_pages_series(published):
    totals = published.sql("SELECT * FROM series_totals").pl()
    facts = published.sql("SELECT * FROM fact_indicator").pl()
    chain = justice_chain(totals, facts, definition_ids("justice", "chain"), (2010, 2024))
    assert chain.height == chain.unique(["definition_id", "period"]).height, "one row per figure"
    provisions = dict(zip(chain["year"], chain["legal_basis"], strict=True))
    assert provisions[2014] != provisions[2016], "the 2015 penal code shows in the chain"
    assert set(definition_ids("justice", "chain")) <= set(definition_ids("pack_tables", "justice_chain_norway"))


def test_a_source_s_own_categories_are_words_never_codes():
    """CTDC's age bands, means of control and unknowns, as CTDC's file writes them, in the reader's words."""
    words = texts()
    assert category_text("age_band", "09--17", "nb") == words["category.age_band"]["nb"].format(low=9, high=17)
    assert category_text("age_band", "48+", "en") == words["category.age_from"]["en"].format(low=48)
    assert category_text("age_band", "Unknown", "nb") == words["category.unknown"]["nb"]
    assert (
        category_text("means_of_control", "DebtBondage", "nb") == words["category.means_of_control.DebtBondage"]["nb"]
    )
    assert category_text("citizenship", "unresolved", "en") == words["category.unresolved"]["en"]
    assert category_text("means_of_control", "SomethingNew", "nb") is None, "no word: the caller shows the code"


def test_a_download_in_english_uses_commas_and_points_and_keeps_less_than_five():
    frame = pl.DataFrame(
        {"source": ["kom"], "geo": ["NOR"], "year": [2020], "period": ["2018-2020"], "value": [2.5],
         "value_low": [None], "value_high": [None], "flags": [""], "shown": ["<5"]},
        schema_overrides={"value_low": pl.Float64, "value_high": pl.Float64},
    )  # fmt: skip
    english = excel_csv(frame, "en").decode("utf-8-sig")
    norwegian = excel_csv(frame, "nb").decode("utf-8-sig")
    assert english.splitlines()[1].split(",")[:4] == ["Norway", "2020", "2018–2020", "<5"]
    assert ";2,5;" in norwegian and "Norge" in norwegian and texts()["source.kom"]["nb"] in norwegian


def test_a_share_is_written_in_per_cent_as_each_language_writes_it():
    row = {"value": 35.0, "value_low": None, "value_high": None, "flags": frozenset()}
    assert shown(row, percent_style("nb")) == "35\u00a0%"
    assert shown(row, percent_style("en")) == "35%"


@pytest.mark.parametrize("language", ["nb", "en"])
def test_a_chart_with_a_figure_that_has_bounds_explains_the_hollow_marker_in_its_legend(published, language):
    """UNODC's Norway series as published (a `<5` cell among them): the chart's legend names the hollow marker; the
    same series without its bounded figures has no such entry."""
    facts = published.sql(
        "SELECT *, measure AS series FROM fact_indicator WHERE source = 'unodc_glotip' AND geo = 'NOR' "
        "AND measure IN (SELECT measure FROM fact_indicator WHERE source = 'unodc_glotip' AND geo = 'NOR' "
        "AND flags LIKE '%suppressed%' AND period = CAST(year AS VARCHAR) LIMIT 1) "
        "AND sex = 'total' AND age_group = 'total' AND exploitation_form = 'total' AND counterpart_type = 'none'"
    ).pl()
    bounded = facts.filter(pl.col("flags").str.contains("suppressed"))
    assert bounded.height, "the mirror's UNODC workbook has a `<5` cell for Norway in a total series"
    said = texts()["chart.bounded"][language]

    def legend(frame: pl.DataFrame) -> list[str]:
        figure = series_figure(frame, language=language)
        return [trace.name for trace in figure.data if trace.showlegend is not False]

    assert said in legend(facts)
    assert said not in legend(facts.filter(~pl.col("flags").str.contains("suppressed")))


def test_years_are_written_as_runs_of_consecutive_years():
    assert year_runs([2009, 2004, 2003, 2005, 2004]) == ["2003–2005", "2009"]
    assert year_runs([2020]) == ["2020"] and year_runs([]) == []
