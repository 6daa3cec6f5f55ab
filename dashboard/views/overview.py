"""Oversikt: the latest year's key figures, the change from the year before, and small trends."""

import polars as pl
import streamlit as st

from dashboard.ui import definition_name, definition_rows, number, page_header, shown_value, t

KEY_FIGURES = (
    "unodc_glotip.victims_detected",
    "kom.victims_assisted",
    "kom.victims_identified",
    "kom.police_reports",
    "unodc_glotip.persons_prosecuted",
    "unodc_glotip.persons_convicted",
)
"""The series the overview shows, each by its own definition (never added together)."""


def annual_rows(tables: dict[str, pl.DataFrame], definition_id: str) -> list[dict]:
    """Norway's annual figures of one definition, oldest first (period figures and cumulative ones left out)."""
    rows = tables["series_totals"].filter(
        (pl.col("definition_id") == definition_id)
        & (pl.col("geo") == "NOR")
        & (pl.col("period") == pl.col("year").cast(pl.String))
    )
    return rows.sort("year").to_dicts()


def latest_run(rows: list[dict]) -> list[dict]:
    """The unbroken run of exact annual figures that ends with the latest one (a gap or a break ends it)."""
    run: list[dict] = []
    for row in reversed(rows):
        if row["value"] is None or (run and row["year"] != run[0]["year"] - 1):
            break
        run.insert(0, row)
        if "series_break" in (row["flags"] or ""):
            break
    return run


def change_from_year_before(rows: list[dict]) -> str | None:
    """The change from the year before, only when both years have an exact figure in the same series."""
    if len(rows) < 2:
        return None
    latest, before = rows[-1], rows[-2]
    if latest["value"] is None or before["value"] is None or latest["year"] != before["year"] + 1:
        return None
    if "series_break" in (latest["flags"] or ""):
        return None
    change = latest["value"] - before["value"]
    return t("overview.change", change=("+" if change > 0 else "") + number(change), year=before["year"])


def key_figure(tables: dict[str, pl.DataFrame], definition_id: str) -> None:
    rows = annual_rows(tables, definition_id)
    if not rows:
        return
    latest = rows[-1]
    trend = latest_run(rows)
    definition = definition_rows(tables, [definition_id])[0]
    st.metric(
        label=f"{definition_name(tables, definition_id)}, {latest['year']}",
        value=shown_value(latest),
        delta=change_from_year_before(rows),
        delta_color="off",
        chart_data=[row["value"] for row in trend] if len(trend) > 1 else None,
        border=True,
        help=t("overview.trend_help", first=trend[0]["year"], last=trend[-1]["year"]) if len(trend) > 1 else None,
    )
    st.caption(f"{t('chart.source')}: [{definition['publisher']}]({definition['source_url']})")


def main() -> None:
    tables = page_header("page.overview", "overview.intro")
    columns = st.columns(3)
    for index, definition_id in enumerate(KEY_FIGURES):
        with columns[index % 3]:
            key_figure(tables, definition_id)
    st.info(t("overview.definitions_differ"))


main()
