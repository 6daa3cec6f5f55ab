"""Definisjoner og kilder: the definitions registry, the crosswalks, provenance and the latest check results."""

import polars as pl
import streamlit as st

from dashboard.i18n import language, number, t, text_labels
from dashboard.ui import page_header


def definitions(tables: dict[str, pl.DataFrame]) -> None:
    st.subheader(t("sources.definitions_title"))
    lang = language()
    registry = tables["definitions"].sort("source", "measure")
    sources = sorted(set(registry["source"].to_list()))
    chosen = st.multiselect(
        t("sources.filter_source"), sources, default=sources, format_func=text_labels("source", sources).get
    )
    shown = registry.filter(pl.col("source").is_in(chosen)).select(
        pl.col(f"name_{lang}").alias(t("sources.name")),
        pl.col(f"description_{lang}").alias(t("sources.description")),
        pl.col(f"counting_unit_{lang}").alias(t("chart.unit")),
        pl.col(f"scope_{lang}").alias(t("sources.scope")),
        pl.col(f"series_breaks_{lang}").alias(t("sources.breaks")),
        pl.col("publisher").alias(t("sources.publisher")),
        pl.col("source_url").alias(t("sources.address")),
        pl.col("definition_id").alias("definition_id"),
    )
    st.dataframe(
        shown, hide_index=True, width="stretch", column_config={t("sources.address"): st.column_config.LinkColumn()}
    )


def source_status(tables: dict[str, pl.DataFrame]) -> None:
    """Every source's status in this publication: current, stale (the last good release) or absent, and why."""
    if "source_status" not in tables:
        return
    st.subheader(t("sources.status_title"))
    statuses = tables["source_status"].sort("source_id")
    names = text_labels("source", statuses["source_id"].to_list())
    labels = text_labels("status", ["current", "stale", "absent"])
    st.dataframe(
        statuses.select(
            pl.col("source_id").replace_strict(names).alias(t("sources.source")),
            pl.col("status").replace_strict(labels).alias(t("sources.status")),
            pl.col("release").alias(t("sources.release")),
            pl.col("retrieved_at").alias(t("sources.retrieved")),
            pl.col("reason").alias(t("sources.reason")),
        ),
        hide_index=True,
        width="stretch",
    )


def provenance(tables: dict[str, pl.DataFrame]) -> None:
    st.subheader(t("sources.provenance_title"))
    files = (
        tables["provenance"]
        .sort("source_id")
        .with_columns(size=pl.col("size_bytes").map_elements(lambda size: number(size), return_dtype=pl.String))
    )
    names = text_labels("source", files["source_id"].unique().to_list())
    st.dataframe(
        files.select(
            pl.col("source_id").replace(names).alias(t("sources.source")),
            pl.col("publication").alias(t("sources.publication")),
            pl.col("url").alias(t("sources.address")),
            pl.col("fetched_from").alias(t("sources.fetched_from")),
            pl.col("release").alias(t("sources.release")),
            pl.col("retrieved_at").alias(t("sources.retrieved")),
            pl.col("size").alias(t("sources.size")),
            pl.col("sha256").alias("sha256"),
            pl.col("from_mirror").alias(t("sources.from_mirror")),
        ),
        hide_index=True,
        width="stretch",
    )


def check_results(tables: dict[str, pl.DataFrame]) -> None:
    st.subheader(t("sources.checks_title"))
    if "asset_check_results" not in tables:
        st.info(t("sources.no_checks"))
        return
    results = tables["asset_check_results"]
    failed = results.filter(~pl.col("passed"))
    st.markdown(t("sources.checks_summary", passed=results.height - failed.height, total=results.height))
    st.dataframe(
        results.sort("passed", "asset_key", "check_name").select(
            pl.col("asset_key").alias(t("sources.asset")),
            pl.col("check_name").alias(t("sources.check")),
            pl.col("passed").alias(t("sources.passed")),
            pl.col("severity").alias(t("sources.severity")),
            pl.col("description").alias(t("sources.description")),
        ),
        hide_index=True,
        width="stretch",
    )


def crosswalks(tables: dict[str, pl.DataFrame]) -> None:
    st.subheader(t("sources.crosswalks_title"))
    rows = tables["crosswalks"]
    names = sorted(set(rows["crosswalk"].to_list()))
    chosen = st.selectbox(t("sources.crosswalk"), names)
    st.dataframe(rows.filter(pl.col("crosswalk") == chosen).drop("crosswalk"), hide_index=True, width="stretch")


def legal_bases(tables: dict[str, pl.DataFrame]) -> None:
    if "legal_bases" not in tables:
        return
    st.subheader(t("sources.legal_title"))
    st.dataframe(
        tables["legal_bases"].select(
            pl.col(f"label_{language()}").alias(t("sources.provision")),
            pl.col("first_day").alias(t("sources.from_day")),
            pl.col("last_day").alias(t("sources.to_day")),
            pl.col("note").alias(t("sources.note")),
        ),
        hide_index=True,
        width="stretch",
    )


def publication(tables: dict[str, pl.DataFrame]) -> None:
    row = tables["publication"].to_dicts()[0]
    st.caption(
        t("sources.publication_note", when=row["published_at"], hash=row["content_hash"][:16], run=row["run_id"])
    )


def main() -> None:
    tables = page_header("page.sources", "sources.intro")
    definitions(tables)
    source_status(tables)
    provenance(tables)
    check_results(tables)
    legal_bases(tables)
    crosswalks(tables)
    publication(tables)


main()
