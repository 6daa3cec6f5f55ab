"""Norge i verden: Norway beside the Nordic countries per 100,000, ILO's global estimates, CTDC profiles."""

import polars as pl
import streamlit as st

from dashboard.charts import bar_figure, series_figure
from dashboard.i18n import language, number, t, text_labels, with_shown_values
from dashboard.ui import chart_block, definition_name, page_header, vocabulary_label

ILO_MEASURES = (
    "persons_in_forced_labour",
    "persons_in_modern_slavery",
    "persons_in_forced_marriage",
    "persons_trafficked",
    "illegal_profits_usd",
)
CTDC_AREAS = ("NOR", "UN_NORTHERN_EUROPE", "WORLD")
CTDC_PROFILES = ("exploitation_form", "sex", "age_group", "means_of_control", "age_band", "sector_of_labour")
CANONICAL_PROFILES = ("exploitation_form", "sex", "age_group")


def nordic_rates(tables: dict[str, pl.DataFrame]) -> None:
    rates = tables["rates_per_100k"].filter(pl.col("is_nordic"))
    measures = sorted(set(rates["measure"].to_list()), key=lambda code: code != "victims_detected")
    ids = {measure: f"unodc_glotip.{measure}" for measure in measures}
    measure = st.radio(
        t("world.measure"),
        measures,
        format_func={code: definition_name(tables, ids[code]) for code in measures}.get,
        horizontal=True,
    )
    data = (
        rates.filter(pl.col("measure") == measure)
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
    shown = [
        f"<5 ({number(row['value_low'], 2)}–{number(row['value_high'], 2)})"
        if "suppressed" in (row["flags"] or "")
        else number(row["value"], 2)
        for row in data.iter_rows(named=True)
    ]
    data = data.with_columns(pl.Series("shown", shown, dtype=pl.String))
    figure = series_figure(data, y_title=t("world.per_100k"))
    title = t("world.rates_title", measure=definition_name(tables, ids[measure]))
    chart_block(tables, title, figure, data, [ids[measure], "worldbank_population.population"], f"nordic_{measure}")
    st.caption(t("world.rates_note"))


def ilo_estimates(tables: dict[str, pl.DataFrame]) -> None:
    estimates = tables["ilo_estimates"].filter(
        (pl.col("geo") == "WORLD")
        & (pl.col("sex") == "total")
        & (pl.col("age_group") == "total")
        & (pl.col("exploitation_form") == "total")
    )
    measures = [measure for measure in ILO_MEASURES if measure in set(estimates["measure"].to_list())]
    measure = st.radio(
        t("world.ilo_measure"),
        measures,
        format_func={code: definition_name(tables, f"ilo.{code}") for code in measures}.get,
        horizontal=True,
    )
    data = estimates.filter(pl.col("measure") == measure).sort("year", "edition")
    data = data.with_columns(
        edition_label=pl.format("{} ({})", pl.col("edition"), pl.col("year")),
        series=pl.lit(definition_name(tables, f"ilo.{measure}")),
        period=pl.col("period").cast(pl.String),
    )
    data = with_shown_values(data, decimals=1 if measure == "illegal_profits_usd" else 0)
    figure = bar_figure(data, "edition_label", "series", False, t("world.edition"), t(f"world.unit_{data['unit'][0]}"))
    figure.update_layout(showlegend=False)
    st.warning(t("world.ilo_caveat"))
    chart_block(
        tables,
        t("world.ilo_title", measure=definition_name(tables, f"ilo.{measure}")),
        figure,
        data.with_columns(source_location=pl.col("reference")),
        [f"ilo.{measure}"],
        f"ilo_{measure}",
    )


def ctdc_profiles(tables: dict[str, pl.DataFrame]) -> None:
    st.warning(t("world.synthetic_caveat"))
    left, right = st.columns(2)
    area = left.radio(t("world.area"), CTDC_AREAS, format_func=text_labels("area", CTDC_AREAS).get, horizontal=True)
    profile_names = text_labels("dimension", CTDC_PROFILES)
    profile = right.selectbox(t("world.profile"), CTDC_PROFILES, format_func=profile_names.get)
    data = tables["ctdc_profiles"].filter((pl.col("geo") == area) & (pl.col("profile") == profile))
    if data.is_empty():
        st.info(t("world.no_profile", area=t(f"area.{area}")))
        return
    if profile in CANONICAL_PROFILES:
        labels = [vocabulary_label(tables, profile, code) for code in data["category"].to_list()]
    else:
        labels = [code.replace("--", "–") for code in data["category"].to_list()]
    data = with_shown_values(data.with_columns(pl.Series("series", labels, dtype=pl.String)).sort("category"))
    figure = bar_figure(data, "series", "series", False, profile_names[profile])
    figure.update_layout(showlegend=False)
    title = t(
        "world.ctdc_title", profile=t(f"dimension.{profile}").lower(), area=t(f"area.{area}"), period=data["period"][0]
    )
    chart_block(tables, title, figure, data, ["iom_ctdc.victims_registered"], f"ctdc_{area}_{profile}")


def main() -> None:
    tables = page_header("page.world", "world.intro")
    nordic_rates(tables)
    ilo_estimates(tables)
    st.subheader(t("world.ctdc_heading"))
    ctdc_profiles(tables)


main()
