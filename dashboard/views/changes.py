"""Endringer: what the shown publication changed, any two kept publications compared, and what was published when."""

from dataclasses import dataclass
from datetime import date, datetime, time

import polars as pl
import streamlit as st

from dashboard.i18n import language, number, t, text_labels
from dashboard.ui import lookups, page_header, publication_label, reader_table
from reporting.changes import CHANGES, by_source_and_measure, sides_shown, summary
from reporting.downloads import excel_table
from reporting.published import KeptFileUnreadable, Publication, kept_publications, publication_store
from reporting.status import provenance_files, release_names
from reporting.texts import text
from reporting.words import (
    OSLO,
    category_text,
    day_text,
    edition_text,
    moment_text,
    period_text,
    place_names,
    reason_text,
    release_text,
)

DETAIL_ROWS = 50
"""At most this many figures in a detail table (all of them are in the download): a page costs the same however
many figures a publication changed."""
HISTORY_CHOICES = 200
"""At most this many figures offered in the history's picker, for the same reason."""


@st.cache_resource(show_spinner=False, max_entries=4)
def _compared(older: str, newer: str, older_file: str, newer_file: str) -> pl.DataFrame:
    """The revisions from one kept publication to another; the files' paths key the cache with the ids.

    Held as a resource, not copied per run: the frame is never changed in place."""
    return publication_store().compare(older, newer)


def measure_names(tables: dict[str, pl.DataFrame]) -> dict[tuple[str, str], str]:
    """(source, measure) -> the definition's name in the reader's language."""
    rows = tables["definitions"].iter_rows(named=True)
    return {(row["source"], row["measure"]): row[f"name_{language()}"] for row in rows}


def grouped(tables: dict[str, pl.DataFrame], revisions: pl.DataFrame) -> pl.DataFrame:
    """Counts by source and measure, with the names a reader knows."""
    names = measure_names(tables)
    counts = by_source_and_measure(revisions)
    return pl.DataFrame(
        {
            t("changes.source"): [t(f"source.{source}") for source in counts["source"]],
            t("changes.measure"): [
                names.get((source, measure), measure)
                for source, measure in zip(counts["source"], counts["measure"], strict=True)
            ],
            t("changes.table"): [t(f"changes.table_{table}") for table in counts["table"]],
            **{t(f"changes.count_{change}"): counts[change] for change in CHANGES},
            t("changes.norway"): counts["norway"],
        }
    )


@dataclass(frozen=True)
class Wording:
    """What writing revisions for a reader takes from the page, once: a download writes them later, outside the
    page's run, where the reader's session cannot be asked."""

    language: str
    measures: dict[tuple[str, str], str]
    labels: dict[tuple[str, str, str], str]
    releases: dict[tuple[str, str], str]
    """(source, release) -> the edition as a reader names it, where a kept publication's files give it."""

    @classmethod
    def of(cls, tables: dict[str, pl.DataFrame]) -> "Wording":
        labels = lookups().labels if "canonical_vocabulary" in tables else {}
        return cls(language(), measure_names(tables), labels, edition_names(tables))

    def release(self, source: str, release: str | None) -> str:
        """The release that brought a figure, named by its edition where known."""
        return self.releases.get((source, release or "")) or release_text(release, None, self.language)

    def category(self, dimension: str, code: str) -> str:
        found = self.labels.get((dimension, code, self.language))
        return found or category_text(dimension, code, self.language) or code

    def breakdown(self, breakdown: str) -> str:
        """`sex=female; age_group=child` as the reader reads it ("kvinner, barn"), `citizenship=NGA (Nigeria)` as
        "statsborgerskap: Nigeria" (never the source's own label); the total as "i alt"."""
        if "=" not in breakdown:
            return text("changes.all", self.language)
        return ", ".join(self._part(part) for part in breakdown.split("; "))

    def _part(self, part: str) -> str:
        dimension, _, category = part.partition("=")
        if dimension not in COUNTRY_DIMENSIONS:
            return self.category(dimension, category)
        code = category.split(" (")[0]
        name = category_text(dimension, code, self.language) or place_names(self.language).get(code, code)
        return f"{self.category('counterpart_type', dimension).lower()}: {name}"


def details(wording: Wording, revisions: pl.DataFrame) -> pl.DataFrame:
    """Each revised figure: what changed, where, the figure before and after as shown, and the release."""
    lang = wording.language
    written = sides_shown(revisions, lang)
    places = place_names(lang)
    groups = {breakdown: wording.breakdown(breakdown) for breakdown in set(written["breakdown"])}
    return pl.DataFrame(
        {
            text("changes.change", lang): [text(f"changes.change_{change}", lang) for change in written["change"]],
            text("changes.source", lang): [text(f"source.{source}", lang) for source in written["source"]],
            text("changes.measure", lang): [
                wording.measures.get((source, measure), measure)
                for source, measure in zip(written["source"], written["measure"], strict=True)
            ],
            text("changes.geo", lang): [places.get(geo, geo) for geo in written["geo"]],
            text("changes.period", lang): [period_text(period) for period in written["period"]],
            text("changes.breakdown", lang): [groups[breakdown] for breakdown in written["breakdown"]],
            text("changes.before", lang): written["shown_before"],
            text("changes.after", lang): written["shown_after"],
            text("changes.release", lang): [
                wording.release(source, release)
                for source, release in zip(written["source"], written["release"], strict=True)
            ],
        },
        schema_overrides={text("changes.geo", lang): pl.String, text("changes.period", lang): pl.String},
    )


COUNTRY_DIMENSIONS = ("citizenship", "repatriation")
"""Breakdowns by a second country, written `citizenship=NGA (the source's label)`."""


def figure_labels(tables: dict[str, pl.DataFrame], keys: list[tuple]) -> dict[tuple, str]:
    """Figures of the revisions as a reader names them: source, measure, place, period and group."""
    wording = Wording.of(tables)
    places = place_names(wording.language)
    labels = {}
    for key in keys:
        _, source, measure, geo, period, breakdown = key
        place = f"{places.get(geo, geo)}, {period_text(period)}, {wording.breakdown(breakdown)}"
        labels[key] = f"{t(f'publisher.{source}')}: {wording.measures.get((source, measure), measure)}, {place}"
    return labels


def status_changes(changes: pl.DataFrame) -> None:
    """The sources whose status this publication changed (stale, absent or back), even when no figure changed."""
    if not changes.height:
        return
    labels = text_labels("status", ["current", "stale", "absent"])
    lines = [
        t(
            "changes.status_line",
            source=t(f"publisher.{row['source_id']}"),
            before=labels.get(row["status_before"], "–"),
            after=labels.get(row["status_after"], "–"),
        )
        + (
            f" {reason_text(row['reason_after'], row['source_id'], language()).capitalize()}."
            if row["reason_after"]
            else ""
        )
        for row in changes.iter_rows(named=True)
    ]
    st.markdown(t("changes.status_title") + "\n" + "\n".join(f"- {line}" for line in lines))


def overview(tables: dict[str, pl.DataFrame], revisions: pl.DataFrame, key: str) -> None:
    """Counts of new, revised and withdrawn figures; by source and measure; then the figures of one group."""
    counts = summary(revisions)
    for column, change in zip(st.columns(len(CHANGES)), CHANGES, strict=True):
        column.metric(t(f"changes.count_{change}"), number(counts[change]), border=True)
    if not revisions.height:
        st.info(t("changes.nothing"))
        return
    st.markdown(t("changes.by_group"))
    reader_table(grouped(tables, revisions))
    groups = by_source_and_measure(revisions).select("source", "measure", "table").rows()
    names = measure_names(tables)
    labels = {
        group: f"{t(f'source.{group[0]}')}: {names.get(group[:2], group[1])} ({t(f'changes.table_{group[2]}')})"
        for group in groups
    }
    left, right = st.columns([3, 1])
    group = left.selectbox(t("changes.group"), groups, format_func=labels.get, key=f"changes_group_{key}")
    norway_only = right.checkbox(t("changes.norway_only"), key=f"changes_norway_{key}")
    rows = revisions.filter(
        (pl.col("source") == group[0]) & (pl.col("measure") == group[1]) & (pl.col("table") == group[2])
    )
    if norway_only:
        rows = rows.filter(pl.col("geo") == "NOR")
    if rows.height > DETAIL_ROWS:
        st.caption(t("changes.first_rows", shown=number(DETAIL_ROWS), total=number(rows.height)))
    wording = Wording.of(tables)
    reader_table(details(wording, rows.head(DETAIL_ROWS)))
    st.download_button(
        t("changes.download"),
        lambda: excel_table(details(wording, revisions), wording.language),  # written when the reader asks for it
        file_name=f"revisions-{key}.csv",
        mime="text/csv",
        key=f"changes_download_{key}",
    )


def figure_history(tables: dict[str, pl.DataFrame], revisions: pl.DataFrame) -> None:
    """Every value one revised figure has had across the kept publications."""
    history = tables.get("figure_history")
    if history is None or not revisions.height:
        return
    st.markdown(t("changes.history_intro"))
    keys = revisions.select("table", "source", "measure", "geo", "period", "breakdown").head(HISTORY_CHOICES).rows()
    labels = figure_labels(tables, keys)
    chosen = st.selectbox(
        t("changes.history_figure"),
        keys,
        format_func=labels.get,
        key="changes_history",
    )
    names = ("table", "source", "measure", "geo", "period", "breakdown")
    rows = history.filter(pl.all_horizontal(pl.col(name) == value for name, value in zip(names, chosen, strict=True)))
    written = sides_shown(
        rows.with_columns(
            **{f"{column}_before": pl.col(column) for column in ("value", "value_low", "value_high", "flags")}
        ),
        language(),
    )
    names = edition_names(tables)
    reader_table(
        pl.DataFrame(
            {
                t("changes.published_at"): [moment_text(moment, language()) for moment in written["published_at"]],
                t("changes.change"): [t(f"changes.change_{change}") for change in written["change"]],
                t("changes.figure"): written["shown_after"],
                t("changes.release"): [
                    names.get((source, release or "")) or release_text(release, None, language())
                    for source, release in zip(written["source"], written["release"], strict=True)
                ],
            }
        )
    )


def last_publication(tables: dict[str, pl.DataFrame]) -> None:
    st.subheader(t("changes.last_title"))
    row = tables["publication"].row(0, named=True)
    revisions = tables.get("revisions")
    if not row.get("publication_id") or revisions is None:
        st.info(t("changes.not_recorded"))
        return
    entries = {entry.publication_id: entry for entry in kept_publications()}
    if not row.get("previous_publication_id"):
        st.info(t("changes.first", id=moment_text(row["published_at"], language())))
        return
    previous = entries.get(row["previous_publication_id"])
    before = publication_label(previous) if previous else t("words.unknown_time")
    st.markdown(t("changes.last_intro", id=moment_text(row["published_at"], language()), previous=before))
    if previous is not None and row["publication_id"] in entries:
        try:
            status_changes(publication_store().status_changes(previous.publication_id, row["publication_id"]))
        except KeptFileUnreadable:
            st.warning(t("changes.kept_unreadable", when=publication_label(previous)))
    overview(tables, revisions, "last")
    figure_history(tables, revisions)


def compare_two(tables: dict[str, pl.DataFrame]) -> None:
    st.subheader(t("changes.compare_title"))
    kept = kept_publications()
    if len(kept) < 2:
        st.info(t("changes.compare_needs_two"))
        return
    ids = [entry.publication_id for entry in kept]
    labels = {entry.publication_id: publication_label(entry) for entry in kept}
    left, right = st.columns(2)
    older = left.selectbox(t("changes.compare_from"), ids, index=1, format_func=labels.get, key="changes_from")
    newer = right.selectbox(t("changes.compare_to"), ids, index=0, format_func=labels.get, key="changes_to")
    if older == newer:
        st.info(t("changes.same_publication"))
        return
    store = publication_store()
    try:
        revisions = _compared(older, newer, str(store.database(older)), str(store.database(newer)))
        changed_status = store.status_changes(older, newer)
    except KeptFileUnreadable as error:
        unreadable = next(name for name in (older, newer) if name in str(error))
        st.warning(t("changes.kept_unreadable", when=labels[unreadable]))
        return
    st.markdown(t("changes.compare_intro", older=labels[older], newer=labels[newer]))
    status_changes(changed_status)
    overview(tables, revisions, "compare")


def published_when(tables: dict[str, pl.DataFrame]) -> None:
    """Every kept publication, and which one was current on a given day."""
    st.subheader(t("changes.list_title"))
    kept = kept_publications()
    if not kept:
        st.info(t("changes.none_kept"))
        return
    store = publication_store()
    current, exported = store.current_id(), store.exported_ids()
    reader_table(
        pl.DataFrame(
            {
                t("changes.published_at"): [publication_label(entry) for entry in kept],
                t("changes.current"): [yes_no(entry.publication_id == current) for entry in kept],
                t("changes.exported"): [yes_no(entry.publication_id in exported) for entry in kept],
                **{
                    t(f"changes.count_{change}"): [entry.revisions.get(change, 0) for entry in kept]
                    for change in CHANGES
                },
                t("changes.releases"): [releases_line(entry) for entry in kept],
            }
        )
    )
    day = st.date_input(t("changes.on_day"), value=None, key="changes_day", format=t("words.date_format"))
    if isinstance(day, date):
        found = store.at(datetime.combine(day, time(23, 59, 59), tzinfo=OSLO))
        if found is None:
            st.markdown(t("changes.on_day_none", day=day_text(day, language())))
        else:
            st.markdown(t("changes.on_day_answer", day=day_text(day, language()), id=publication_label(found)))
    st.caption(t("changes.command"))


def edition_names(tables: dict[str, pl.DataFrame]) -> dict[tuple[str, str], str]:
    """(source, release) -> its edition as a reader names it, from the shown publication's and the kept ones' files."""
    files = provenance_files(tables.get("provenance")) + [
        (source["source_id"], file.get("release"), file.get("edition"))
        for entry in kept_publications()
        for source in entry.sources
        for file in source.get("files", [])
    ]
    return release_names(files, language())


def yes_no(value: bool) -> str:
    return t("sources.passed_yes") if value else t("sources.passed_no")


def source_release(source: dict) -> str:
    """A source's release in a kept publication by its edition, as its files give it (none before editions were
    read: then by the date in the release, if any)."""
    editions = [file["edition"] for file in source.get("files", []) if file.get("edition")]
    if editions:
        return edition_text(max(editions), source.get("release"), language())
    return release_text(source.get("release"), None, language())


def releases_line(entry: Publication) -> str:
    """Each source's release in a kept publication, as a reader names it."""
    named = [
        (t(f"publisher.{source['source_id']}"), source_release(source))
        for source in entry.sources
        if source.get("status") and source.get("release")
    ]
    return "; ".join(f"{publisher}: {release}" for publisher, release in named)


def main() -> None:
    tables = page_header("page.changes", "changes.intro")
    last_publication(tables)
    compare_two(tables)
    published_when(tables)


main()
