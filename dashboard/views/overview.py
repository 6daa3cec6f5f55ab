"""Oversikt: the latest year's key figures, the change from the year before, and small trends."""

import polars as pl
import streamlit as st

from core.vocabulary import SERIES_BREAK
from dashboard.i18n import language, number, shown_value, t
from dashboard.ui import definition_name, definition_rows, page_header, revision_column
from reporting.catalogue import definition_ids
from reporting.main_points import change_from_year_before, figures, latest_shown, main_points
from reporting.words import period_text


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


OLD_AFTER_YEARS = 3
"""A key figure whose latest year is this many years or more before the newest key figure says so plainly."""


def latest_year(tables: dict[str, pl.DataFrame], definition_id: str) -> int | None:
    rows, period_figure = figures(tables, definition_id)
    years = [row["year"] for row in rows] + ([period_figure["year"]] if period_figure else [])
    return max(years) if years else None


def key_figure(tables: dict[str, pl.DataFrame], definition_id: str, newest: int) -> None:
    """One tile: the full title with the year, the latest figure (an "N a year" figure over a period as such),
    the change from the year before, a revision mark beside the value, and a plain word when it is old; the small
    print under it (the years of the trend, the source) in one caption (a caption each cost the browser about 3 ms
    more to draw, docs/BENCHMARKS.md)."""
    rows, period_figure = figures(tables, definition_id)
    name = definition_name(tables, definition_id)
    source = definition_rows(tables, [definition_id])[0]
    with st.container(border=True):
        if latest_shown(rows, period_figure) is period_figure:
            shown, year, when = period_figure, period_figure["year"], period_text(period_figure["period"])
            st.markdown(f"**{name}**, {when}")
            st.metric(
                label=f"{name}, {when}",
                label_visibility="collapsed",
                value=f"{shown_value(period_figure)} {t('chart.per_year')}",
            )
            small_print = [t("overview.period_help", period=when)]
        else:
            shown, year = rows[-1], rows[-1]["year"]
            change = change_from_year_before(rows)
            st.markdown(f"**{name}**, {year}")
            st.metric(
                label=f"{name}, {year}",
                label_visibility="collapsed",
                value=shown_value(shown),
                delta=t("overview.change", change=signed(change), year=year - 1) if change is not None else None,
                delta_color="off",
                delta_arrow="off" if not change else ("up" if change > 0 else "down"),
            )
            trend = latest_run(rows)
            small_print = []
            if len(trend) > 1:
                small_print.append(t("overview.trend_years", first=trend[0]["year"], last=trend[-1]["year"]))
        if notes := tile_notes(tables, shown, year, newest):
            st.markdown(notes)
        publisher = t(f"source.{source['source']}")
        st.caption("\n\n".join([*small_print, f"{t('chart.source')}: [{publisher}]({source['source_url']})"]))


def tile_notes(tables: dict[str, pl.DataFrame], shown: dict, year: int, newest: int) -> str:
    """What a tile says beside its figure, a paragraph each: that this publication revised it, that it is old."""
    notes = []
    if mark := revision_column(tables, pl.DataFrame([shown]))[0]:
        notes.append(t("overview.revised_here", mark=mark))
    if newest - year >= OLD_AFTER_YEARS:
        notes.append(t("overview.old_figure", year=year, years=newest - year))
    return "\n\n".join(notes)


def main_points_block(tables: dict[str, pl.DataFrame]) -> None:
    """Hovedtall: the main points in sentences, written from the shown publication's figures."""
    st.subheader(t("main.title"))
    st.markdown(t("main.intro"))
    st.markdown("\n".join(f"- {point}" for point in main_points(tables, language())))


def signed(change: float) -> str:
    return ("+" if change > 0 else "−" if change < 0 else "") + number(abs(change))


def main() -> None:
    tables = page_header("page.overview", "overview.intro")
    shown = [
        (definition_id, year)
        for definition_id in definition_ids("overview", "key_figures")
        if (year := latest_year(tables, definition_id)) is not None
    ]
    if not shown:
        st.info(t("overview.no_figures"))
        return
    newest = max(year for _, year in shown)
    main_points_block(tables)
    columns = st.columns(3)
    for index, (definition_id, _) in enumerate(shown):
        with columns[index % 3]:
            key_figure(tables, definition_id, newest)
    st.info(t("overview.definitions_differ"))


main()
