"""Straffesakskjeden: police reports, persons prosecuted and persons convicted, their ratios, the 2015 code change."""

from datetime import date

import polars as pl
import streamlit as st

from dashboard.charts import series_figure
from dashboard.i18n import language, t, with_shown_values
from dashboard.ui import chart_block, definition_name, page_header, vocabulary_label

CHAIN = (
    "kom.police_reports",
    "unodc_glotip.offences_recorded",
    "unodc_glotip.persons_prosecuted",
    "unodc_glotip.persons_convicted",
)
# (numerator, denominator): both from the same source, so each ratio compares like with like.
RATIOS = (
    ("unodc_glotip.persons_prosecuted", "unodc_glotip.offences_recorded"),
    ("unodc_glotip.persons_convicted", "unodc_glotip.persons_prosecuted"),
)


def code_change(tables: dict[str, pl.DataFrame]) -> tuple[float, str] | None:
    """Where the new penal code starts on a yearly axis, and its label (from the legal-basis table)."""
    if "legal_bases" not in tables:
        return None
    provisions = tables["legal_bases"].filter((pl.col("geo") == "NOR") & (pl.col("kind") == "provision"))
    if provisions.height < 2:
        return None
    newest = provisions.sort("first_day").row(-1, named=True)
    first_day = date.fromisoformat(newest["first_day"])
    # a year's figure sits at the year itself, so 1 January of a year is half a year to its left
    position = first_day.year - 0.5 + (first_day.timetuple().tm_yday - 1) / 365
    return position, t("justice.code_change", day=first_day.strftime("%d.%m.%Y"), new=newest[f"label_{language()}"])


def year_range(tables: dict[str, pl.DataFrame]) -> tuple[int, int]:
    years = tables["series_totals"].filter((pl.col("geo") == "NOR") & pl.col("definition_id").is_in(CHAIN))["year"]
    first, last = int(years.min()), int(years.max())
    return st.slider(t("justice.years"), first, last, (first, last))


def chain_chart(tables: dict[str, pl.DataFrame], years: tuple[int, int]) -> None:
    names = {definition_id: definition_name(tables, definition_id) for definition_id in CHAIN}
    data = tables["series_totals"].filter(
        (pl.col("geo") == "NOR") & pl.col("definition_id").is_in(CHAIN) & pl.col("year").is_between(*years)
    )
    data = data.with_columns(series=pl.col("definition_id").replace_strict(names, default=None))
    order = {definition_id: index for index, definition_id in enumerate(CHAIN)}
    data = data.sort(pl.col("definition_id").replace_strict(order, return_dtype=pl.Int32), "year")
    legal = (
        tables["fact_indicator"]
        .filter(
            (pl.col("geo") == "NOR")
            & pl.col("definition_id").is_in(CHAIN)
            & (pl.col("sex") == "total")
            & (pl.col("age_group") == "total")
            & (pl.col("exploitation_form") == "total")
            & (pl.col("counterpart_type") == "none")
        )
        .select("definition_id", "period", "legal_basis")
        .unique(["definition_id", "period"])
    )
    data = data.join(legal, on=["definition_id", "period"], how="left")
    figure = series_figure(data)
    marked = code_change(tables)
    if marked:
        figure.add_vline(
            x=marked[0],
            line={"dash": "dash", "color": "#444444"},
            annotation_text=marked[1],
            annotation_position="top right",
            annotation_font_size=14,
        )
    chart_block(tables, t("justice.chain_title"), figure, data, CHAIN, "justice_chain")


def ratios(tables: dict[str, pl.DataFrame], years: tuple[int, int]) -> pl.DataFrame:
    """Each ratio per year where both figures are exact (a suppressed `<5` gives no ratio)."""
    totals = tables["series_totals"].filter(
        (pl.col("geo") == "NOR")
        & (pl.col("period") == pl.col("year").cast(pl.String))
        & pl.col("year").is_between(*years)
    )
    frames = []
    for numerator, denominator in RATIOS:
        top = totals.filter(pl.col("definition_id") == numerator).select("year", top="value")
        bottom = totals.filter(pl.col("definition_id") == denominator).select("year", bottom="value")
        joined = top.join(bottom, on="year", how="inner").filter(pl.col("bottom") > 0)
        label = t("justice.ratio", top=definition_name(tables, numerator), bottom=definition_name(tables, denominator))
        frames.append(
            joined.select(
                "year",
                series=pl.lit(label),
                period=pl.col("year").cast(pl.String),
                value=pl.col("top") / pl.col("bottom"),
                value_low=pl.lit(None, pl.Float64),
                value_high=pl.lit(None, pl.Float64),
                flags=pl.lit(""),
                definition_id=pl.lit(f"{numerator}/{denominator}"),
            ).filter(pl.col("value").is_not_null())
        )
    return pl.concat(frames).sort("series", "year")


def ratio_chart(tables: dict[str, pl.DataFrame], years: tuple[int, int]) -> None:
    data = with_shown_values(ratios(tables, years), decimals=2)
    figure = series_figure(data, y_title=t("justice.ratio_axis"))
    ids = [definition_id for pair in RATIOS for definition_id in pair]
    chart_block(tables, t("justice.ratio_title"), figure, data, ids, "justice_ratios")
    st.caption(t("justice.ratio_note"))


def judgments(tables: dict[str, pl.DataFrame]) -> None:
    """KOM's cumulative judgment counts, as published: never spread over years."""
    st.subheader(t("justice.judgments_title"))
    totals = tables["series_totals"].filter(pl.col("definition_id") == "kom.convicting_judgments")
    parts = tables["breakdowns"].filter(pl.col("definition_id") == "kom.convicting_judgments")
    labels = [vocabulary_label(tables, row["breakdown"], row["category"]) for row in parts.iter_rows(named=True)]
    parts = parts.with_columns(pl.Series("category", labels, dtype=pl.String))
    rows = pl.concat(
        [
            totals.select(
                "period",
                category=pl.lit(t("justice.all_judgments")),
                value="value",
                value_low="value_low",
                value_high="value_high",
                flags="flags",
                source_location="source_location",
            ),
            parts.select(
                "period",
                category=pl.col("category"),
                value="value",
                value_low="value_low",
                value_high="value_high",
                flags="flags",
                source_location="source_location",
            ),
        ]
    ).sort("period", "category")
    shown = with_shown_values(rows)
    st.dataframe(
        shown.select(
            pl.col("period").alias(t("justice.period")),
            pl.col("category").alias(t("justice.category")),
            pl.col("shown").alias(t("justice.judgments")),
            pl.col("source_location").alias(t("chart.source")),
        ),
        hide_index=True,
        width="stretch",
    )
    st.caption(t("justice.judgments_note"))


def main() -> None:
    tables = page_header("page.justice", "justice.intro")
    years = year_range(tables)
    chain_chart(tables, years)
    ratio_chart(tables, years)
    judgments(tables)


main()
