"""Definisjoner og kilder: the definitions, four databases side by side, GRETA's evaluations of Norway, the
sources' status, the files fetched, the penal provisions, the checks.

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
from reporting import four_databases, greta
from reporting.status import check_source, source_states, status_detail, status_reason, status_sentence
from reporting.texts import texts
from reporting.words import day_text, edition_text, moment_text


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
    """Every source's status in this publication, in the sentences every page uses; the refresh's own messages for
    the sources not current in a collapsed part for analysts."""
    states = source_states(tables)
    if not states:
        return
    st.subheader(t("sources.status_title"))
    lang = language()
    st.markdown("\n".join(f"- {status_sentence(state, lang)}" for state in states))
    failing = [row for row in tables["source_status"].sort("source_id").to_dicts() if row["reason"]]
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
                t("sources.release"): [edition_text(row.get("edition"), row["release"], lang) for row in files],
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


def checked_sources(failed: pl.DataFrame, tables: dict[str, pl.DataFrame]) -> str:
    """The publishers whose checks are among `failed` (a shared table's by its own name), as a reader reads them."""
    sources = tables["source_status"]["source_id"].to_list() if "source_status" in tables else []
    owners = {check_source(key, sources) or key.split("/")[-1].removeprefix("facts_") for key in failed["asset_key"]}
    return ", ".join(t(f"publisher.{owner}") if f"publisher.{owner}" in texts() else owner for owner in sorted(owners))


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
    for severity, key in (("ERROR", "sources.checks_blocking"), ("WARN", "sources.checks_warned")):
        if named := checked_sources(failed.filter(pl.col("severity") == severity), tables):
            st.markdown(t(key, checks=named))
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


def four_databases_table(tables: dict[str, pl.DataFrame]) -> None:
    """The Norad review's 2008 comparison of four databases, with what each offers now about the number of victims."""
    st.subheader(t("four.title"))
    st.markdown(t("four.intro"))
    if "series_totals" not in tables or "fact_indicator" not in tables:
        st.info(t("data.table_missing", tables="series_totals, fact_indicator"))
        return
    table = four_databases.comparison(tables, language())
    headers = {"aspect": t("four.column_aspect")} | {db: t(f"four.db.{db}") for db in four_databases.DATABASES}
    reader_table(table.rename(headers))
    st.caption(t("four.reference"))


def greta_rounds() -> None:
    """GRETA's evaluation rounds of Norway: dates and document ids as on record, with their addresses."""
    st.subheader(t("greta.title"))
    st.markdown(t("greta.intro"))
    address = t("greta.column_address")
    events = greta.events(language())
    reader_table(
        events.with_columns(
            pl.col(address).map_elements(lambda url: f"[{urlparse(url).netloc}]({url})", return_dtype=pl.String)
        )
    )


def main() -> None:
    tables = page_header("page.sources", "sources.intro")
    definitions(tables)
    four_databases_table(tables)
    greta_rounds()
    source_status(tables)
    provenance(tables)
    legal_bases(tables)
    check_results(tables)
    crosswalks(tables)
    publication(tables)


main()
