"""Eksport: the rapporteur's pack (workbook, CSV, charts, data package) for a span of years, as a zip.

The pack is built from a kept publication (the one shown, by default), so a pack cited a year ago can
be built again byte for byte; each export is noted, so pruning keeps that publication.
"""

import tempfile
from pathlib import Path

import polars as pl
import streamlit as st

from core.code_version import code_version, same_code
from core.vocabulary import NORWAY
from dashboard.i18n import number, t
from dashboard.ui import (
    ESTIMATE_STATE_KEY,
    chosen_publication,
    page_header,
    publication_label,
    shown_publication_id,
)
from export import ExportError, ExportNotNoted, build_pack, pack_as_zip
from export.pack import EARLIEST_YEAR, LATEST_YEAR, MAX_CONCURRENT_BUILDS, build_slot_free
from reporting.published import kept_path, kept_publications, publication_store, published_path


def pack_source(tables: dict[str, pl.DataFrame]) -> tuple[Path, str | None]:
    """The file the pack is built from: the kept publication chosen here (the one shown by default)."""
    kept = kept_publications()
    if not kept:
        return published_path(), None
    ids = [entry.publication_id for entry in kept]
    shown = chosen_publication() or shown_publication_id(tables)
    labels = {entry.publication_id: publication_label(entry) for entry in kept}  # by when, never by id
    chosen = st.selectbox(
        t("export.publication"), ids, index=ids.index(shown) if shown in ids else 0, format_func=labels.get
    )
    entry = kept[ids.index(chosen)]
    if not same_code(entry.code_version, code_version()):
        st.caption(t("export.code_changed", commit=entry.code_version.get("git_commit")))
    return kept_path(chosen), chosen


def main() -> None:
    tables = page_header("page.export", "export.intro")
    years = tables["series_totals"].filter(pl.col("geo") == NORWAY)["year"].drop_nulls()
    first, last = int(years.min()), int(years.max())
    left, right = st.columns(2)
    year_from = left.number_input(
        t("export.from"), min_value=EARLIEST_YEAR, max_value=LATEST_YEAR, value=max(first, 2015), step=1
    )
    year_to = right.number_input(t("export.to"), min_value=EARLIEST_YEAR, max_value=LATEST_YEAR, value=last, step=1)
    estimate = st.session_state.get(ESTIMATE_STATE_KEY)
    include = False
    if estimate is None:
        st.caption(t("export.no_estimate"))
    else:
        shown = number(estimate.result.estimate) or "–"
        include = st.checkbox(
            t("export.include_estimate", file=estimate.file_name, estimate=shown), key="export_include_estimate"
        )
    source, publication = pack_source(tables)
    if st.button(t("export.build"), type="primary"):
        if not build_slot_free():
            st.info(t("export.waiting", builds=MAX_CONCURRENT_BUILDS))
        with tempfile.TemporaryDirectory() as folder:
            try:
                pack = build_pack(
                    source,
                    int(year_from),
                    int(year_to),
                    Path(folder),
                    estimate=estimate if include else None,
                    noted_in=(publication_store(), publication) if publication is not None else None,
                )
            except ExportNotNoted as warning:
                st.warning(t("export.not_noted", id=warning.publication_id, reason=warning.reason))
                pack = warning.pack
            except ExportError as error:  # said in a sentence; the message with its paths is for the command line
                said = t(f"export.error.{error.kind or 'other'}", first=EARLIEST_YEAR, last=LATEST_YEAR)
                st.error(t("export.failed", reason=said))
                return
            st.session_state["export_pack"] = (pack.name, pack_as_zip(pack))
    if "export_pack" in st.session_state:
        name, archive = st.session_state["export_pack"]
        st.success(t("export.ready", name=name))
        st.download_button(t("export.download"), archive, file_name=f"{name}.zip", mime="application/zip")
    st.markdown(t("export.contents"))


main()
