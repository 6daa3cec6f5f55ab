"""Which sources a publication could not take anew, said in one sentence each for readers.

The published `source_status` table has one row per source: `current` (taken anew), `stale` (the
new release could not be used: its last good release is published again) or `absent` (no release
has ever been good). Pages show a banner per stale or absent source; the pack lists them.
"""

import polars as pl

from reporting.texts import text
from reporting.words import moment_text, reason_text, release_text


def not_current(source_status: pl.DataFrame | None) -> list[dict]:
    """The rows of stale or absent sources (none for a publication made before statuses existed)."""
    if source_status is None:
        return []
    return source_status.filter(pl.col("status") != "current").sort("source_id").to_dicts()


def status_line(row: dict, language: str) -> str:
    """`row` of `source_status` in one short line for a banner: which source, and which release is shown."""
    source = text(f"publisher.{row['source_id']}", language)
    if row["status"] == "absent":
        return text("status.line_absent", language, source=source)
    release = release_text(row.get("release"), row.get("retrieved_at"), language)
    since = moment_text(row.get("retrieved_at"), language)
    return text("status.line_stale", language, source=source, release=release, since=since)


def status_reason(row: dict, language: str) -> str:
    """Why `row`'s source is not current, in a sentence (`fikk ikke kontakt med UNODC`)."""
    said = reason_text(row.get("reason"), row["source_id"], language)
    return text("status.reason", language, reason=said[:1].upper() + said[1:])


def status_detail(row: dict) -> str:
    """The refresh's own message (file, row, address, error): for analysts, on the sources page only."""
    return str(row.get("reason") or "")
