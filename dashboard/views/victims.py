"""Ofre: victims by source and definition, by sex, age and form of exploitation, and KOM beside UNODC."""

import polars as pl
import streamlit as st

from core.vocabulary import ANNUAL_IN_PERIOD, SYNTHETIC
from dashboard.i18n import language, t, text_labels, with_shown_values
from dashboard.ui import (
    chart_block,
    definition_name,
    needs,
    page_header,
    reader_table,
    vocabulary_label,
    with_revision_marks,
)
from reporting import queries
from reporting.catalogue import BREAKDOWN_DIMENSIONS, definition_ids, series
from reporting.charts import bar_figure, series_figure
from reporting.figures import wide_series
from reporting.flags import has_flag


@needs("series_totals")
def victims_by_definition(tables: dict[str, pl.DataFrame]) -> None:
    """Norway's victim series, each its own definition and its own line."""
    offered = queries.series_with_figures(tables, "series_totals", definition_ids("victims", "by_definition"))
    if not offered:
        st.subheader(t("victims.by_definition_title"))
        st.info(t("chart.no_figures"))
        return
    names = {definition_id: definition_name(tables, definition_id) for definition_id in offered}
    chosen = st.multiselect(t("victims.series_filter"), offered, default=list(offered), format_func=names.get)
    data = queries.norway_series(tables, chosen)
    data = data.with_columns(series=pl.col("definition_id").replace_strict(names, default=None))
    figure = series_figure(data, language=language())
    chart_block(tables, t("victims.by_definition_title"), figure, data, chosen, "victims_by_definition")
    if data.filter(has_flag(ANNUAL_IN_PERIOD)).height:
        st.caption(t("victims.period_levels"))


@needs("breakdowns")
def victims_by_breakdown(tables: dict[str, pl.DataFrame]) -> None:
    offered = queries.series_with_figures(tables, "breakdowns", definition_ids("victims", "by_breakdown"))
    if not offered:
        st.subheader(t("victims.by_breakdown_heading"))
        st.info(t("chart.no_figures"))
        return
    names = {definition_id: definition_name(tables, definition_id) for definition_id in offered}
    left, middle, right = st.columns(3)
    definition_id = left.radio(t("victims.source"), offered, format_func=names.get)
    rows = queries.norway_breakdowns(tables, [definition_id])
    available = [dimension for dimension in BREAKDOWN_DIMENSIONS if dimension in set(rows["breakdown"].to_list())]
    if not available:
        st.info(t("victims.no_breakdown", series=names[definition_id]))
        return
    dimension = middle.radio(t("victims.dimension"), available, format_func=text_labels("dimension", available).get)
    view = right.radio(
        t("victims.view"), ("line", "stacked"), format_func=text_labels("victims.view", ("line", "stacked")).get
    )
    data = rows.filter(pl.col("breakdown") == dimension)
    labels = {code: vocabulary_label(tables, dimension, code) for code in data["category"].unique().to_list()}
    data = with_shown_values(data.with_columns(series=pl.col("category").replace_strict(labels)).sort("year", "series"))
    if data.filter(has_flag(SYNTHETIC)).height:
        st.warning(t("world.synthetic_caveat"))
    if view == "line":
        figure = series_figure(data, language=language())
    else:
        annual = data.filter(pl.col("period") == pl.col("year").cast(pl.String))
        figure = bar_figure(annual, "year", "series", stacked=True, x_title=t("chart.year"), language=language())
    title = t("victims.by_breakdown_title", series=names[definition_id], dimension=t(f"dimension.{dimension}").lower())
    chart_block(tables, title, figure, data, [definition_id], f"victims_by_{dimension}")


@needs("reconciliation_norway")
def reconciliation(tables: dict[str, pl.DataFrame]) -> None:
    """KOM's two counts beside UNODC's and TIP's figures, year by year, and how UNODC's and TIP's relate to them."""
    st.subheader(t("victims.reconciliation_title"))
    st.markdown(t("victims.reconciliation_intro"))
    frame = tables["reconciliation_norway"].sort("year")
    if frame.is_empty():
        st.info(t("chart.no_figures"))
        return
    columns = {
        definition_name(tables, entry.definition_id): with_revision_marks(
            tables, frame["year"], entry, with_shown_values(wide_series(frame, entry.table_column))["shown"]
        )
        for entry in series("victims", "reconciliation")
    }
    table = pl.DataFrame(
        {
            t("chart.year"): frame["year"].cast(pl.String),
            **columns,
            t("victims.explanation"): frame[f"explanation_{language()}"],
        }
    )
    tip_explanation = f"tip_explanation_{language()}"
    if tip_explanation in frame.columns:  # publications before TIP have no such column
        table = table.with_columns(frame[tip_explanation].alias(t("victims.tip_explanation")))
    reader_table(table)


def main() -> None:
    tables = page_header("page.victims", "victims.intro")
    victims_by_definition(tables)
    victims_by_breakdown(tables)
    reconciliation(tables)


main()
