"""Citations ready to paste into a report's footnote, per figure and per table, in Norwegian and English.

A citation names the publisher (from the register of sources, `core.sources`), the publication and its
edition or year, the place in it (table, sheet, page or section), its address and the date it was read.
A figure the project copied from a publication that quotes the source (a news item or a government
plan quoting KOM) says so: "KOM, quoted in …". What the machine needs to trace a figure (the curated
file's name and line, a seed file, an input file's id or local path) stays in the data package and never
reaches a citation: `place` strips it from the published `source_location`.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from core.sources import register
from reporting.texts import text
from reporting.words import dated_text, day_text, edition_text

FILE_PREFIX = re.compile(r"^[\w.-]+\.(?:csv|xlsx|json|txt)(?:, (?:line|row) \d+)?(?::|,)\s*")
"""`kom_figures.csv, line 27: `, `ilo_estimates.csv, row 28: `, `data_glotip.xlsx, `, `ctdc_….csv: `."""
SEED = re.compile(r"\s*\(seed [^)]*\)")
FILE_IN_BRACKETS = re.compile(r"\s*\([\w.-]+\.(?:csv|xlsx|json|txt)\)")
ADDRESS_AT_END = re.compile(r"\s*\((https?://[^\s)]+)\)\s*$")
NOT_READERS = re.compile(r"(?:[\w.-]+\.(?:csv|xlsx|json|txt)\b|\bseed\b|\bline \d+|/work/|file://|repository file)")
"""What a reader's citation must never hold: file names, seeds, line numbers, local paths."""


@dataclass(frozen=True)
class Place:
    """Where a figure is, as a reader cites it: the publication quoted (None: the source's own), the place in
    it and the address given with it (None: the source's own address)."""

    quoted_in: str | None
    where: str
    address: str | None
    curated: bool = False


def place(source_id: str, location: str | None) -> Place:
    """The reader's part of a published `source_location`: no file name, line number or seed file."""
    said = (location or "").strip()
    curated = bool(re.match(r"^[\w.-]+\.csv, (?:line|row) \d+:", said))
    said = FILE_IN_BRACKETS.sub("", SEED.sub("", FILE_PREFIX.sub("", said)))
    found = ADDRESS_AT_END.search(said)
    address = found.group(1) if found else None
    said = ADDRESS_AT_END.sub("", said).strip()
    if not curated:
        return Place(None, said, address)
    publisher = register()[source_id].publisher_nb if source_id in register() else ""
    quoted = bool(publisher) and not said.startswith(publisher)
    return Place(said if quoted else None, "" if quoted else said, address, curated=True)


def address_of(source_id: str, url: str | None) -> str:
    """The publisher's address for a figure: its input file's official address, else the register's homepage."""
    if url and url.startswith(("http://", "https://")):
        return url
    entry = register().get(source_id)
    return entry.homepage if entry else ""


def figure_citation(
    source_id: str, location: str | None, source_file: Mapping[str, str] | None, day: str, language: str
) -> str:
    """One figure's citation: publisher, publication and edition, place, address, and `day`, the day it was read."""
    entry = register().get(source_id)
    publisher = entry.publisher_nb if entry else source_id
    found = place(source_id, location)
    address = found.address or address_of(source_id, (source_file or {}).get("url"))
    if found.quoted_in:
        return text(
            "pack.cite.quoted", language, publisher=publisher, quoted_in=found.quoted_in, address=address, read=day
        )
    title = publisher if found.curated or not entry else entry.name(language)
    said = [title, _edition(source_file or {}, language), found.where]
    return text("pack.cite.figure", language, said=", ".join(part for part in said if part), address=address, read=day)


def _edition(source_file: Mapping[str, str], language: str) -> str:
    """The file's edition as the pages name it (the publisher's own date, else a dated release), or "" when the
    publisher gives it no date (a checksum names no edition a reader could look up)."""
    edition, release = source_file.get("edition"), source_file.get("release")
    if dated_text(edition, language) is None and dated_text(release, language) is None:
        return ""
    return edition_text(edition, release, language)


def table_citation(title: str, pack_title: str, published_on: str, sources: list[str], language: str) -> str:
    """A table's citation: the table in the pack, its publication date, and each source's publisher and address."""
    cited = "; ".join(
        f"{register()[source].publisher(language)} ({register()[source].homepage})"
        for source in sources
        if source in register()
    )
    return text("pack.cite.table", language, title=title, pack=pack_title, published=published_on, sources=cited)


def read_on(retrieved_at: str | None, published_on: str, language: str) -> str:
    """The day a figure was read: its file's retrieval day, else (a curated table) the publication's day."""
    if retrieved_at:
        return day_text(datetime.fromisoformat(retrieved_at).date(), language)
    return published_on
