"""What a pack holds (`Contents`), and what it says about itself: the workbooks' cover in each language, each
table's citation, the readers' tables, and `LES-MEG.md` (the cover in both languages with the technical lines:
content hash, run, publication ids and code version, which readers of the workbook are spared)."""

from dataclasses import dataclass
from datetime import datetime

import plotly.graph_objects as go
import polars as pl

from core.code_version import same_code
from core.sources import of_kind, register
from export.changes import REVISIONS
from export.citations import table_citation
from export.dark_figure import front_page_line
from export.reader_tables import Context, reader_table
from export.tables import Table
from export.workbook import ReaderTable
from reporting.catalogue import catalogue
from reporting.dark_figure import DarkFigureEstimate
from reporting.status import SourceState, status_sentence
from reporting.texts import LANGUAGES, text, texts
from reporting.words import day_text, moment_text


@dataclass(frozen=True)
class Contents:
    """What one pack holds, read from the published marts before anything is written."""

    tables: list[tuple[Table, pl.DataFrame]]
    charts: dict[str, dict[str, go.Figure]]
    """Per language, file stem → figure."""
    published_at: str
    content_hash: str
    run_id: str
    source_status: list[dict]
    source_states: list[SourceState]
    """Every source's state in the publication, for the status sentences the pages say too."""
    files: dict[str, dict]
    """The input files by `provenance_id`: `source_id`, `url`, `retrieved_at`, `release` (for citations)."""
    flag_words: dict[str, tuple[str, str]]
    """Each flag's words in Norwegian and English (the published vocabulary's)."""
    estimate: DarkFigureEstimate | None = None
    """A dark-figure estimate the request brought (none without one)."""
    publication_id: str | None = None
    """The kept publication the pack is built from (none for a file published before publications were kept)."""
    previous_publication_id: str | None = None
    code_at_publication: dict | None = None
    """The code version that made the publication (git commit, uncommitted changes), when it was recorded."""
    revision_counts: dict[str, int] | None = None
    """How many figures the publication made new, revised and withdrawn since the one before (all years)."""

    @property
    def published(self) -> datetime:
        return datetime.fromisoformat(self.published_at)

    def published_on(self, language: str) -> str:
        return day_text(self.published.date(), language)


def pack_title(year_from: int, year_to: int, language: str) -> str:
    return text("pack.title", language, first=year_from, last=year_to)


def cover(year_from: int, year_to: int, contents: Contents, code: dict, language: str) -> list[tuple[str, str]]:
    """The workbook's cover in `language`: (heading, text) pairs, the title first; `code` is the version of the
    code building the pack (a line says so when it is not the code that made the publication)."""
    title = pack_title(year_from, year_to, language)
    citation = text("pack.cover.citation", language, title=title, published=contents.published_on(language))
    said = [
        ("pack.cover.about", text("pack.cover.about_text", language, publishers=_publishers(language))),
        ("pack.cover.publisher", text("pack.cover.publisher_text", language)),
        ("pack.cover.contact", text("pack.cover.contact_text", language)),
        ("pack.cover.period", f"{year_from}–{year_to}"),
        ("pack.cover.published", moment_text(contents.published_at, language)),
        ("pack.cover.next_update", text("pack.cover.next_update_text", language, sources=_next_editions(language))),
        ("pack.cover.cite", text("pack.cover.cite_text", language, citation=citation)),
        ("pack.label.small", text("pack.text.small", language)),
        ("pack.label.terms", text("pack.text.terms", language)),
        *[(None, line) for line in _revision_lines(contents, language)],
    ]
    lines = [("", title), *[(text(key, language) if key else text("pack.label.revisions", language), line)
                            for key, line in said]]  # fmt: skip
    lines += [
        (
            f"{text('pack.label.source', language)}: {text('source.' + state.source_id, language)}",
            _said(state, language),
        )
        for state in contents.source_states
    ]
    if contents.estimate is not None:
        lines.append(front_page_line(contents.estimate, language))
    if _code_changed(contents, code):
        lines.append((text("pack.label.code_changed", language), text("pack.cover.code_changed_text", language)))
    return lines


def _publishers(language: str) -> str:
    """Every publisher of the register (the project's own tables aside): `KOM, UNODC, … og Verdensbanken`."""
    names = [entry.publisher(language) for entry in of_kind("curated", "download", "api")]
    return f"{', '.join(names[:-1])} {text('words.and', language)} {names[-1]}" if len(names) > 1 else "".join(names)


def _code_changed(contents: Contents, code: dict) -> bool:
    return contents.code_at_publication is not None and not same_code(contents.code_at_publication, code)


def _next_editions(language: str) -> str:
    """`KOM: juni 2027; UNODC: desember 2026; …`: each source's next expected edition, from the register."""
    editions = []
    for entry in register().values():
        if entry.next_expected:
            year, month = (int(part) for part in entry.next_expected.split("-"))
            when = text("words.month", language, month=text(f"month.{month}", language), year=year)
            editions.append(f"{entry.publisher(language)}: {when}")
    return "; ".join(editions)


def _revision_lines(contents: Contents, language: str) -> list[str]:
    """What the publication changed since the one before (nothing for a file published before publications were
    kept)."""
    if contents.publication_id is None:
        return []
    if contents.previous_publication_id is None:
        return [text("pack.text.first_publication", language)]
    counts = contents.revision_counts or {}
    listed = next(frame.height for table, frame in contents.tables if table is REVISIONS)
    return [
        text(
            "pack.text.revision_counts",
            language,
            new=counts.get("new", 0),
            revised=counts.get("revised", 0),
            withdrawn=counts.get("withdrawn", 0),
            listed=listed,
        )
    ]


def _said(state: SourceState, language: str) -> str:
    """A source's status as every page says it, without the markdown emphasis (a workbook cell is plain text)."""
    return status_sentence(state, language).replace("**", "")


def table_sources(table: Table, frame: pl.DataFrame) -> list[str]:
    """The sources a table's figures come from: its own source column, else its series in the catalogue."""
    column = next((name for name in ("source", "source_id") if name in frame.columns), None)
    found = set(frame[column].drop_nulls().to_list()) if column else set()
    if "population_provenance_id" in frame.columns:
        found.add("worldbank_population")
    if not found:
        found = {entry.source for entry in catalogue().get(("pack_tables", table.name), ())}
    return sorted(source for source in found if f"source.{source}" in texts() and source != "reference")


def reader_tables(contents: Contents, year_from: int, year_to: int, language: str) -> list[ReaderTable]:
    """Every table of the pack as the workbook in `language` shows it, each with its citation."""
    wide = {
        entry.table_column: entry.source
        for (view, _), entries in catalogue().items()
        if view == "pack_tables"
        for entry in entries
        if entry.table_column
    }
    title = pack_title(year_from, year_to, language)
    readers = []
    for table, frame in contents.tables:
        sources = table_sources(table, frame)
        citation = (
            table_citation(table.heading(language), title, contents.published_on(language), sources, language)
            if sources
            else None
        )
        context = Context(contents.files, contents.flag_words, wide, contents.published_on(language), citation)
        readers.append(reader_table(table, frame, language, context))
    return readers


def readme(name: str, year_from: int, year_to: int, contents: Contents, code: dict) -> str:
    """`LES-MEG.md`: the cover in Norwegian, then in English, then the technical lines."""
    parts = []
    for language in LANGUAGES:
        title, *lines = cover(year_from, year_to, contents, code, language)
        parts += [f"# {title[1]}", "", *[f"- **{heading}**: {said}" for heading, said in lines], ""]
    parts += [
        f"## {_both('pack.label.technical')}",
        "",
        *[f"- **{label}**: {said}" for label, said in _technical(name, contents, code)],
    ]
    return "\n".join(parts) + "\n"


def _both(key: str, **values: object) -> str:
    return " / ".join(text(key, language, **values) for language in LANGUAGES)


def _technical(name: str, contents: Contents, code: dict) -> list[tuple[str, str]]:
    """Pack, run, content hash, publications and code version: what an analyst needs to reproduce the pack."""
    lines = [
        (_both("pack.label.pack"), name),
        (
            _both("pack.label.published"),
            _both("pack.text.published_run", when=contents.published_at, run=contents.run_id),
        ),
        (_both("pack.label.content_hash"), contents.content_hash),
    ]
    if contents.publication_id:
        previous = contents.previous_publication_id or "–"
        lines.append(
            (
                _both("pack.label.publication"),
                _both("pack.text.publication_line", publication=contents.publication_id, previous=previous),
            )
        )
    said = " / ".join(text("pack.text.uncommitted", language).strip() for language in LANGUAGES)
    lines.append((_both("pack.label.code"), f"git {code['git_commit']}" + (f" {said}" if code["dirty"] else "")))
    made_by = contents.code_at_publication
    if made_by is not None and _code_changed(contents, code):
        dirty = " / ".join(
            text("pack.text.code_changed", language, commit=made_by["git_commit"],
                 dirty=text("pack.text.uncommitted", language) if made_by.get("dirty") else "")
            for language in LANGUAGES
        )  # fmt: skip
        lines.append((_both("pack.label.code_changed"), dirty))
    return lines
