"""What every page shares besides its texts (`i18n.py`): the published tables, the definitions and the chart block.

The dashboard reads only the published marts (`marts/trafficking.duckdb`), read-only, through
`reporting.published`; every table is read once per publication (the cache is keyed on the file's
path and modification time) and pages filter the frames in memory. The sidebar's "as published on"
choice switches every page to a kept earlier publication (`publications/<id>/trafficking.duckdb`),
with a note on each page saying so.
"""

import functools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from html import escape
from pathlib import Path

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from core.vocabulary import NORWAY
from dashboard.i18n import language, number, t, with_shown_values
from reporting.catalogue import Series
from reporting.changes import MarkedFigures, figure_keys, marked_figures, revision_marks
from reporting.charts import CHART_CONFIG, coinciding_note, describe, drawn_definitions
from reporting.downloads import excel_csv
from reporting.published import (
    ChangedFile,
    Publication,
    kept_path,
    kept_publications,
    publication_store,
    published_path,
    read_tables,
)
from reporting.status import not_current, source_states, status_sentence
from reporting.texts import LANGUAGES
from reporting.words import category_text, moment_text

PUBLISHED_TABLES = (
    "series_totals",
    "breakdowns",
    "fact_indicator",
    "reconciliation_norway",
    "reconciliation_justice_norway",
    "reconciliation_tip_justice_norway",
    "rates_per_100k",
    "ilo_estimates",
    "ctdc_profiles",
    "definitions",
    "canonical_vocabulary",
    "crosswalks",
    "legal_bases",
    "provenance",
    "population",
    "publication",
    "asset_check_results",
    "source_status",
    "revisions",
    "figure_history",
)
"""The tables the pages read; a table the published file lacks (an older publication) is left out."""
CURRENT = ""
"""The sidebar's choice meaning "the current publication, whichever it is" (a new one is picked up on the next load)."""

ESTIMATE_STATE_KEY = "dark_figure_estimate"
"""Where the session keeps the last estimate made from an upload on Mørketall, for Eksport to add to the pack."""


@st.cache_resource(show_spinner=False, max_entries=2)
def _read_tables(path: str, version: int) -> dict[str, pl.DataFrame]:
    """Every table the pages use; `version` (the file's mtime) renews the cache on each publication.

    Held as a resource, not copied per reader: polars frames are never changed in place, and unpickling
    the tables on every page load was a third of the server's time for a page (benchmarks/bench_dashboard.py).
    """
    return read_tables(Path(path), PUBLISHED_TABLES)


@dataclass(frozen=True)
class Lookups:
    """What pages look figures and codes up in, prepared once per publication: a page then costs the same however
    long the publication's history is (with 75,000 revisions, Oversikt took 8 s writing them all for each tile)."""

    marked: MarkedFigures
    """The figures the publication made new or revised, by key."""
    labels: dict[tuple[str, str, str], str]
    """(dimension, code, language) -> the canonical vocabulary's label."""


@st.cache_resource(show_spinner=False, max_entries=2)
def _lookups(path: str, version: int) -> Lookups:
    tables = _read_tables(path, version)
    vocabulary = tables.get("canonical_vocabulary")
    labels = {}
    if vocabulary is not None:
        for row in vocabulary.iter_rows(named=True):
            for lang in LANGUAGES:
                labels[(row["dimension"], row["code"], lang)] = row[f"label_{lang}"]
    return Lookups(marked_figures(tables.get("revisions")), labels)


def lookups() -> Lookups:
    """The shown publication's `Lookups` (its tables were read by `published_tables`)."""
    path = shown_path()
    return _lookups(str(path), path.stat().st_mtime_ns)


def publication_label(entry: Publication) -> str:
    """A kept publication as the reader picks it: when it was published, in Oslo time."""
    return moment_text(entry.published_at, language())


def published_when(tables: dict[str, pl.DataFrame]) -> str:
    """When the shown publication was published, as a reader reads it."""
    publication = tables.get("publication")
    published_at = publication["published_at"][0] if publication is not None and publication.height else None
    return moment_text(published_at, language())


def shown_publication_id(tables: dict[str, pl.DataFrame]) -> str | None:
    """The id of the publication whose tables these are (None for a file published before ids were kept)."""
    publication = tables.get("publication")
    if publication is None or not publication.height or "publication_id" not in publication.columns:
        return None
    return publication["publication_id"][0]


def publication_switch() -> None:
    """The sidebar's "as published on": the current publication (default) or any kept earlier one; not drawn until
    there is an earlier one to show (a fresh data dir's one kept publication is the current one)."""
    kept = kept_publications()
    if len(kept) < 2:
        st.session_state.pop("publication", None)
        return
    options = [CURRENT, *(entry.publication_id for entry in kept)]
    labels = {CURRENT: t("publications.current"), **{entry.publication_id: publication_label(entry) for entry in kept}}
    if st.session_state.get("publication", CURRENT) not in options:  # pruned since it was chosen
        st.session_state["publication"] = CURRENT
    st.sidebar.selectbox(
        t("publications.as_published_on"),
        options,
        key="publication",
        format_func=labels.get,
        help=t("publications.help"),
    )


def chosen_publication() -> str | None:
    """The kept publication the reader chose to see, or None for the current one."""
    return st.session_state.get("publication") or None


def shown_path() -> Path:
    """The file the pages read: the chosen kept publication's (even when it is missing: the page then says so,
    never showing the current figures under an earlier publication's name), or the published file."""
    chosen = chosen_publication()
    return kept_path(chosen) if chosen is not None else published_path()


def published_tables() -> dict[str, pl.DataFrame]:
    """The published tables, or a message in the page (and the page stops) when there are none to read."""
    path = shown_path()
    if not path.exists():
        st.warning(t("publications.kept_missing") if chosen_publication() else t("data.missing"))
        st.stop()
    try:
        return _read_tables(str(path), path.stat().st_mtime_ns)
    except ChangedFile:
        st.warning(t("data.changed"))
        st.stop()
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
    """The canonical vocabulary's label for `code` in the reader's language, else the word for a source's own
    category (`reporting.words.category_text`), else the code."""
    labels = lookups().labels if "canonical_vocabulary" in tables else {}
    return labels.get((dimension, code, language())) or category_text(dimension, code, language()) or code


def footnotes(tables: dict[str, pl.DataFrame], definition_ids: Iterable[str]) -> None:
    """The definitions registry's text for each series in a chart, with a link to its source: a paragraph each, in
    one caption (a caption each cost the browser about 3 ms more to draw, docs/BENCHMARKS.md)."""
    lang = language()
    paragraphs = [
        f"**{row[f'name_{lang}']}** ({t('chart.unit')}: {row[f'counting_unit_{lang}']}). {row[f'description_{lang}']} "
        f"{row[f'series_breaks_{lang}'] or ''} {t('chart.source')}: [{row['publisher']}]({row['source_url']})"
        for row in definition_rows(tables, definition_ids)
    ]
    if paragraphs:
        st.caption("\n\n".join(paragraphs))


def reader_table(frame: pl.DataFrame) -> None:
    """A table for readers: one plain HTML table whose text wraps (no canvas grid cutting columns, no component per
    cell for the browser to draw), every column in view at a desktop's and a phone's width (`dashboard/app.py` lays
    it out), its cells text a screen reader and a browser test can read. Counts are written as the reader writes
    them (`75 001`); a cell `[site](https://…)` is a link."""
    st.html(table_html(frame))


LINK = re.compile(r"^\[([^\]]+)\]\((https?://[^)\s]+)\)$")


def table_html(frame: pl.DataFrame) -> str:
    head = "".join(f'<th scope="col">{escape(name)}</th>' for name in frame.columns)
    counts = [dtype.is_integer() for dtype in frame.schema.values()]
    rows = "".join(
        "<tr>" + "".join(f"<td>{_cell(value, count)}</td>" for value, count in zip(row, counts, strict=True)) + "</tr>"
        for row in frame.iter_rows()
    )
    return f'<table class="reader">{_widths(frame)}<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>'


def _widths(frame: pl.DataFrame) -> str:
    """Each column's share of the width, by its longest cell (capped) or its header's longest word, and never so
    narrow that a year breaks: an explanation gets more room than a year."""
    weights = [
        max(14, min(60, max([*map(len, name.split()), *(len(str(value)) for value in frame[name].head(50))])))
        for name in frame.columns
    ]
    total = sum(weights) or 1
    columns = "".join(f'<col style="width:{100 * weight / total:.1f}%">' for weight in weights)
    return f"<colgroup>{columns}</colgroup>"


def _cell(value: object, is_count: bool) -> str:
    if value is None:
        return ""
    if is_count:
        return escape(number(value))
    if found := LINK.match(str(value)):
        return f'<a href="{escape(found[2])}" target="_blank" rel="noopener">{escape(found[1])}</a>'
    return escape(str(value))


def figures_table(shown: pl.DataFrame) -> pl.DataFrame:
    """A chart's figures as the reader sees them: series, year or period, and the figure (`<5`, `om lag 200`)."""
    columns = {"series": t("chart.column_series"), "period": t("chart.column_period"), "shown": t("chart.column_value")}
    if "period" not in shown.columns and "year" in shown.columns:
        shown = shown.with_columns(period=pl.col("year").cast(pl.String))
    present = {name: label for name, label in columns.items() if name in shown.columns}
    table = shown.select(*present).rename(present)
    if t("chart.column_period") in table.columns:
        table = table.with_columns(pl.col(t("chart.column_period")).str.replace_all("-", "–"))
    return table


def drawn_of(data: pl.DataFrame, definition_ids: Iterable[str]) -> list[str]:
    """Those of `definition_ids` the chart of `data` draws a figure of (all of them when rows name no definition)."""
    if "definition_id" not in data.columns:
        return list(definition_ids)
    drawn = set(drawn_definitions(data))
    return [definition_id for definition_id in definition_ids if definition_id in drawn]


def chart_block(
    tables: dict[str, pl.DataFrame],
    title: str,
    figure: go.Figure,
    data: pl.DataFrame,
    definition_ids: Iterable[str],
    file_name: str,
    underlying: Iterable[str] = (),
) -> None:
    """A chart with its title (what is counted), a sentence saying what it shows, a note where series coincide, its
    figures as a table a screen reader can read, footnotes from the registry for the series drawn (and the
    `underlying` definitions the chart is computed from, such as the population under a rate), and its data as a
    download. Without figures: a sentence, no chart."""
    st.subheader(title)
    if data.is_empty():
        st.info(t("chart.no_figures"))
        return
    shown = data if "shown" in data.columns else with_shown_values(data)
    kind = "chart.kind_bar" if any(trace.type == "bar" for trace in figure.data) else "chart.kind_line"
    st.markdown(describe(shown, kind, language()))
    st.plotly_chart(figure, width="stretch", key=f"chart_{file_name}", config=CHART_CONFIG)
    if kind == "chart.kind_line" and (note := coinciding_note(shown, language())):
        st.caption(note)
    with st.expander(t("chart.figures_table")):
        reader_table(figures_table(shown))
    footnotes(tables, [*drawn_of(shown, definition_ids), *underlying])
    st.download_button(
        t("chart.download"),
        excel_csv(shown, language()),
        file_name=f"{file_name}.csv",
        mime="text/csv",
        key=f"download_{file_name}",
    )


def page_header(title_key: str, intro_key: str | None = None) -> dict[str, pl.DataFrame]:
    """The page's title and introduction, and the published tables (or the page stops with a message)."""
    st.title(t(title_key))
    if intro_key:
        st.markdown(t(intro_key))
    tables = published_tables()
    st.caption(t("data.published", when=published_when(tables)))
    earlier_note(tables)
    status_banner(tables)
    return tables


def status_banner(tables: dict[str, pl.DataFrame]) -> None:
    """A short banner for the sources the shown publication could not take anew, and one click away every source's
    status: which edition is shown, how new its figures are, and why it is not current when it is not."""
    rows = not_current(tables.get("source_status"))
    if rows:
        named = ", ".join(t(f"publisher.{row['source_id']}") for row in rows)
        st.warning(t("status.banner", sources=named))
    states = source_states(tables)
    if states:
        with st.expander(t("status.reasons")):
            st.markdown("\n".join(f"- {status_sentence(state, language())}" for state in states))


def earlier_note(tables: dict[str, pl.DataFrame]) -> None:
    """A note when the page shows an earlier publication than the current one."""
    chosen = chosen_publication()
    if chosen is None:
        return
    current = publication_store().current_id()
    if chosen == current:
        return
    entries = {entry.publication_id: entry for entry in kept_publications()}
    now = publication_label(entries[current]) if current in entries else t("words.unknown_time")
    st.info(t("publications.showing_earlier", when=published_when(tables), current=now))


def revision_column(tables: dict[str, pl.DataFrame], rows: pl.DataFrame) -> pl.Series:
    """For rows shaped like `series_totals` or `breakdowns`: a column marking each figure this publication made
    new or revised (with the figure before), empty for the others."""
    marks = revision_marks(lookups().marked, figure_keys(rows), language())
    return pl.Series(t("revisions.column"), marks, dtype=pl.String)


def with_revision_marks(
    tables: dict[str, pl.DataFrame], years: pl.Series, entry: Series, shown: pl.Series
) -> pl.Series:
    """A wide table's column of one series' figures (Norway, by year) with its revision mark beside each value
    this publication made new or revised: "262 (revidert, var 260)"."""
    keys = pl.DataFrame(
        {"source": entry.source, "measure": entry.measure, "geo": NORWAY, "period": [str(year) for year in years]}
    )
    marks = revision_column(tables, keys).to_list()
    return pl.Series(
        shown.name, [f"{value} ({mark})" if mark else value for value, mark in zip(shown, marks, strict=True)]
    )


def needs(*names: str) -> Callable:
    """A page block drawn from the published tables `names`: when the shown publication lacks one (an
    older or a partial file), the block says so in a sentence and the rest of the page is shown."""

    def wrap(block: Callable) -> Callable:
        @functools.wraps(block)
        def shown(tables: dict[str, pl.DataFrame], *arguments: object, **keywords: object) -> object:
            missing = [name for name in names if name not in tables]
            if missing:
                st.info(t("data.table_missing", tables=", ".join(missing)))
                return None
            return block(tables, *arguments, **keywords)

        return shown

    return wrap
