"""Which sources a publication could not take anew, said in one sentence each for readers.

The published `source_status` table has one row per source: `current` (taken anew), `stale` (the
new release could not be used: its last good release is published again) or `absent` (no release
has ever been good). Pages show a banner per stale or absent source; the pack lists them.
"""

import polars as pl

from reporting.texts import text


def not_current(source_status: pl.DataFrame | None) -> list[dict]:
    """The rows of stale or absent sources (none for a publication made before statuses existed)."""
    if source_status is None:
        return []
    return source_status.filter(pl.col("status") != "current").sort("source_id").to_dicts()


def status_line(row: dict, language: str) -> str:
    """`row` of `source_status` in one short line for a banner: which source, and since when it is not current."""
    source = text(f"source.{row['source_id']}", language)
    if row["status"] == "absent":
        return text("status.line_absent", language, source=source)
    since = row.get("retrieved_at") or text("status.unknown_time", language)
    return text("status.line_stale", language, source=source, release=row.get("release") or "?", since=since)


def status_reason(row: dict, language: str) -> str:
    """Why `row`'s source is not current, as the refresh said it (the file and row, or the address and error)."""
    return text("status.reason", language, source=text(f"source.{row['source_id']}", language), reason=row["reason"])
