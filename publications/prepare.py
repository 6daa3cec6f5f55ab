"""A new publication prepared from a refresh's tables: its record, and the tables it adds.

The record is made once, as the catalogue entry (`Publication`); the published file's one-row
`publication` table is written from that same entry, so the two never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import polars as pl

from core.code_version import code_version
from publications import revisions
from publications.store import Publication, PublicationStore, publication_id, read_database, sources_of


@dataclass(frozen=True)
class PreparedPublication:
    entry: Publication
    tables: dict[str, pl.DataFrame]
    """Every table the new published file holds: the refresh's, `revisions`, `figure_history`, `publication`."""


def publication_table(entry: Publication) -> pl.DataFrame:
    """The published file's `publication` table: one row, from the catalogue entry."""
    return pl.DataFrame(
        {
            "published_at": [entry.published_at],
            "run_id": [entry.run_id],
            "content_hash": [entry.content_hash],
            "tables": [",".join(name for name in entry.tables if name not in ADDED_TABLES)],
            "publication_id": [entry.publication_id],
            "previous_publication_id": [entry.previous_publication_id],
            "code_commit": [entry.code_version["git_commit"]],
            "code_dirty": [entry.code_version["dirty"]],
        },
        schema_overrides={"previous_publication_id": pl.String(), "code_dirty": pl.Boolean()},
    )


ADDED_TABLES = ("revisions", "figure_history", "publication")
"""Tables publication adds to the refresh's own (the `tables` column lists the refresh's only)."""


class ClockBehind(ValueError):
    """The clock says a time before the last publication: publishing would make the history run backwards."""


def publication_time(previous: Publication | None, now: datetime | None = None) -> str:
    """Now (UTC, to the second), refused with `ClockBehind` when it is before the last publication's time."""
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    if previous is not None and moment < datetime.fromisoformat(previous.published_at):
        raise ClockBehind(
            f"the system clock says {moment.isoformat(timespec='seconds')}, before the last publication "
            f"{previous.publication_id} ({previous.published_at}): nothing is published until the clock is right "
            "(a publication older than the one before it would make `list`, `show`, `diff` and the history wrong)"
        )
    return moment.isoformat(timespec="seconds")


def prepare(
    store: PublicationStore,
    previous: Publication | None,
    named: dict[str, pl.DataFrame],
    content_hash: str,
    run_id: str,
) -> PreparedPublication:
    """The new publication of `named` (the refresh's tables, by name), compared with the newest kept one."""
    published_at = publication_time(store.newest())
    new_id = publication_id(published_at, content_hash)
    extra = revision_tables(store, previous, named, new_id, published_at)
    counts = {name: frame.height for name, frame in {**named, **extra}.items()}
    entry = Publication(
        publication_id=new_id,
        published_at=published_at,
        content_hash=content_hash,
        run_id=run_id,
        code_version=code_version(),
        sources=sources_of(named["source_status"], named["provenance"]),
        previous_publication_id=previous.publication_id if previous else None,
        revisions=revisions.summary(extra["revisions"]),
        tables={**counts, "publication": 1},
    )
    return PreparedPublication(entry, {**named, **extra, "publication": publication_table(entry)})


def revision_tables(
    store: PublicationStore,
    previous: Publication | None,
    named: dict[str, pl.DataFrame],
    new_id: str,
    published_at: str,
) -> dict[str, pl.DataFrame]:
    """`revisions` (against the newest kept publication, none for the first) and `figure_history` (carried forward)."""
    after = revisions.figures(named)
    releases_after = revisions.releases(named["source_status"])
    if previous is None:
        return {
            "revisions": revisions.no_revisions(),
            "figure_history": revisions.first_history(after, new_id, published_at, releases_after),
        }
    before_tables = read_database(
        store.database(previous.publication_id), [*revisions.FIGURE_TABLES, "source_status", "figure_history"]
    )
    releases_before = revisions.releases(before_tables.get("source_status"))
    before = revisions.figures(before_tables)
    changes = revisions.compare(before, after, releases_before, releases_after, new_id, previous.publication_id)
    history = before_tables.get("figure_history")
    if history is None:  # a publication made before histories were kept starts the history
        history = revisions.first_history(before, previous.publication_id, previous.published_at, releases_before)
    return {"revisions": changes, "figure_history": revisions.next_history(history, changes, published_at)}
