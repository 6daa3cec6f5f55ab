"""Om statistikken: what is counted and by whom, its quality, who is responsible and how to reach them, and the
release calendar (each source's expected next edition, from the register of sources, against today)."""

from datetime import datetime

import polars as pl
import streamlit as st

from core.sources import of_kind
from dashboard.i18n import language, number, t
from dashboard.ui import page_header, published_when, reader_table
from reporting.calendar import PUBLISHED_KINDS, expected_text, release_calendar, state_text
from reporting.status import source_states
from reporting.words import OSLO, edition_text


def purpose() -> None:
    st.subheader(t("about.purpose_title"))
    st.markdown(t("about.purpose"))


def counted() -> None:
    """Each publisher's source: what it counts, and a link to the publisher's page."""
    st.subheader(t("about.counted_title"))
    lang = language()
    lines = []
    for source in of_kind(*PUBLISHED_KINDS):
        link = f" ([{t('about.publisher_page')}]({source.homepage}))" if source.homepage else ""
        lines.append(f"- **{source.name(lang)}**: {source.counts(lang)}{link}.")
    st.markdown("\n".join(lines))


def quality(tables: dict[str, pl.DataFrame]) -> None:
    st.subheader(t("about.quality_title"))
    st.markdown(t("about.quality"))
    results = tables.get("asset_check_results")
    if results is not None and results.height:
        passed = number(results.filter(pl.col("passed")).height)
        st.markdown(t("about.checks", when=published_when(tables), passed=passed, total=number(results.height)))


def responsible() -> None:
    st.subheader(t("about.responsible_title"))
    st.markdown(f"{t('about.responsible')}  \n{t('about.contact')}")


def calendar(tables: dict[str, pl.DataFrame]) -> None:
    """Each source's edition shown now, its next edition expected, and whether that month has passed."""
    st.subheader(t("calendar.title"))
    st.markdown(t("calendar.intro"))
    lang = language()
    shown = {
        state.source_id: edition_text(state.edition, state.release, lang)
        if state.status != "absent"
        else t("calendar.no_figures")
        for state in source_states(tables)
    }
    entries = release_calendar(datetime.now(OSLO).date())
    reader_table(
        pl.DataFrame(
            {
                t("calendar.source"): [entry.source.name(lang) for entry in entries],
                t("calendar.shown"): [shown.get(entry.source.source_id, t("calendar.no_figures")) for entry in entries],
                t("calendar.cadence"): [entry.source.cadence(lang) for entry in entries],
                t("calendar.next"): [expected_text(entry, lang) for entry in entries],
                t("calendar.state"): [state_text(entry, lang) for entry in entries],
            }
        )
    )


def main() -> None:
    tables = page_header("page.about", "about.intro")
    purpose()
    counted()
    quality(tables)
    calendar(tables)
    responsible()


main()
