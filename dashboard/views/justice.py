"""Straffesakskjeden: police reports, offences (UNODC, SSB), persons prosecuted and convicted, sanctions, their ratios,
the 2015 code change, KOM's, UNODC's and SSB's first step of the chain side by side, and the US TIP report's
assessment of Norway (its tier and what it says about Norway's criminal cases)."""

from datetime import date
from itertools import pairwise

import polars as pl
import streamlit as st

from core.vocabulary import NORWAY
from dashboard.i18n import language, t, with_shown_values
from dashboard.ui import (
    chart_block,
    definition_name,
    needs,
    page_header,
    reader_table,
    revision_column,
    vocabulary_label,
    with_revision_marks,
)
from reporting import queries, tip
from reporting.catalogue import definition_ids, series
from reporting.charts import drawn_definitions, series_figure
from reporting.figures import percent_style, wide_series, with_shown
from reporting.justice import agreement, justice_chain
from reporting.words import day_text, listing, publication_named


def ratio_pairs() -> list[tuple[str, str]]:
    """(numerator, denominator): each step of the chain per the step before it, both from the same source."""
    steps = definition_ids("justice", "ratio_steps")
    return [(numerator, denominator) for denominator, numerator in pairwise(steps)]


def code_change(tables: dict[str, pl.DataFrame]) -> tuple[float, str] | None:
    """Where the new penal code starts on a yearly axis, and its label (from the legal-basis table)."""
    if "legal_bases" not in tables:
        return None
    provisions = tables["legal_bases"].filter((pl.col("geo") == NORWAY) & (pl.col("kind") == "provision"))
    if provisions.height < 2:
        return None
    newest = provisions.sort("first_day").row(-1, named=True)
    first_day = date.fromisoformat(newest["first_day"])
    # a year's figure sits at the year itself, so 1 January of a year is half a year to its left
    position = first_day.year - 0.5 + (first_day.timetuple().tm_yday - 1) / 365
    return position, t("justice.code_change", day=day_text(first_day, language()), new=newest[f"label_{language()}"])


def year_range(tables: dict[str, pl.DataFrame]) -> tuple[int, int] | None:
    """The years the reader chooses among those with figures of the chain (None, and a sentence, when none)."""
    years = queries.norway_series(tables, definition_ids("justice", "chain"))["year"].drop_nulls()
    if years.is_empty():
        st.info(t("justice.no_figures"))
        return None
    first, last = int(years.min()), int(years.max())
    if first == last:
        return first, last
    return st.slider(t("justice.years"), first, last, (first, last))


@needs("series_totals", "fact_indicator")
def chain_chart(tables: dict[str, pl.DataFrame], years: tuple[int, int]) -> None:
    chain = definition_ids("justice", "chain")
    names = {definition_id: definition_name(tables, definition_id) for definition_id in chain}
    data = justice_chain(tables["series_totals"], tables["fact_indicator"], chain, years)
    data = data.with_columns(series=pl.col("definition_id").replace_strict(names, default=None))
    order = {definition_id: index for index, definition_id in enumerate(chain)}
    data = data.sort(pl.col("definition_id").replace_strict(order, return_dtype=pl.Int32), "year")
    figure = series_figure(data, language=language())
    marked = code_change(tables)
    if marked:
        figure.add_vline(
            x=marked[0],
            line={"dash": "dash", "color": "#444444"},
            annotation_text=marked[1],
            annotation_position="top right",
            annotation_font_size=14,
        )
    measures = {entry.definition_id: entry.measure for entry in series("justice", "chain")}
    steps = [t(f"justice.step.{measures[definition_id]}") for definition_id in drawn_definitions(data)]
    title = t("justice.chain_title", steps=listing(steps, language()))
    chart_block(tables, title, figure, data, chain, "justice_chain")


def ratios(tables: dict[str, pl.DataFrame], years: tuple[int, int]) -> pl.DataFrame:
    """Each ratio per year, in per cent, where both figures are exact (a suppressed `<5` gives no ratio)."""
    totals = tables["series_totals"].filter(
        (pl.col("geo") == NORWAY)
        & (pl.col("period") == pl.col("year").cast(pl.String))
        & pl.col("year").is_between(*years)
    )
    frames = []
    for numerator, denominator in ratio_pairs():
        top = totals.filter(pl.col("definition_id") == numerator).select("year", top="value")
        bottom = totals.filter(pl.col("definition_id") == denominator).select("year", bottom="value")
        joined = top.join(bottom, on="year", how="inner").filter(pl.col("bottom") > 0)
        label = t("justice.ratio", top=definition_name(tables, numerator), bottom=definition_name(tables, denominator))
        frames.append(
            joined.select(
                "year",
                series=pl.lit(label),
                period=pl.col("year").cast(pl.String),
                value=pl.col("top") / pl.col("bottom") * 100,
                value_low=pl.lit(None, pl.Float64),
                value_high=pl.lit(None, pl.Float64),
                flags=pl.lit(""),
                definition_id=pl.lit(f"{numerator}/{denominator}"),
            ).filter(pl.col("value").is_not_null())
        )
    frames.append(published_ratios(tables, totals))
    frames = [frame for frame in frames if not frame.is_empty()]
    return pl.concat(frames).sort("series", "year") if frames else pl.DataFrame()


def published_ratios(tables: dict[str, pl.DataFrame], totals: pl.DataFrame) -> pl.DataFrame:
    """The percentages a source publishes between two of its own steps (SSB's clearance rate: cleared up per
    investigated), as it gives them: beside the computed ratios, never recomputed."""
    names = {found: definition_name(tables, found) for found in definition_ids("justice", "ratio_published")}
    series = pl.col("definition_id").replace_strict(names).alias("series")
    figures = ("period", "value", "value_low", "value_high", "flags", "definition_id")
    return totals.filter(pl.col("definition_id").is_in(list(names))).select("year", series, *figures)


@needs("series_totals")
def ratio_chart(tables: dict[str, pl.DataFrame], years: tuple[int, int]) -> None:
    data = ratios(tables, years)
    if data.is_empty():
        st.subheader(t("justice.ratio_title"))
        st.info(t("chart.no_figures"))
        return
    data = with_shown(data, percent_style(language()))
    figure = series_figure(data, language=language(), y_title=t("justice.ratio_axis"))
    figure.update_yaxes(ticksuffix="\u00a0%" if language() == "nb" else "%", tickformat=",~d")
    ids = [definition_id for pair in ratio_pairs() for definition_id in pair]
    ids += definition_ids("justice", "ratio_published")
    chart_block(tables, t("justice.ratio_title"), figure, data, ids, "justice_ratios")
    published = set(definition_ids("justice", "ratio_published")) & set(data["definition_id"])
    st.caption(" ".join([t("justice.ratio_note")] + ([t("justice.ratio_published_note")] if published else [])))


@needs("series_totals", "breakdowns")
def judgments(tables: dict[str, pl.DataFrame]) -> None:
    """KOM's cumulative judgment counts, as published: never spread over years."""
    st.subheader(t("justice.judgments_title"))
    shown_ids = definition_ids("justice", "judgments")
    totals = tables["series_totals"].filter(pl.col("definition_id").is_in(shown_ids))
    parts = tables["breakdowns"].filter(pl.col("definition_id").is_in(shown_ids))
    if totals.is_empty():
        st.info(t("chart.no_figures"))
        return
    totals, parts = (frame.with_columns(revision_column(tables, frame).alias("revision")) for frame in (totals, parts))
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
                revision="revision",
            ),
            parts.select(
                "period",
                category=pl.col("category"),
                value="value",
                value_low="value_low",
                value_high="value_high",
                flags="flags",
                source_location="source_location",
                revision="revision",
            ),
        ]
    ).sort("period", "category")
    shown = with_shown_values(rows)
    reader_table(
        shown.select(
            pl.col("period").str.replace_all("-", "–").alias(t("justice.period")),
            pl.col("category").alias(t("justice.category")),
            pl.when(pl.col("revision") != "")
            .then(pl.format("{} ({})", pl.col("shown"), pl.col("revision")))
            .otherwise(pl.col("shown"))
            .alias(t("justice.judgments")),
            pl.col("source_location").map_elements(publication_named, return_dtype=pl.String).alias(t("chart.source")),
        )
    )
    st.caption(t("justice.judgments_note"))


@needs("breakdowns")
def ssb_breakdown_chart(tables: dict[str, pl.DataFrame], years: tuple[int, int], block: str) -> None:
    """One of SSB's breakdowns (offences investigated by decision, sanctions by type), each series its own line."""
    shown = definition_ids("justice", block)
    names = {definition_id: definition_name(tables, definition_id) for definition_id in shown}
    data = justice_chain(tables["series_totals"], tables["fact_indicator"], shown, years)
    if data.is_empty():
        return
    order = {definition_id: index for index, definition_id in enumerate(shown)}
    data = data.with_columns(series=pl.col("definition_id").replace_strict(names, default=None)).sort(
        pl.col("definition_id").replace_strict(order, return_dtype=pl.Int32), "year"
    )
    figure = series_figure(data, language=language())
    chart_block(tables, t(f"justice.{block}_title"), figure, data, shown, f"justice_{block}")


def sentence(found: dict[str, object], key: str) -> str:
    """How two series of the reconciliation relate over the years both have exact figures, in one sentence."""
    if not found["shared"]:
        return t(f"{key}_none")
    if found["equal"] == found["shared"]:
        return t(f"{key}_all", shared=found["shared"])
    differing = ", ".join(str(year) for year in found["differing_years"])
    return t(f"{key}_some", equal=found["equal"], shared=found["shared"], years=differing)


@needs("reconciliation_justice_norway")
def reconciliation(tables: dict[str, pl.DataFrame]) -> None:
    """KOM's police reports, UNODC's offences recorded and SSB's reported offences per year, and how they relate."""
    if "reconciliation_justice_norway" not in tables:
        return
    st.subheader(t("justice.reconciliation_title"))
    st.markdown(t("justice.reconciliation_intro"))
    frame = queries.norway_reconciliation(tables, "reconciliation_justice_norway").sort("year")
    if frame.is_empty():
        st.info(t("chart.no_figures"))
        return
    st.markdown(
        "\n".join(
            f"- {sentence(agreement(frame, column), key)}"
            for column, key in (
                ("unodc_relation_to_kom", "justice.unodc_kom"),
                ("ssb_relation_to_kom", "justice.ssb_kom"),
                ("ssb_relation_to_unodc", "justice.ssb_unodc"),
            )
        )
    )
    columns = {
        definition_name(tables, entry.definition_id): with_revision_marks(
            tables, frame["year"], entry, with_shown_values(wide_series(frame, entry.table_column))["shown"]
        )
        for entry in series("justice", "reconciliation")
    }
    table = pl.DataFrame(
        {
            t("chart.year"): frame["year"].cast(pl.String),
            **columns,
            t("justice.explanation"): frame[f"explanation_{language()}"],
        }
    )
    reader_table(table)


@needs("series_totals")
def tip_context(tables: dict[str, pl.DataFrame]) -> None:
    """The TIP report's tier for Norway, its newest downgrade and reasons, and the criminal cases it states."""
    st.subheader(t("justice.tip_heading"))
    tiers = tip.tier_rows(tables, language())
    if tiers.height:
        newest = tiers.row(-1, named=True)
        st.markdown(t("justice.tip_newest", edition=newest["year"], tier=newest["shown"]))
    sentence = tip.downgrade_sentence(tables, language())
    if sentence:
        st.markdown(sentence)
    stated = tip.norway_stated(tables, language())
    if stated.is_empty():
        st.info(t("chart.no_figures"))
        return
    st.markdown(f"**{t('justice.tip_table_title')}**")
    names = {entry: definition_name(tables, entry) for entry in definition_ids("justice", "tip_norway")}
    table = stated.sort("period", "measure").select(
        pl.col("period").str.replace("-", "–").alias(t("chart.column_period")),
        pl.col("definition_id").replace_strict(names).alias(t("justice.tip_measure")),
        pl.col("shown").alias(t("chart.column_value")),
    )
    reader_table(table)
    st.caption(t("justice.tip_table_note"))
    tip_reconciliation(tables)


@needs("reconciliation_tip_justice_norway")
def tip_reconciliation(tables: dict[str, pl.DataFrame]) -> None:
    """TIP's Norway prosecutions and convictions beside UNODC's, KOM's and SSB's figures of the same year, and why
    they differ."""
    frame = tables["reconciliation_tip_justice_norway"].sort("year")
    st.markdown(f"**{t('justice.tip_reconciliation_title')}**")
    columns = {
        definition_name(tables, entry.definition_id): with_shown_values(wide_series(frame, entry.table_column))["shown"]
        for entry in series("justice", "tip_reconciliation")
    }
    table = pl.DataFrame(
        {
            t("chart.year"): frame["year"].cast(pl.String),
            **columns,
            t("justice.explanation"): frame[f"explanation_{language()}"],
        }
    )
    reader_table(table)


def main() -> None:
    tables = page_header("page.justice", "justice.intro")
    years = year_range(tables)
    if years is not None:
        chain_chart(tables, years)
        ratio_chart(tables, years)
    reconciliation(tables)
    if years is not None:
        ssb_breakdown_chart(tables, years, "ssb_decisions")
        ssb_breakdown_chart(tables, years, "ssb_sanctions")
    judgments(tables)
    tip_context(tables)


main()
