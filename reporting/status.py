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


def status_sentence(row: dict, language: str) -> str:
    """`row` of `source_status` as a reader's sentence: which source, since when, and why."""
    source = text(f"source.{row['source_id']}", language)
    reason = row.get("reason") or ""
    if row["status"] == "absent":
        return text("status.banner_absent", language, source=source, reason=reason)
    since = row.get("retrieved_at") or text("status.unknown_time", language)
    return text(
        "status.banner_stale", language, source=source, release=row.get("release") or "?", since=since, reason=reason
    )
