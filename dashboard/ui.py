"""What every page shares besides its texts (`i18n.py`): the published tables, the definitions and the chart block.

The dashboard reads only the published marts (`marts/trafficking.duckdb`), read-only, through
`reporting.published`; every table is read once per publication (the cache is keyed on the file's
modification time) and pages filter the frames in memory.
"""

from collections.abc import Iterable
from pathlib import Path

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from dashboard.i18n import language, t, with_shown_values
from reporting.published import published_path, read_tables
from reporting.status import not_current, status_sentence

PUBLISHED_TABLES = (
    "series_totals",
    "breakdowns",
    "fact_indicator",
    "reconciliation_norway",
    "reconciliation_justice_norway",
    "rates_per_100k",
    "ilo_estimates",
    "ctdc_profiles",
    "definitions",
    "canonical_vocabulary",
    "crosswalks",
    "legal_bases",
    "provenance",
    "publication",
    "asset_check_results",
    "source_status",
)
"""The tables the pages read; a table the published file lacks (an older publication) is left out."""


@st.cache_data(show_spinner=False, max_entries=2)
def _read_tables(path: str, version: int) -> dict[str, pl.DataFrame]:
    """Every table the pages use; `version` (the file's mtime) renews the cache on each publication."""
    return read_tables(Path(path), PUBLISHED_TABLES)


def published_tables() -> dict[str, pl.DataFrame]:
    """The published tables, or a message in the page (and the page stops) when there are none to read."""
    path = published_path()
    if not path.exists():
        st.warning(t("data.missing", path=path))
        st.stop()
    try:
        return _read_tables(str(path), path.stat().st_mtime_ns)
    except Exception:
        st.warning(t("data.busy"))
        st.stop()


def definition_rows(tables: dict[str, pl.DataFrame], definition_ids: Iterable[str]) -> list[dict]:
    wanted = list(dict.fromkeys(definition_ids))
    rows = {row["definition_id"]: row for row in tables["definitions"].iter_rows(named=True)}
    return [rows[definition_id] for definition_id in wanted if definition_id in rows]


def definition_name(tables: dict[str, pl.DataFrame], definition_id: str) -> str:
    rows = definition_rows(tables, [definition_id])
    return rows[0][f"name_{language()}"] if rows else definition_id


def vocabulary_label(tables: dict[str, pl.DataFrame], dimension: str, code: str) -> str:
    """The canonical vocabulary's label for `code` in the reader's language (the code if it has none)."""
    labels = tables["canonical_vocabulary"].filter((pl.col("dimension") == dimension) & (pl.col("code") == code))
    return labels[f"label_{language()}"][0] if labels.height else code


def footnotes(tables: dict[str, pl.DataFrame], definition_ids: Iterable[str]) -> None:
    """The definitions registry's text for each series in a chart, with a link to its source."""
    lang = language()
    for row in definition_rows(tables, definition_ids):
        name, unit, breaks = row[f"name_{lang}"], row[f"counting_unit_{lang}"], row[f"series_breaks_{lang}"] or ""
        st.caption(
            f"**{name}** ({t('chart.unit')}: {unit}). {row[f'description_{lang}']} "
            f"{breaks} {t('chart.source')}: [{row['publisher']}]({row['source_url']})"
        )


def download_columns(frame: pl.DataFrame) -> pl.DataFrame:
    """The columns of a chart's data worth giving a reader: what, when, the figure as shown, and where from."""
    wanted = [
        "series",
        "source",
        "measure",
        "geo",
        "year",
        "period",
        "category",
        "shown",
        "value",
        "value_low",
        "value_high",
        "rate",
        "flags",
        "legal_basis",
        "definition_id",
        "source_location",
    ]
    return frame.select([column for column in wanted if column in frame.columns])


def chart_block(
    tables: dict[str, pl.DataFrame],
    title: str,
    figure: go.Figure,
    data: pl.DataFrame,
    definition_ids: Iterable[str],
    file_name: str,
) -> None:
    """A chart with its title (what is counted), footnotes from the registry, and its data as CSV."""
    st.subheader(title)
    st.plotly_chart(figure, width="stretch", key=f"chart_{file_name}")
    footnotes(tables, definition_ids)
    csv_data = download_columns(data if "shown" in data.columns else with_shown_values(data)).write_csv()
    st.download_button(
        t("chart.download"), csv_data, file_name=f"{file_name}.csv", mime="text/csv", key=f"download_{file_name}"
    )


def page_header(title_key: str, intro_key: str | None = None) -> dict[str, pl.DataFrame]:
    """The page's title and introduction, and the published tables (or the page stops with a message)."""
    st.title(t(title_key))
    if intro_key:
        st.markdown(t(intro_key))
    tables = published_tables()
    published_at = tables["publication"]["published_at"][0] if "publication" in tables else "?"
    st.caption(t("data.published", when=published_at))
    for row in not_current(tables.get("source_status")):
        st.warning(status_sentence(row, language()))
    return tables
