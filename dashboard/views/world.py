"""Norge i verden: Norway beside the Nordic countries per 100,000, ILO's global estimates, the US TIP report
(Norway's tier, the world law enforcement figures beside UNODC's), CTDC profiles."""

import polars as pl
import streamlit as st

from core.vocabulary import TOTAL, WORLD
from dashboard.i18n import language, t, text_labels, with_shown_values
from dashboard.ui import chart_block, definition_name, needs, page_header, vocabulary_label
from reporting import queries, tip
from reporting.catalogue import CTDC_AREAS, CTDC_PROFILES, definition_ids, series
from reporting.charts import bar_figure, series_figure, tier_figure
from reporting.figures import rate_style, with_shown


@needs("rates_per_100k")
def nordic_rates(tables: dict[str, pl.DataFrame]) -> None:
    catalogued = {entry.definition_id: entry.measure for entry in series("world", "nordic_rates")}
    rates = queries.nordic_rates(tables, list(catalogued))
    present = set(rates["definition_id"].to_list())
    offered = {definition_id: measure for definition_id, measure in catalogued.items() if definition_id in present}
    if not offered:
        st.subheader(t("world.rates_heading"))
        st.info(t("world.no_rates"))
        return
    chosen = st.radio(
        t("world.measure"),
        list(offered),
        format_func={definition_id: definition_name(tables, definition_id) for definition_id in offered}.get,
        horizontal=True,
    )
    data = (
        rates.filter(pl.col("definition_id") == chosen)
        .select(
            "geo",
            "year",
            "definition_id",
            "flags",
            "population",
            "provenance_id",
            series=pl.col(f"name_{language()}"),
            period=pl.col("year").cast(pl.String),
            count=pl.col("value"),
            count_low=pl.col("value_low"),
            count_high=pl.col("value_high"),
            rate=pl.col("rate"),
            value=pl.col("rate"),
            value_low=pl.col("rate_low"),
            value_high=pl.col("rate_high"),
        )
        .sort("series", "year")
    )
    data = with_shown(data, rate_style(language()))
    figure = series_figure(data, language=language(), y_title=t("world.per_100k"))
    title = t("world.rates_title", measure=definition_name(tables, chosen))
    population = definition_ids("world", "rates_population")
    chart_block(tables, title, figure, data, [chosen], f"nordic_{offered[chosen]}", underlying=population)
    st.caption(t("world.rates_note"))


@needs("ilo_estimates")
def ilo_estimates(tables: dict[str, pl.DataFrame]) -> None:
    estimates = tables["ilo_estimates"].filter(
        (pl.col("geo") == WORLD)
        & (pl.col("sex") == TOTAL)
        & (pl.col("age_group") == TOTAL)
        & (pl.col("exploitation_form") == TOTAL)
    )
    present = set(estimates["definition_id"].to_list())
    offered = {entry.definition_id: entry.measure for entry in series("world", "ilo_estimates")}
    offered = {definition_id: measure for definition_id, measure in offered.items() if definition_id in present}
    if not offered:
        st.subheader(t("world.ilo_heading"))
        st.info(t("chart.no_figures"))
        return
    chosen = st.radio(
        t("world.ilo_measure"),
        list(offered),
        format_func={definition_id: definition_name(tables, definition_id) for definition_id in offered}.get,
        horizontal=True,
    )
    data = estimates.filter(pl.col("definition_id") == chosen).sort("year", "edition")
    data = data.with_columns(
        edition_label=pl.format("{} ({})", pl.col("edition"), pl.col("year")),
        series=pl.lit(definition_name(tables, chosen)),
        period=pl.col("period").cast(pl.String),
    )
    unit = data["unit"][0]
    data = with_shown_values(data, decimals=1 if unit == "usd_billion_per_year" else 0)
    figure = bar_figure(
        data,
        "edition_label",
        "series",
        stacked=False,
        x_title=t("world.edition"),
        language=language(),
        y_title=t(f"world.unit_{unit}"),
    )
    figure.update_layout(showlegend=False)
    st.warning(t("world.ilo_caveat"))
    chart_block(
        tables,
        t("world.ilo_title", measure=definition_name(tables, chosen)),
        figure,
        data.with_columns(source_location=pl.col("reference")),
        [chosen],
        f"ilo_{offered[chosen]}",
    )


@needs("series_totals")
def tip_tier(tables: dict[str, pl.DataFrame]) -> None:
    """Norway's tier by edition, and the newest downgrade with the reasons the report gave."""
    tiers = tip.tier_rows(tables, language())
    sentence = tip.downgrade_sentence(tables, language())
    if sentence:
        st.markdown(sentence)
    figure = tier_figure(tiers, x_title=t("world.tip_edition"), y_title=t("world.tip_tier_axis"), language=language())
    chart_block(tables, t("world.tip_tier_title"), figure, tiers, [tip.TIER], "tip_tier")
    st.caption(t("world.tip_tier_note"))


@needs("series_totals", "fact_indicator")
def tip_world(tables: dict[str, pl.DataFrame]) -> None:
    """TIP's world prosecutions, convictions and victims identified beside the sum of countries' figures to UNODC."""
    pairs = dict(zip(definition_ids("world", "tip_world"), definition_ids("world", "tip_world_unodc"), strict=True))
    chosen = st.radio(
        t("world.measure"),
        list(pairs),
        format_func={definition_id: definition_name(tables, definition_id) for definition_id in pairs}.get,
        horizontal=True,
        key="tip_world_measure",
    )
    data = tip.world_comparison(tables, chosen, pairs[chosen], language())
    figure = series_figure(data, language=language())
    title = t("world.tip_world_title", measure=definition_name(tables, chosen))
    chart_block(tables, title, figure, data, [chosen, pairs[chosen]], f"tip_world_{chosen.split('.')[1]}")
    counts = tip.unodc_world_sums(tables, [pairs[chosen].split(".", 1)[1]])["countries"]
    countries = f"{counts.min()}–{counts.max()}" if counts.len() else "0"
    one_country = tip.one_country_note(tables, pairs[chosen].split(".", 1)[1], language())
    st.caption(" ".join(filter(None, [t("world.tip_world_note", countries=countries), one_country])))


@needs("ctdc_profiles")
def ctdc_profiles(tables: dict[str, pl.DataFrame]) -> None:
    st.warning(t("world.synthetic_caveat"))
    left, right = st.columns(2)
    area = left.radio(t("world.area"), CTDC_AREAS, format_func=text_labels("area", CTDC_AREAS).get, horizontal=True)
    profile_names = text_labels("dimension", CTDC_PROFILES)
    profile = right.selectbox(t("world.profile"), CTDC_PROFILES, format_func=profile_names.get)
    data = tables["ctdc_profiles"].filter((pl.col("geo") == area) & (pl.col("profile") == profile))
    if tables["ctdc_profiles"].is_empty():
        st.info(t("world.no_ctdc"))
        return
    if data.is_empty():
        st.info(t("world.no_profile", area=t(f"area.{area}")))
        return
    labels = [vocabulary_label(tables, profile, code) for code in data["category"].to_list()]
    data = with_shown_values(data.with_columns(pl.Series("series", labels, dtype=pl.String)).sort("category"))
    figure = bar_figure(data, "series", "series", stacked=False, x_title=profile_names[profile], language=language())
    figure.update_layout(showlegend=False)
    title = t(
        "world.ctdc_title", profile=t(f"dimension.{profile}").lower(), area=t(f"area.{area}"), period=data["period"][0]
    )
    chart_block(tables, title, figure, data, definition_ids("world", "ctdc_profiles"), f"ctdc_{area}_{profile}")


def main() -> None:
    tables = page_header("page.world", "world.intro")
    nordic_rates(tables)
    ilo_estimates(tables)
    st.header(t("world.tip_heading"))
    tip_tier(tables)
    tip_world(tables)
    st.subheader(t("world.ctdc_heading"))
    ctdc_profiles(tables)


main()
