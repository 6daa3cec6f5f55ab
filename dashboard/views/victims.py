"""Ofre: victims by source and definition, by sex, age and form of exploitation, and KOM beside UNODC."""

import polars as pl
import streamlit as st

from dashboard.charts import bar_figure, series_figure
from dashboard.i18n import language, t, text_labels, with_shown_values
from dashboard.ui import chart_block, definition_name, page_header, vocabulary_label

# Norway's victim series: each is its own definition and its own line.
VICTIM_SERIES = ("kom.victims_assisted", "kom.victims_identified", "unodc_glotip.victims_detected")
BREAKDOWN_SERIES = ("unodc_glotip.victims_detected", "kom.victims_assisted", "iom_ctdc.victims_registered")
DIMENSIONS = ("sex", "age_group", "exploitation_form")


def victims_by_definition(tables: dict[str, pl.DataFrame]) -> None:
    names = {definition_id: definition_name(tables, definition_id) for definition_id in VICTIM_SERIES}
    chosen = st.multiselect(
        t("victims.series_filter"), VICTIM_SERIES, default=list(VICTIM_SERIES), format_func=names.get
    )
    data = tables["series_totals"].filter((pl.col("geo") == "NOR") & pl.col("definition_id").is_in(chosen))
    data = data.with_columns(series=pl.col("definition_id").replace_strict(names, default=None))
    chart_block(tables, t("victims.by_definition_title"), series_figure(data), data, chosen, "victims_by_definition")
    if data.filter(pl.col("flags").str.contains("annual_in_period")).height:
        st.caption(t("victims.period_levels"))


def victims_by_breakdown(tables: dict[str, pl.DataFrame]) -> None:
    names = {definition_id: definition_name(tables, definition_id) for definition_id in BREAKDOWN_SERIES}
    left, middle, right = st.columns(3)
    definition_id = left.radio(t("victims.source"), BREAKDOWN_SERIES, format_func=names.get)
    rows = tables["breakdowns"].filter((pl.col("geo") == "NOR") & (pl.col("definition_id") == definition_id))
    available = [dimension for dimension in DIMENSIONS if dimension in set(rows["breakdown"].to_list())]
    dimension = middle.radio(t("victims.dimension"), available, format_func=text_labels("dimension", available).get)
    view = right.radio(
        t("victims.view"), ("line", "stacked"), format_func=text_labels("victims.view", ("line", "stacked")).get
    )
    data = rows.filter(pl.col("breakdown") == dimension)
    labels = {code: vocabulary_label(tables, dimension, code) for code in data["category"].unique().to_list()}
    data = with_shown_values(data.with_columns(series=pl.col("category").replace_strict(labels)).sort("year", "series"))
    if "synthetic" in ";".join(data["flags"].to_list()):
        st.warning(t("world.synthetic_caveat"))
    if view == "line":
        figure = series_figure(data)
    else:
        annual = data.filter(pl.col("period") == pl.col("year").cast(pl.String))
        figure = bar_figure(annual, "year", "series", True, t("chart.year"))
    title = t("victims.by_breakdown_title", series=names[definition_id], dimension=t(f"dimension.{dimension}").lower())
    chart_block(tables, title, figure, data, [definition_id], f"victims_by_{dimension}")


def reconciliation(tables: dict[str, pl.DataFrame]) -> None:
    """KOM's two counts beside UNODC's figure, year by year, and which one UNODC's equals."""
    st.subheader(t("victims.reconciliation_title"))
    st.markdown(t("victims.reconciliation_intro"))
    frame = tables["reconciliation_norway"].sort("year")
    shown = {}
    for prefix in ("kom_victims_assisted", "kom_victims_identified", "unodc_victims_detected"):
        values = frame.select(
            value=pl.col(prefix),
            value_low=pl.col(f"{prefix}_low"),
            value_high=pl.col(f"{prefix}_high"),
            flags=pl.col(f"{prefix}_flags"),
        )
        shown[prefix] = with_shown_values(values)["shown"]
    table = pl.DataFrame(
        {
            t("chart.year"): frame["year"].cast(pl.String),
            definition_name(tables, "kom.victims_assisted"): shown["kom_victims_assisted"],
            definition_name(tables, "kom.victims_identified"): shown["kom_victims_identified"],
            definition_name(tables, "unodc_glotip.victims_detected"): shown["unodc_victims_detected"],
            t("victims.explanation"): frame[f"explanation_{language()}"],
        }
    )
    st.dataframe(table, hide_index=True, width="stretch")


def main() -> None:
    tables = page_header("page.victims", "victims.intro")
    victims_by_definition(tables)
    victims_by_breakdown(tables)
    reconciliation(tables)


main()
