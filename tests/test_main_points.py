"""Hovedtall (`reporting.main_points`): the main points in sentences, checked against the published figures and, for
the rules (a suppressed cell, a series break, fewer, a figure over a period), against small `series_totals` frames."""

import polars as pl
import pytest

from reporting.catalogue import definition_ids
from reporting.figures import number, reader_style, shown
from reporting.flags import figure_rows
from reporting.main_points import main_points
from reporting.published import read_tables

KEY = "unodc_glotip.victims_detected"


def tables_with(rows: list[tuple[int, str, float | None, str]]) -> dict[str, pl.DataFrame]:
    """The tables `main_points` reads, with one key series (UNODC's detected victims) holding `rows`
    (year, period, value, flags)."""
    records = []
    for year, period, value, flags in rows:
        low, high = (1.0, 4.0) if "suppressed" in flags else (value, value)
        records.append(
            {"geo": "NOR", "definition_id": KEY, "year": year, "period": period, "value": value, "flags": flags}
            | {"value_low": low, "value_high": high}
        )
    totals = pl.DataFrame(records, schema_overrides={name: pl.Float64 for name in ("value", "value_low", "value_high")})
    names = pl.DataFrame({"definition_id": [KEY], "name_nb": ["Oppdagede ofre (UNODC)"], "name_en": ["Detected"]})
    return {"series_totals": totals, "definitions": names}


def test_the_change_from_the_year_before_is_said_in_words():
    points = main_points(tables_with([(2019, "2019", 241.0, ""), (2020, "2020", 230.0, "")]), "nb")
    assert points == ["**Oppdagede ofre (UNODC)**: 230 i 2020, 11 færre enn i 2019."]


@pytest.mark.parametrize(
    "latest",
    [(2020, "2020", None, "suppressed"), (2020, "2020", 300.0, "series_break"), (2021, "2021", 300.0, "")],
    ids=["suppressed", "series break", "a year between"],
)
def test_no_change_is_said_across_a_suppressed_cell_a_break_or_a_gap(latest):
    (point,) = main_points(tables_with([(2019, "2019", 241.0, ""), latest]), "nb")
    assert point.startswith(f"**Oppdagede ofre (UNODC)**: {'<5' if latest[2] is None else '300'} i {latest[0]}.")
    assert "enn i" not in point


def test_a_figure_over_a_period_newer_than_every_year_is_said_as_such():
    rows = [(2016, "2016", 262.0, ""), (2024, "2022-2024", 200.0, "annual_in_period;approximate")]
    assert main_points(tables_with(rows), "en") == [
        "**Detected**: about 200 a year over the period 2022–2024.",
    ]


def test_each_main_point_says_the_published_figure_its_year_and_change(refreshed):
    tables = read_tables(refreshed.published, ["series_totals", "definitions"])
    points = main_points(tables, "nb")
    names = dict(tables["definitions"].select("definition_id", "name_nb").iter_rows())
    said = []
    for definition_id in definition_ids("overview", "key_figures"):
        annual = figure_rows(
            tables["series_totals"]
            .filter(
                (pl.col("geo") == "NOR")
                & (pl.col("definition_id") == definition_id)
                & (pl.col("period") == pl.col("year").cast(pl.String))
                & ~pl.col("flags").str.contains("cumulative")
            )
            .sort("year")
        )
        name = names[definition_id]
        if not annual or any(point.startswith(f"**{name}**: ") and "per år" in point for point in points):
            continue  # a figure over a period is newer: the rule's own test above
        latest, before = annual[-1], annual[-2] if len(annual) > 1 else None
        expected = f"**{name}**: {shown(latest, reader_style('nb'))} i {latest['year']}"
        if before and None not in (latest["value"], before["value"]) and before["year"] + 1 == latest["year"]:
            difference = latest["value"] - before["value"]
            word = "flere enn" if difference > 0 else "færre enn" if difference < 0 else "like mange som"
            expected += f", {number(abs(difference), 'nb') + ' ' if difference else ''}{word} i {before['year']}"
        said.append(expected + ".")
    assert said, "the published key series have annual figures"
    assert set(said) <= set(points), (said, points)
