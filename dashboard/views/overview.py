"""Oversikt: the latest year's key figures, the change from the year before, and small trends."""

import polars as pl
import streamlit as st

from core.vocabulary import ANNUAL_IN_PERIOD, CUMULATIVE, NORWAY, SERIES_BREAK
from dashboard.i18n import number, shown_value, t
from dashboard.ui import definition_name, definition_rows, page_header
from reporting.catalogue import definition_ids
from reporting.flags import figure_rows, has_flag


def figures(tables: dict[str, pl.DataFrame], definition_id: str) -> tuple[list[dict], dict | None]:
    """Norway's annual figures of one definition, oldest first, and its latest "N a year" figure over a period.

    Cumulative figures are left out: they are not a year's figure.
    """
    rows = tables["series_totals"].filter(
        (pl.col("definition_id") == definition_id) & (pl.col("geo") == NORWAY) & ~has_flag(CUMULATIVE)
    )
    annual = figure_rows(rows.filter(pl.col("period") == pl.col("year").cast(pl.String)).sort("year"))
    periods = figure_rows(rows.filter(has_flag(ANNUAL_IN_PERIOD)).sort("year"))
    return annual, (periods[-1] if periods else None)


def latest_run(rows: list[dict]) -> list[dict]:
    """The unbroken run of exact annual figures that ends with the latest one (a gap or a break ends it)."""
    run: list[dict] = []
    for row in reversed(rows):
        if row["value"] is None or (run and row["year"] != run[0]["year"] - 1):
            break
        run.insert(0, row)
        if SERIES_BREAK in row["flags"]:
            break
    return run


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


def key_figure(tables: dict[str, pl.DataFrame], definition_id: str) -> None:
    """The latest figure; when it is an "N a year" figure over a period, it is shown as such, without a trend."""
    rows, period_figure = figures(tables, definition_id)
    if not rows and period_figure is None:
        return
    definition = definition_rows(tables, [definition_id])[0]
    name = definition_name(tables, definition_id)
    if period_figure is not None and (not rows or period_figure["year"] > rows[-1]["year"]):
        value = f"{shown_value(period_figure)} {t('chart.per_year')}"
        st.metric(
            label=f"{name}, {period_figure['period']}",
            value=value,
            border=True,
            help=t("overview.period_help", period=period_figure["period"]),
        )
    else:
        latest, trend, change = rows[-1], latest_run(rows), change_from_year_before(rows)
        delta = None
        if change is not None:
            delta = t("overview.change", change=("+" if change > 0 else "") + number(change), year=latest["year"] - 1)
        st.metric(
            label=f"{name}, {latest['year']}",
            value=shown_value(latest),
            delta=delta,
            delta_color="off",
            delta_arrow="off" if not change else ("up" if change > 0 else "down"),
            chart_data=[row["value"] for row in trend] if len(trend) > 1 else None,
            border=True,
            help=t("overview.trend_help", first=trend[0]["year"], last=trend[-1]["year"]) if len(trend) > 1 else None,
        )
    st.caption(f"{t('chart.source')}: [{definition['publisher']}]({definition['source_url']})")


def main() -> None:
    tables = page_header("page.overview", "overview.intro")
    columns = st.columns(3)
    for index, definition_id in enumerate(definition_ids("overview", "key_figures")):
        with columns[index % 3]:
            key_figure(tables, definition_id)
    st.info(t("overview.definitions_differ"))


main()
