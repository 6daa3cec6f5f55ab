"""Hovedtall: the main points of a publication in plain sentences, written from the published figures.

The points are the key series of the Oversikt page (`catalogue.csv`, block `overview/key_figures`):
each series' latest figure for Norway with its year, and how it differs from the year before in the
same series ("350 i 2024, 12 flere enn i 2023"). An "N a year over a period" figure newer than every
annual figure is said as such. Figures are written by the figure rule (`reporting.figures`), so a
suppressed cell stays `<5` and never gets a change.
"""

from collections.abc import Mapping

import polars as pl

from core.vocabulary import ANNUAL_IN_PERIOD, CUMULATIVE, NORWAY, SERIES_BREAK
from reporting.catalogue import definition_ids
from reporting.figures import number, reader_style, shown
from reporting.flags import figure_rows, has_flag
from reporting.texts import text
from reporting.words import period_text


def figures(tables: Mapping[str, pl.DataFrame], definition_id: str) -> tuple[list[dict], dict | None]:
    """Norway's annual figures of one definition, oldest first, and its latest "N a year" figure over a period.

    Cumulative figures are left out: they are not a year's figure.
    """
    rows = tables["series_totals"].filter(
        (pl.col("definition_id") == definition_id) & (pl.col("geo") == NORWAY) & ~has_flag(CUMULATIVE)
    )
    annual = figure_rows(rows.filter(pl.col("period") == pl.col("year").cast(pl.String)).sort("year"))
    periods = figure_rows(rows.filter(has_flag(ANNUAL_IN_PERIOD)).sort("year"))
    return annual, (periods[-1] if periods else None)


def latest_shown(annual: list[dict], period_figure: dict | None) -> dict | None:
    """The figure to show as a series' latest: its "N a year" figure over a period when that ends after the latest
    annual figure, else the latest annual figure (None when there is neither)."""
    if period_figure is not None and (not annual or period_figure["year"] > annual[-1]["year"]):
        return period_figure
    return annual[-1] if annual else None


def change_from_year_before(rows: list[dict]) -> float | None:
    """The change from the year before, only when both years have an exact figure in the same series."""
    if len(rows) < 2:
        return None
    latest, before = rows[-1], rows[-2]
    if latest["value"] is None or before["value"] is None or latest["year"] != before["year"] + 1:
        return None
    if SERIES_BREAK in latest["flags"]:
        return None
    return latest["value"] - before["value"]


def main_points(tables: Mapping[str, pl.DataFrame], language: str) -> list[str]:
    """One sentence per key series with figures: its name, latest figure and year, and the change from the year
    before where the same series has an exact figure for it."""
    names = dict(tables["definitions"].select("definition_id", f"name_{language}").iter_rows())
    points = []
    for definition_id in definition_ids("overview", "key_figures"):
        annual, period_figure = figures(tables, definition_id)
        latest = latest_shown(annual, period_figure)
        if latest is not None:
            points.append(point(names.get(definition_id, definition_id), annual, latest, language))
    return points


def point(name: str, annual: list[dict], latest: dict, language: str) -> str:
    """One series' main point: "**Name**: 350 i 2024, 12 flere enn i 2023."."""
    value = shown(latest, reader_style(language))
    if ANNUAL_IN_PERIOD in latest["flags"]:
        return text("main.point_period", language, name=name, value=value, period=period_text(latest["period"]))
    change = change_from_year_before(annual)
    if change is None:
        return text("main.point", language, name=name, value=value, year=latest["year"])
    before = latest["year"] - 1
    key = "main.more" if change > 0 else "main.fewer" if change < 0 else "main.same"
    compared = text(key, language, difference=number(abs(change), language), year=before)
    return text("main.point_change", language, name=name, value=value, year=latest["year"], compared=compared)
