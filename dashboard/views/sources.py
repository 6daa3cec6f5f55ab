"""Definisjoner og kilder: the definitions, the sources' status, the files fetched, the penal provisions, the checks.

Officials read names, dates and sentences; what an analyst needs besides (codes, checksums, the
refresh's own messages, the crosswalks) sits in collapsed parts marked as technical detail.
"""

from datetime import date
from urllib.parse import urlparse

import polars as pl
import streamlit as st

from core.sources import register, source
from dashboard.i18n import language, number, t, text_labels
from dashboard.ui import page_header, published_when, reader_table
from reporting.status import status_detail, status_reason
from reporting.texts import texts
from reporting.words import day_text, moment_text, reason_text, release_text


def technical(render: object) -> None:
    """A collapsed part marked as technical detail for analysts."""
    with st.expander(t("sources.technical")):
        render()


def definitions(tables: dict[str, pl.DataFrame]) -> None:
    st.subheader(t("sources.definitions_title"))
    lang = language()
    registry = tables["definitions"].sort("source", "measure")
    sources = sorted(set(registry["source"].to_list()))
    names = text_labels("source", sources)
    chosen = st.multiselect(t("sources.filter_source"), sources, default=sources, format_func=names.get)
    shown = registry.filter(pl.col("source").is_in(chosen)).select(
        pl.col(f"name_{lang}").alias(t("sources.name")),
        pl.col(f"description_{lang}").alias(t("sources.description")),
        pl.col(f"counting_unit_{lang}").alias(t("chart.unit")),
        pl.col(f"scope_{lang}").alias(t("sources.scope")),
        pl.col(f"series_breaks_{lang}").alias(t("sources.breaks")),
        pl.col("source").replace_strict(names).alias(t("sources.publisher")),
        pl.col("source_url").alias(t("sources.address")),
    )
    reader_table(shown)


def source_status(tables: dict[str, pl.DataFrame]) -> None:
    """Every source's status in this publication: current, stale (the last good release) or absent, and why."""
    if "source_status" not in tables:
        return
    st.subheader(t("sources.status_title"))
    lang = language()
    rows = tables["source_status"].sort("source_id").to_dicts()
    labels = text_labels("status", ["current", "stale", "absent"])
    reader_table(
        pl.DataFrame(
            {
                t("sources.source"): [t(f"source.{row['source_id']}") for row in rows],
                t("sources.status"): [labels[row["status"]] for row in rows],
                t("sources.release"): [
                    release_text(row["release"], row["retrieved_at"], lang) if row["status"] != "absent" else ""
                    for row in rows
                ],
                t("sources.retrieved"): [
                    moment_text(row["retrieved_at"], lang) if row["retrieved_at"] else "" for row in rows
                ],
                t("sources.reason"): [
                    reason_text(row["reason"], row["source_id"], lang) if row["reason"] else "" for row in rows
                ],
            },
            schema={
                name: pl.String
                for name in (
                    t("sources.source"),
                    t("sources.status"),
                    t("sources.release"),
                    t("sources.retrieved"),
                    t("sources.reason"),
                )
            },
        )
    )
    failing = [row for row in rows if row["status"] != "current"]
    if failing:
        technical(
            lambda: st.markdown("\n\n".join(f"{status_reason(row, lang)}  \n`{status_detail(row)}`" for row in failing))
        )


def provenance(tables: dict[str, pl.DataFrame]) -> None:
    st.subheader(t("sources.provenance_title"))
    lang = language()
    # the sources' files; the project's own reference tables are in the analysts' part below
    sources = {entry.source_id for entry in register().values() if entry.kind != "reference"}
    files = [row for row in tables["provenance"].sort("source_id").to_dicts() if row["source_id"] in sources]
    reader_table(
        pl.DataFrame(
            {
                t("sources.source"): [t(f"source.{row['source_id']}") for row in files],
                t("sources.publication"): [source(row["source_id"]).name(lang) for row in files],
                t("sources.address"): [reader_address(row) for row in files],
                t("sources.release"): [release_text(row["release"], row["retrieved_at"], lang) for row in files],
                t("sources.retrieved"): [moment_text(row["retrieved_at"], lang) for row in files],
                t("sources.size"): [
                    t("sources.size_bytes", size=number(row["size_bytes"])) if row["size_bytes"] is not None else ""
                    for row in files
                ],
            },
        )
    )
    technical(
        lambda: st.dataframe(
            tables["provenance"].select(
                "provenance_id", "source_id", "release", "sha256", "fetched_from", "from_mirror"
            ),
            hide_index=True,
            width="stretch",
        )
    )


def reader_address(row: dict) -> str:
    """Where a reader finds a source's file, as a link named by its site: the file's address, or the publisher's page
    for a file the project keeps."""
    address = row["url"] if row["url"].startswith("http") else source(row["source_id"]).homepage
    return f"[{urlparse(address).netloc}]({address})" if address else ""


def check_results(tables: dict[str, pl.DataFrame]) -> None:
    st.subheader(t("sources.checks_title"))
    if "asset_check_results" not in tables:
        st.info(t("sources.no_checks"))
        return
    results = tables["asset_check_results"]
    failed = results.filter(~pl.col("passed"))
    st.markdown(
        t("sources.checks_summary", passed=number(results.height - failed.height), total=number(results.height))
    )
    if failed.height:
        sources = sorted({key.split("/")[-1].removeprefix("facts_") for key in failed["asset_key"]})
        named = ", ".join(
            t(f"publisher.{source}") if f"publisher.{source}" in texts() else source for source in sources
        )
        st.markdown(t("sources.checks_failed", checks=named))
    technical(
        lambda: st.dataframe(
            results.sort("passed", "asset_key", "check_name").select(
                "asset_key", "check_name", "passed", "severity", "description"
            ),
            hide_index=True,
            width="stretch",
        )
    )


def legal_bases(tables: dict[str, pl.DataFrame]) -> None:
    if "legal_bases" not in tables:
        return
    st.subheader(t("sources.legal_title"))
    lang = language()
    rows = tables["legal_bases"].filter(pl.col("kind") == "provision").sort("first_day").to_dicts()
    reader_table(
        pl.DataFrame(
            {
                t("sources.provision"): [row[f"label_{lang}"] for row in rows],
                t("sources.from_day"): [day_text(date.fromisoformat(str(row["first_day"])), lang) for row in rows],
                t("sources.to_day"): [
                    day_text(date.fromisoformat(str(row["last_day"])), lang)
                    if row["last_day"]
                    else t("sources.open_ended")
                    for row in rows
                ],
            }
        )
    )
    technical(lambda: st.dataframe(tables["legal_bases"], hide_index=True, width="stretch"))


def crosswalks(tables: dict[str, pl.DataFrame]) -> None:
    st.subheader(t("sources.crosswalks_title"))

    def table() -> None:
        rows = tables["crosswalks"]
        names = sorted(set(rows["crosswalk"].to_list()))
        chosen = st.selectbox(t("sources.crosswalk"), names)
        st.dataframe(rows.filter(pl.col("crosswalk") == chosen).drop("crosswalk"), hide_index=True, width="stretch")

    technical(table)


def publication(tables: dict[str, pl.DataFrame]) -> None:
    row = tables["publication"].to_dicts()[0]
    st.caption(t("sources.publication_note", when=published_when(tables)))
    technical(
        lambda: st.markdown(
            t(
                "sources.publication_technical",
                hash=row["content_hash"][:16],
                run=row["run_id"],
                id=row.get("publication_id") or "-",
            )
        )
    )


def main() -> None:
    tables = page_header("page.sources", "sources.intro")
    definitions(tables)
    source_status(tables)
    provenance(tables)
    legal_bases(tables)
    check_results(tables)
    crosswalks(tables)
    publication(tables)


main()
